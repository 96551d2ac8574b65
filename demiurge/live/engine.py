"""The live engine's host side: :class:`Engine` wraps the block core
(:class:`demiurge.sequencer.engine_core.EngineCore`: audio block in, Demiurge's answer out; no
sound card, no threads, no I/O).

:class:`Engine` is the host-side wrapper (eager Python): it owns the parameters, applies
changes between blocks, swaps in a new DB (crossfaded over one hop) or predictor, seeds
dream mode, and computes the latency.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn

from demiurge.dsp import Descriptors
from demiurge.dsp.config import preset_name
from demiurge.errors import DemiurgeError
from demiurge.live.params import MODES, MessageError, default_xfade_ms, defaults
from demiurge.sequencer.engine_core import EngineCore
from demiurge.sequencer.playback import crossfade_samples
from demiurge.sequencer.query_settings import QuerySettings


class Engine:
    """The host's engine: an :class:`EngineCore` plus parameters, swaps and reporting.

    ``process(ndarray[B]) -> ndarray[B]`` runs on the engine thread. Every change (a
    parameter, a new DB or predictor, a dream seed) is queued by :meth:`set` /
    :meth:`swap_db` / :meth:`swap_predictor` / :meth:`seed` from any thread and applied at the
    start of the next block, so a block never sees half a change.

    Args:
        db: a loaded DB (:class:`LoadedDB`).
        forecaster: a streaming forecaster (see :class:`EngineCore`).
        block: samples per block.
        params: initial parameter values (defaults from :mod:`demiurge.live.params`).
    """

    def __init__(self, *, db: "LoadedDB", forecaster: nn.Module, block: int = 256,
                 params: Optional[Dict[str, Any]] = None):
        from collections import deque

        check_predictor_matches(db, forecaster)
        self.db = db
        self.samplerate = int(db.config.sample_rate)
        self.block = int(block)
        descriptors = Descriptors(db.config).eval()
        self.core = EngineCore(descriptors, forecaster.eval(), db.answerer, block=block).eval()
        self.params: Dict[str, Any] = defaults()
        self._actions: "deque" = deque()
        self.events: "deque" = deque(maxlen=1024)  # (file, offset, distance) per hop
        self._answers_reported = 0
        self._incoming_db = db
        self.params["xfade"] = default_xfade_ms(sample_rate=self.samplerate,
                                                hop_length=db.config.hop_length)
        self.params.update(params or {})
        for name, value in self.params.items():
            self._apply(name, value)
        if self.params["weights"]:
            self.core.answerer = self.core.incoming = self._weighted(self.core.answerer,
                                                                     self.params["weights"])
        self.core.settle_mix()  # no ramp into the start

    # ------------------------------------------------------------------ engine thread
    def process(self, block: np.ndarray) -> np.ndarray:
        """``ndarray[B]`` float32 -> ``ndarray[B]`` float32 (the answer, mixed)."""
        with torch.inference_mode():
            while self._actions:
                self._actions.popleft()()
            out = self.core.process(torch.from_numpy(block).view(1, -1))
        if self.core.switched:
            self.core.answerer = self.core.incoming
            self.core.switched = False
            self.db = self._incoming_db
        if self.params["events"] and self.core.answers != self._answers_reported:
            self.events.append(self.match())
        self._answers_reported = self.core.answers
        return out[0].numpy()

    def render(self, audio: np.ndarray) -> np.ndarray:
        """Run a whole signal ``ndarray[T]`` through, block by block: ``ndarray[T]`` (the last
        block is padded with silence)."""
        n = -(-audio.shape[0] // self.block) * self.block
        padded = np.zeros(n, dtype=np.float32)
        padded[:audio.shape[0]] = audio
        out = np.empty_like(padded)
        for i in range(0, n, self.block):
            out[i:i + self.block] = self.process(padded[i:i + self.block])
        return out[:audio.shape[0]]

    # ------------------------------------------------------------------ control (any thread)
    def set(self, name: str, value: Any) -> None:
        """Queue a parameter change (already validated by its :class:`Param`)."""
        if name == "xfade":
            self.xfade_samples(float(value))
        if name in ("k", "avoid_repeats"):
            total = int(value) + int(self.params["avoid_repeats" if name == "k" else "k"])
            if total > self.core.answerer.n_frames:
                raise MessageError(f"k + avoid_repeats ({total}) exceeds the DB's "
                                   f"{self.core.answerer.n_frames} frames")
        if name == "weights":
            self.set_weights(str(value))
            return
        self.params[name] = value
        self._actions.append(lambda: self._apply(name, value))

    def set_weights(self, spec: str) -> None:
        """Queue new descriptor weights: the new search spaces (and indexes) are built here,
        on the calling thread, and switched in between two blocks."""
        core = self.core
        current, incoming = core.answerer, core.incoming
        try:
            weighted = self._weighted(current, spec)
            weighted_incoming = weighted if incoming is current else self._weighted(incoming, spec)
        except DemiurgeError as exc:
            raise MessageError(str(exc)) from None
        self.params["weights"] = spec

        def switch():
            if core.answerer is current:
                core.answerer = weighted
            if core.incoming is incoming:
                core.incoming = weighted_incoming
        self._actions.append(switch)

    def _weighted(self, answerer: nn.Module, spec: str) -> nn.Module:
        out = answerer.with_weights(spec, self.db.config.feature_names)
        out.configure(self._query_settings())
        return out

    def _apply(self, name: str, value: Any) -> None:
        core = self.core
        if name == "mode":
            core.set_mode(MODES.index(value))
        elif name == "drywet":
            core.drywet = float(value)
        elif name == "gain":
            core.gain = 10.0 ** (float(value) / 20.0)
        elif name == "horizon":
            core.horizon = int(value)
        elif name == "temperature":
            core.forecaster.set_temperature(float(value))
        elif name in ("k", "avoid_repeats", "continuity"):
            for answerer in {id(core.answerer): core.answerer, id(core.incoming): core.incoming}.values():
                answerer.configure(self._query_settings())
        elif name == "xfade":
            samples = self.xfade_samples(float(value))
            if samples != core.answerer.playback.fade:
                core.answerer = core.answerer.with_crossfade(samples)
                if not core.switching:
                    core.incoming = core.answerer
        elif name not in ("events", "weights"):
            raise MessageError(f"unknown parameter {name!r}")

    def _query_settings(self) -> QuerySettings:
        p = self.params
        return QuerySettings(k=int(p["k"]), avoid_repeats=int(p["avoid_repeats"]),
                             continuity=float(p["continuity"]), weights=str(p["weights"]))

    def xfade_samples(self, ms: float) -> int:
        """Crossfade length in samples (even) for ``ms`` milliseconds; at most one hop."""
        try:
            return crossfade_samples(ms, sample_rate=self.samplerate,
                                     hop_length=self.db.config.hop_length)
        except DemiurgeError as exc:
            raise MessageError(str(exc)) from None

    def swap_db(self, db: "LoadedDB") -> None:
        """Crossfade to another DB (loaded off the engine thread) over the next hop."""
        if db.config != self.db.config:
            raise DemiurgeError(f"{db.path}: its descriptors ({_config_text(db.config)}) differ "
                                f"from the running engine's ({_config_text(self.db.config)}); "
                                "describe it with the same settings or restart with --db")
        wanted = int(self.params["k"]) + int(self.params["avoid_repeats"])
        if wanted > db.answerer.n_frames:
            raise DemiurgeError(f"{db.path} has {db.answerer.n_frames} frames, fewer than k + "
                                f"avoid_repeats ({wanted}); lower them first")
        db.answerer.configure(self._query_settings())
        if self.params["weights"]:
            db.answerer = self._weighted(db.answerer, self.params["weights"])

        def switch():
            samples = self.xfade_samples(float(self.params["xfade"]))
            if db.answerer.playback.fade != samples:
                db.answerer = db.answerer.with_crossfade(samples)
            self.core.incoming = db.answerer
            self.core.switching = True
            self._incoming_db = db
        self._actions.append(switch)

    def swap_predictor(self, forecaster: nn.Module) -> None:
        """Switch to another forecaster, primed with the recent input, between two blocks."""
        check_predictor_matches(self.db, forecaster)
        forecaster.eval()
        forecaster.set_temperature(float(self.params["temperature"]))

        def switch():
            self.core.forecaster = forecaster
            self.core.prime_from_input()
        self._actions.append(switch)

    def seed(self, frames: Optional[np.ndarray] = None) -> None:
        """Seed the forecaster (dream mode) from the input, or from ``float32[F x T]`` frames."""
        if frames is None:
            self._actions.append(self.core.prime_from_input)
        else:
            t = torch.from_numpy(np.ascontiguousarray(frames, dtype=np.float32))[None]
            self._actions.append(lambda: self.core.prime(t))

    # ------------------------------------------------------------------ reporting
    def latency_samples(self) -> int:
        """Samples from a sound at the input to the output that answers it (computed: see
        :meth:`EngineCore.latency_samples`)."""
        return self.core.latency_samples()

    def match(self) -> Tuple[str, int, float]:
        """The latest match: (file, sample offset in it, distance)."""
        answerer = self.core.answerer
        row = int(answerer.last_index)
        if row < 0:
            return "", 0, 0.0
        return (self.db.file_name(row), int(self.db.offsets[row]), float(answerer.last_distance))


def check_predictor_matches(db: "LoadedDB", forecaster: nn.Module) -> None:
    n = int(getattr(forecaster, "n_features", db.config.n_features))
    if n != db.config.n_features:
        raise DemiurgeError(f"the predictor forecasts {n} descriptors but the DB {db.path} has "
                            f"{db.config.n_features}; train the predictor on a DB described "
                            "with the same settings")


def _config_text(config) -> str:
    return (f"{config.n_features} features, hop {config.hop_length}, {config.sample_rate} Hz, "
            f"{preset_name(config)} preset")
