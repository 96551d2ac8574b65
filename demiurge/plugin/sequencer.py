"""The whole sequencer as one nn~ model: audio in, Demiurge's answer out, with the DB inside.

``forward``: audio ``[B x 1 x T]`` -> the answer, mixed with the input ``[B x 1 x T]`` (ratio
1). Inside: the engine core of ``demiurge-live``
(:class:`~demiurge.sequencer.engine_core.EngineCore`: descriptors -> predictor forecast ->
nearest DB frame -> playback -> dry/wet and gain), the DB's descriptors and its audio (float16),
and the predictor. The core runs in pieces of ``block`` samples (a quarter hop) whatever nn~'s
buffer size, so the output is the same at every buffer size and equals ``demiurge-live``'s
file render (``Engine.render``) with the same block, DB, predictor and settings. Each item of an
mc.nn~ batch (up to :data:`MAX_BATCH`) streams on its own (its own descriptors, forecast and
choice state over the one DB).

Attributes, typed and range-checked with the ranges of ``demiurge-live``'s parameters
(:data:`demiurge.sequencer.controls.PARAMS`): ``mode``, ``drywet``, ``gain`` (dB), ``knn``
(live's ``k``), ``avoid`` (``avoid_repeats``), ``continuity``, ``horizon``, ``temperature`` and
``weights``. A setter answers -1 and keeps the old value for a value out of range.

Search is exact (TorchScript has no faiss), so a DB holds at most :data:`MAX_FRAMES` frames
and :data:`MAX_AUDIO_SECONDS` seconds of audio.
"""

from __future__ import annotations

import copy
from typing import Dict, List, Tuple

import torch
from torch import Tensor, nn

from demiurge.dsp import Descriptors
from demiurge.errors import DemiurgeError
from demiurge.plugin.base import NNModule
from demiurge.sequencer.controls import MODES, PARAMS_BY_NAME
from demiurge.sequencer.engine_core import EngineCore
from demiurge.sequencer.query import weights_from_spec
from demiurge.sequencer.query_settings import HNSW_FROM_FRAMES

MAX_FRAMES = HNSW_FROM_FRAMES      # above it demiurge-live switches to its faiss index
MAX_AUDIO_SECONDS = 1800.0         # 30 minutes: about 160 MB of float16 audio at 44.1 kHz
MAX_BATCH = 2                      # mc.nn~ channels (stereo), each with its own streaming state

# nn~ attribute -> the demiurge-live parameter whose type, range, default and meaning it takes.
ATTRIBUTES = (("mode", "mode"), ("drywet", "drywet"), ("gain", "gain"), ("knn", "k"),
              ("avoid", "avoid_repeats"), ("continuity", "continuity"), ("horizon", "horizon"),
              ("temperature", "temperature"), ("weights", "weights"))
_TYPES = {"choice": "str", "text": "str", "float": "float", "int": "int"}


class SequencerPlugin(NNModule):
    """``forward`` (see the module docstring) over one DB's answerer, for nn~.

    Args:
        descriptors: the streaming MFCC module (the DB's config).
        forecaster: the predictor's streaming forecaster (same descriptors).
        answerer: the DB's exact :class:`~demiurge.sequencer.answer.Answerer` (its playback
            may keep the audio in float16).
        block: samples per piece of the engine core (must be below the hop).
        batch: the largest mc.nn~ batch.
    """

    __annotations__ = {"limits": Dict[str, List[float]], "modes": List[str]}

    def __init__(self, *, descriptors: Descriptors, forecaster: nn.Module, answerer: nn.Module,
                 block: int, batch: int = MAX_BATCH):
        super().__init__()
        hop = int(descriptors.hop)
        if not 0 < block < hop:
            raise ValueError(f"block {block} must be below the hop {hop}")
        self.cores = nn.ModuleList([
            EngineCore(copy.deepcopy(descriptors), copy.deepcopy(forecaster).eval(),
                       answerer if i == 0 else answerer.fork(), block=block, swappable=False)
            for i in range(batch)])
        self.max_batch = int(batch)
        self.n_features = int(descriptors.n_features)
        self.n_frames = int(answerer.n_frames)
        self.modes = list(MODES)
        self.pending_mode = -1   # a mode change, applied at the start of the next buffer
        self.started = False     # dry/wet and gain set before the first buffer do not ramp
        self.limits = {}
        for name, param in ATTRIBUTES:
            p = PARAMS_BY_NAME[param]
            if p.minimum is not None:
                self.limits[name] = [float(p.minimum), float(p.maximum)]
        self.register_method(
            "forward", in_channels=1, in_ratio=1, out_channels=1, out_ratio=1,
            latency=self.cores[0].latency_samples(),
            doc="audio -> Demiurge's answer from the DB (mixed with the input by drywet); the "
                "latency is mosaic mode's (follow mode is horizon hops earlier)",
            input_labels=["(signal) audio in"], output_labels=["(signal) Demiurge's answer"])
        for name, param in ATTRIBUTES:
            p = PARAMS_BY_NAME[param]
            unit = f" ({p.unit})" if p.unit else ""
            self.register_attribute(name, type=_TYPES[p.kind], default=p.default,
                                    doc=p.doc + unit, minimum=p.minimum, maximum=p.maximum,
                                    choices=list(p.choices) if p.choices else None)
        # The core starts at the parameters' defaults (drywet 1, 0 dB: the core's own).
        if self._set_choice(self.knn, self.avoid, self.continuity) != 0:
            raise DemiurgeError(f"the DB has {self.n_frames} frames, fewer than knn + avoid "
                                f"({self.knn + self.avoid}); describe more audio")
        self.set_temperature(self.temperature)

    def forward(self, x: Tensor) -> Tensor:
        """``Tensor[B x 1 x T] -> Tensor[B x 1 x T]``, ``B <= max_batch``."""
        if x.shape[0] > self.max_batch:
            raise ValueError("this sequencer.ts streams at most max_batch mc.nn~ channels; "
                             "export it again with a larger batch")
        mode = self.pending_mode
        self.pending_mode = -1
        self.started = True
        outs: List[Tensor] = []
        i = 0
        for core in self.cores:
            if mode >= 0:
                core.set_mode(mode)
            if i < x.shape[0]:
                outs.append(core.process(x[i]))
            i += 1
        return torch.stack(outs)

    def _in_range(self, name: str, value: float) -> bool:
        limit = self.limits[name]
        return limit[0] <= value <= limit[1]

    # ------------------------------------------------------------------ attributes
    @torch.jit.export
    def get_mode(self) -> Tuple[str]:
        return (self.mode,)

    @torch.jit.export
    def set_mode(self, value: str) -> int:
        if value not in self.modes:
            return -1
        self.mode = value
        self.pending_mode = self.modes.index(value)
        return 0

    @torch.jit.export
    def get_drywet(self) -> Tuple[float]:
        return (self.drywet,)

    @torch.jit.export
    def set_drywet(self, value: float) -> int:
        if not self._in_range("drywet", value):
            return -1
        self.drywet = value
        for core in self.cores:
            core.drywet = value
            if not self.started:
                core.settle_mix()
        return 0

    @torch.jit.export
    def get_gain(self) -> Tuple[float]:
        return (self.gain,)

    @torch.jit.export
    def set_gain(self, value: float) -> int:
        if not self._in_range("gain", value):
            return -1
        self.gain = value
        for core in self.cores:
            core.gain = 10.0 ** (value / 20.0)
            if not self.started:
                core.settle_mix()
        return 0

    @torch.jit.export
    def get_horizon(self) -> Tuple[int]:
        return (self.horizon,)

    @torch.jit.export
    def set_horizon(self, value: int) -> int:
        if not self._in_range("horizon", float(value)):
            return -1
        self.horizon = value
        for core in self.cores:
            core.horizon = value
        return 0

    def _set_choice(self, k: int, avoid: int, continuity: float) -> int:
        if not (self._in_range("knn", float(k)) and self._in_range("avoid", float(avoid))
                and self._in_range("continuity", continuity)) or k + avoid > self.n_frames:
            return -1
        for core in self.cores:
            core.answerer.query.set_choice(k, avoid, continuity)
        self.knn = k
        self.avoid = avoid
        self.continuity = continuity
        return 0

    @torch.jit.export
    def get_knn(self) -> Tuple[int]:
        return (self.knn,)

    @torch.jit.export
    def set_knn(self, value: int) -> int:
        return self._set_choice(value, self.avoid, self.continuity)

    @torch.jit.export
    def get_avoid(self) -> Tuple[int]:
        return (self.avoid,)

    @torch.jit.export
    def set_avoid(self, value: int) -> int:
        return self._set_choice(self.knn, value, self.continuity)

    @torch.jit.export
    def get_continuity(self) -> Tuple[float]:
        return (self.continuity,)

    @torch.jit.export
    def set_continuity(self, value: float) -> int:
        return self._set_choice(self.knn, self.avoid, value)

    @torch.jit.export
    def get_temperature(self) -> Tuple[float]:
        return (self.temperature,)

    @torch.jit.export
    def set_temperature(self, value: float) -> int:
        if not self._in_range("temperature", value):
            return -1
        for core in self.cores:
            core.forecaster.set_temperature(value)
        self.temperature = value
        return 0

    @torch.jit.export
    def get_weights(self) -> Tuple[str]:
        return (self.weights,)

    @torch.jit.export
    def set_weights(self, value: str) -> int:
        weights = weights_from_spec(value, self.n_features)
        if weights.shape[0] != self.n_features:
            return -1
        for core in self.cores:
            core.answerer.query.set_weights(weights)
        self.weights = value
        return 0


def check_sequencer_fits(*, frames: int, seconds: float, what: str) -> None:
    """Raise :class:`DemiurgeError` if a DB of ``frames`` frames and ``seconds`` of audio is
    more than a ``sequencer.ts`` holds."""
    if frames > MAX_FRAMES or seconds > MAX_AUDIO_SECONDS:
        raise DemiurgeError(
            f"{what} has {frames} frames ({seconds / 60:.1f} minutes of audio); a sequencer.ts "
            f"holds at most {MAX_FRAMES} frames and {MAX_AUDIO_SECONDS / 60:.0f} minutes of "
            "audio (exact search inside TorchScript, the audio in float16): describe a smaller "
            "folder, or play this DB with demiurge-live (its faiss index)")

