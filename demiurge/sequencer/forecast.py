"""Streaming forecasts from a trained predictor: the one implementation used by
``demiurge predict``, the live host (``demiurge-live``) and the nn~ export.

:class:`Forecaster` wraps a predictor together with its z-score statistics and keeps a
context window of the last ``window_size`` descriptor frames in a buffer updated in place::

    fc = load_forecaster("runs/lstm")          # a run directory or run id
    fc.push(frames)                            # Tensor[B x n_features x T], raw descriptors
    future = fc.forecast(16)                   # Tensor[B x n_features x 16], raw descriptors

Frames are channel-first (``[B x F x T]``, F = n_features), as :class:`~demiurge.dsp.Descriptors`
emits them and nn~ passes them. Pushing a sequence in pieces is the same as pushing it at
once. The module is TorchScript-able (``torch.jit.script(fc)``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from demiurge.dsp.config import MFCCConfig, StaleFloorError
from demiurge.errors import DemiurgeError
from demiurge.runs import Checkpoint, Run, load, register_loader
from demiurge.sequencer.predictor_config import PredictorConfig

RUN_KIND = "predictor"


class Forecaster(nn.Module):
    """A trained predictor with its normalisation and a context window, streaming.

    Args:
        model: a predictor from :mod:`demiurge.sequencer.predictors` (any of the four).
        mean, std: ``Tensor[F]`` z-score statistics of the training frames.
        window_size: context frames the model reads (its training window).
        forecast_size: frames the model was trained to forecast (a natural horizon).
        temperature: standard deviation of the noise (in z units) added to each forecast
            frame before it is fed back; 0 for the deterministic forecast.

    State (buffers, updated in place; sized by the batch of the first ``push``):
        ``context``: ``Tensor[B x window_size x F]`` the last frames, z-scored; frames not yet
        pushed count as the training mean (z = 0). ``frames_seen``: ``Tensor[1]`` (int64).
    """

    def __init__(self, model: nn.Module, mean: Tensor, std: Tensor, window_size: int,
                 forecast_size: int, temperature: float = 0.0):
        super().__init__()
        self.model = model
        self.window_size = int(window_size)
        self.forecast_size = int(forecast_size)
        self.n_features = int(mean.numel())
        self.temperature = float(temperature)
        self.register_buffer("mean", mean.detach().float().reshape(1, -1, 1).clone())
        self.register_buffer("std", std.detach().float().reshape(1, -1, 1).clone())
        self.register_buffer("context", torch.zeros(1, self.window_size, self.n_features),
                             persistent=False)
        self.register_buffer("frames_seen", torch.zeros(1, dtype=torch.long), persistent=False)

    @torch.jit.export
    def reset(self, batch: int = 1) -> None:
        """Forget the context (``batch`` streams start afresh with the next ``push``)."""
        if self.context.shape[0] == batch:
            self.context.zero_()
            self.frames_seen.zero_()
        else:
            self.context = torch.zeros(batch, self.window_size, self.n_features,
                                       device=self.mean.device)
            self.frames_seen = torch.zeros(1, dtype=torch.long, device=self.mean.device)

    @torch.jit.export
    def ready(self) -> bool:
        """True once ``window_size`` frames have been pushed (the context is all real)."""
        return int(self.frames_seen.item()) >= self.window_size

    @torch.jit.export
    def set_temperature(self, value: float) -> int:
        """Set the forecast noise (>= 0); returns 0, or -1 (and keeps the old value) if invalid."""
        if value < 0.0:
            return -1
        self.temperature = value
        return 0

    @torch.jit.export
    def push(self, frames: Tensor) -> None:
        """Append descriptor frames ``Tensor[B x F x T]`` (raw, as described) to the context.

        A batch size other than the current one starts new streams (like :meth:`reset`).
        """
        if frames.shape[1] != self.n_features:
            raise ValueError("push() expects frames of shape [batch, n_features, time]")
        if frames.shape[0] != self.context.shape[0] or frames.device != self.context.device:
            self.context = torch.zeros(frames.shape[0], self.window_size, self.n_features,
                                       device=frames.device)
            self.frames_seen = torch.zeros(1, dtype=torch.long, device=frames.device)
        z = ((frames.float() - self.mean) / self.std).transpose(1, 2)
        joined = torch.cat([self.context, z], dim=1)
        self.context.copy_(joined[:, joined.shape[1] - self.window_size:])
        self.frames_seen += frames.shape[2]

    @torch.jit.export
    def forecast(self, horizon: int) -> Tensor:
        """The next ``horizon`` frames after the context: ``Tensor[B x F x horizon]`` (raw).

        Does not change the context (push the forecast back to run the model on its own output).
        """
        with torch.no_grad():
            z = self.model.rollout(self.context, horizon, self.temperature)
        return z.transpose(1, 2) * self.std + self.mean

    def forward(self, frames: Tensor, horizon: int) -> Tensor:
        """``push(frames)`` then ``forecast(horizon)``: ``Tensor[B x F x T] -> [B x F x horizon]``."""
        self.push(frames)
        return self.forecast(horizon)


# ---------------------------------------------------------------------------- loading runs
@dataclass
class TrainedPredictor:
    """A predictor loaded from a run: the model (eval mode) and everything needed to use it."""

    model: nn.Module
    config: PredictorConfig
    mean: np.ndarray            # float32 [F]
    std: np.ndarray             # float32 [F]
    mfcc_config: MFCCConfig
    checkpoint: Checkpoint

    @property
    def name(self) -> str:
        """Which of the four predictors (``lstm``, ...)."""
        return self.config.model

    @property
    def window_size(self) -> int:
        return self.config.window_size

    @property
    def forecast_size(self) -> int:
        return self.config.forecast_size

    @property
    def step(self) -> int:
        return self.checkpoint.step

    @property
    def run(self) -> Optional[Run]:
        return self.checkpoint.run

    def forecaster(self, *, temperature: float = 0.0) -> Forecaster:
        return Forecaster(self.model, torch.from_numpy(self.mean), torch.from_numpy(self.std),
                          self.window_size, self.forecast_size, temperature)


def _spec(state: Dict[str, Any]) -> Tuple[PredictorConfig, int, MFCCConfig]:
    """(model config, n_features, MFCC settings) of a predictor checkpoint; checkpoints from
    before the shared training loop kept them in ``model_config``."""
    if "model_config" in state:
        old = state["model_config"]
        config = PredictorConfig(model=old["model"], window_size=old["window_size"],
                                 forecast_size=old["forecast_size"], **old["hyperparameters"])
        return config, int(old["n_features"]), MFCCConfig.from_dict(old["mfcc_config"])
    config = state["config"]
    return (PredictorConfig.from_dict(config["predictor"]), int(config["n_features"]),
            MFCCConfig.from_dict(config["mfcc"]))


def _load(checkpoint: Checkpoint) -> TrainedPredictor:
    state = checkpoint.state
    if "stats" not in state or not ("generator" in state or "model" in state):
        raise DemiurgeError(f"{checkpoint.source}: checkpoint {checkpoint.which!r} is not a "
                            "predictor checkpoint; train it with `demiurge train predictor`")
    try:
        config, n_features, mfcc = _spec(state)
    except StaleFloorError as exc:
        raise DemiurgeError(f"{checkpoint.source}: the predictor's training DB {exc}; describe "
                            "the audio again and train the predictor again on the new DB") from None
    model = config.build(n_features=n_features)
    model.load_state_dict(state["generator"] if "generator" in state else state["model"])
    return TrainedPredictor(model=model.eval(), config=config,
                            mean=np.asarray(state["stats"]["mean"], np.float32),
                            std=np.asarray(state["stats"]["std"], np.float32),
                            mfcc_config=mfcc, checkpoint=checkpoint)


register_loader(RUN_KIND, _load)


def load_predictor(ref: str | os.PathLike | Run, *, which: str = "best") -> TrainedPredictor:
    """A trained predictor from a run directory, run id or checkpoint file (best checkpoint,
    else the latest, by default)."""
    return load(ref, kind=RUN_KIND, which=which)


def load_forecaster(ref: str | os.PathLike | Run, *, temperature: float = 0.0,
                    which: str = "best") -> Forecaster:
    """A :class:`Forecaster` for the run's best checkpoint (eval mode, context empty)."""
    return load_predictor(ref, which=which).forecaster(temperature=temperature).eval()
