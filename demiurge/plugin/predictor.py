"""The predictor as an nn~ model: descriptors of a live input and their forecast.

Methods (``F`` = descriptor features, 39 by default; ``hop`` = the descriptor hop, 1024):

* ``descriptors``: audio ``[B x 1 x T]`` -> descriptors ``[B x F x T / hop]`` (in ratio 1, out
  ratio hop): the very module ``demiurge describe`` uses (:class:`demiurge.dsp.Descriptors`),
  streaming; latency ``Descriptors.latency_samples``.
* ``forward``: descriptors ``[B x F x T / hop]`` -> forecast ``[B x F x T / hop]`` (both at
  ratio hop): every incoming frame is pushed into the predictor's context and the output at
  that frame is the forecast ``horizon`` frames ahead of it. The context (and a recurrent
  model's state, rebuilt from the context) carries across calls.

Attributes: ``horizon`` (int, frames ahead), ``temperature`` (float, forecast noise in z units;
0 = deterministic).
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor

from demiurge.dsp import Descriptors, MFCCConfig
from demiurge.plugin.base import NNModule
from demiurge.sequencer.forecast import Forecaster

MAX_HORIZON = 256


class PredictorPlugin(NNModule):
    """``descriptors`` and ``forward`` (see the module docstring) for nn~."""

    def __init__(self, *, forecaster: Forecaster, mfcc_config: MFCCConfig = MFCCConfig(),
                 horizon: int = 1):
        super().__init__()
        self.max_horizon = MAX_HORIZON
        self.analysis = Descriptors(mfcc_config)
        self.forecaster = forecaster.eval()
        hop = mfcc_config.hop_length
        features = mfcc_config.feature_names
        self.register_method(
            "descriptors", in_channels=1, in_ratio=1, out_channels=len(features), out_ratio=hop,
            latency=self.analysis.latency_samples, doc="audio -> MFCC descriptors (13 + deltas)",
            input_labels=["(signal) audio"],
            output_labels=[f"(signal) {name}" for name in features])
        self.register_method(
            "forward", in_channels=len(features), in_ratio=hop, out_channels=len(features),
            out_ratio=hop, latency=0, doc="descriptors -> forecast descriptors `horizon` frames ahead",
            input_labels=[f"(signal) {name}" for name in features],
            output_labels=[f"(signal) forecast {name}" for name in features])
        self.register_attribute("horizon", type="int", default=int(horizon), minimum=1,
                                maximum=MAX_HORIZON,
                                doc="how many descriptor frames ahead `forward` forecasts")
        self.register_attribute("temperature", type="float", default=float(forecaster.temperature),
                                minimum=0.0, maximum=10.0,
                                doc="forecast noise in z units (0 = deterministic)", store=False)

    @torch.jit.export
    def descriptors(self, x: Tensor) -> Tensor:
        """``Tensor[B x 1 x T] -> Tensor[B x F x T / hop]``."""
        return self.analysis.stream(x[:, 0])

    def forward(self, x: Tensor) -> Tensor:
        """``Tensor[B x F x N] -> Tensor[B x F x N]``: frame t of the output is the forecast of
        frame ``t + horizon`` from the frames up to t."""
        outs = []
        for t in range(x.shape[2]):
            self.forecaster.push(x[:, :, t:t + 1])
            outs.append(self.forecaster.forecast(self.horizon)[:, :, self.horizon - 1:])
        return torch.cat(outs, dim=2)

    @torch.jit.export
    def get_horizon(self) -> Tuple[int]:
        return (self.horizon,)

    @torch.jit.export
    def set_horizon(self, value: int) -> int:
        if value < 1 or value > self.max_horizon:
            return -1
        self.horizon = value
        return 0

    @torch.jit.export
    def get_temperature(self) -> Tuple[float]:
        return (self.forecaster.temperature,)

    @torch.jit.export
    def set_temperature(self, value: float) -> int:
        if value > 10.0:
            return -1
        return self.forecaster.set_temperature(value)
