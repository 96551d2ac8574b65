"""The live engine: audio block in, Demiurge's answer out. No sound card, no threads, no I/O.

:class:`EngineCore` is the per-block core, plain torch (TorchScript-able, so the same code can
be scripted into one nn~ module with the DB inside). Per block ``Tensor[1 x B]`` it

1. accumulates the input until a descriptor hop (1024 samples by default) is complete,
2. describes the hop with the streaming MFCC module (:class:`demiurge.dsp.Descriptors`),
3. chooses the target frame by mode: ``mosaic`` the input frame itself, ``follow`` the
   predictor's forecast ``horizon`` frames ahead, ``dream`` the predictor's forecast of its
   own previous output,
4. answers it with the sequencer's answer (:class:`~demiurge.sequencer.answer.Answerer`: query
   and playback, one matched DB frame -> one hop of audio, equal-power crossfades), and
5. mixes the answer with the input (dry/wet, equal power) and applies the output gain, both
   ramped over the block.

The block B must divide the hop (or be a multiple of it). The work of a hop is split over two
blocks so that no block carries all of it: the block that completes a hop describes it and
forecasts (stage 1), the next block queries and plays (stage 2), and the answer sounds from
that block on. With B < hop the output is therefore the same for every block size, one hop
behind the hop being analysed; with B >= hop both stages run in the same block.

:class:`Engine` is the host-side wrapper (eager Python): it owns the parameters, applies
changes between blocks, swaps in a new DB (crossfaded over one hop) or predictor, seeds
dream mode, and computes the latency.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from demiurge.dsp import Descriptors
from demiurge.dsp.config import preset_name
from demiurge.errors import DemiurgeError
from demiurge.live.params import MODES, MessageError, default_xfade_ms, defaults
from demiurge.sequencer.playback import crossfade_samples
from demiurge.sequencer.query_settings import QuerySettings

MOSAIC, FOLLOW, DREAM = 0, 1, 2


class EngineCore(nn.Module):
    """Block-in/block-out engine core: ``process(Tensor[1 x B]) -> Tensor[1 x B]``.

    Args:
        descriptors: the streaming MFCC module (its config must be the DB's).
        forecaster: a streaming forecaster (``push(Tensor[1 x F x T])``,
            ``forecast(h) -> Tensor[1 x F x h]``, ``reset()``, ``window_size``).
        answerer: a :class:`~demiurge.sequencer.answer.Answerer` (query + playback over one DB).
        block: samples per ``process`` call.
        history: raw input frames kept to (re)prime a forecaster (>= its window).
    """

    def __init__(self, descriptors: nn.Module, forecaster: nn.Module, answerer: nn.Module, *,
                 block: int = 256, history: int = 64):
        super().__init__()
        hop = int(descriptors.hop)
        if hop % block != 0 and block % hop != 0:
            raise DemiurgeError(f"block size {block} must divide the descriptor hop {hop} "
                                f"(or be a multiple of it): try {_divisors_hint(hop)}")
        self.descriptors = descriptors
        self.forecaster = forecaster
        self.answerer = answerer
        self.incoming = answerer   # the answerer being crossfaded in while ``switching``
        self.switching = False
        self.switched = False      # set by the hop that finished a switch (host swaps modules)
        self.hop = hop
        self.block = int(block)
        self.chunk = min(self.block, hop)
        self.n_features = int(descriptors.n_features)
        self.warmup_hops = int(descriptors.latency_frames)
        self.mode = 0  # index in MODES: 0 mosaic, 1 follow, 2 dream
        self.horizon = 1
        self.drywet = 1.0
        self.gain = 1.0
        self.fill = 0
        self.pos = 0
        self.pending = False  # a hop analysed, its answer due at the next chunk
        self.hops_seen = 0
        self.answers = 0
        self.history_size = int(history)
        self.register_buffer("acc", torch.zeros(1, hop), persistent=False)
        self.register_buffer("wet", torch.zeros(1, hop), persistent=False)
        self.register_buffer("target", torch.zeros(1, self.n_features), persistent=False)
        self.register_buffer("history", torch.zeros(1, self.n_features, self.history_size),
                             persistent=False)
        t = (torch.arange(hop, dtype=torch.float32) + 0.5) / hop
        self.register_buffer("fade_in", torch.sin(0.5 * math.pi * t).unsqueeze(0), persistent=False)
        self.register_buffer("fade_out", torch.cos(0.5 * math.pi * t).unsqueeze(0), persistent=False)
        r = (torch.arange(self.block, dtype=torch.float32) + 1.0) / self.block
        self.register_buffer("ramp", r.unsqueeze(0), persistent=False)
        self._mix_state = [self.drywet, self.gain]  # values reached at the end of the last block

    # ------------------------------------------------------------------ per block
    def forward(self, x: Tensor) -> Tensor:
        return self.process(x)

    @torch.jit.export
    def process(self, x: Tensor) -> Tensor:
        """``Tensor[1 x B]`` input block -> ``Tensor[1 x B]`` output block."""
        pieces: List[Tensor] = []
        for i in range(self.block // self.chunk):
            seg = x[:, i * self.chunk:(i + 1) * self.chunk]
            self.acc[:, self.fill:self.fill + self.chunk] = seg
            self.fill += self.chunk
            if self.pending:
                self.answer_hop()  # stage 2 for the hop completed one chunk ago
            if self.fill == self.hop:
                self.fill = 0
                self.analyse_hop()  # stage 1
                if self.chunk == self.hop:
                    self.answer_hop()  # no later chunk in this hop: answer at once
            pieces.append(self.wet[:, self.pos:self.pos + self.chunk].clone())
            self.pos += self.chunk
        wet = torch.cat(pieces, dim=1)
        # Ramp dry/wet (equal power) and gain from last block's values to the current ones.
        dw0, g0 = self._mix_state[0], self._mix_state[1]
        dw = dw0 + (self.drywet - dw0) * self.ramp
        g = g0 + (self.gain - g0) * self.ramp
        self._mix_state = [self.drywet, self.gain]
        return g * (torch.cos(0.5 * math.pi * dw) * x + torch.sin(0.5 * math.pi * dw) * wet)

    def analyse_hop(self) -> None:
        """Stage 1: describe the completed hop (``acc``) and choose the target frame."""
        frame = self.descriptors.stream(self.acc)  # [1 x F x 1]
        self.hops_seen += 1
        self.history.copy_(torch.cat([self.history[:, :, 1:], frame], dim=2))
        if self.mode == 0:  # mosaic
            self.forecaster.push(frame)
            target = frame[:, :, 0]
        elif self.mode == 1:  # follow
            self.forecaster.push(frame)
            target = self.forecaster.forecast(self.horizon)[:, :, self.horizon - 1]
        else:  # dream
            future = self.forecaster.forecast(1)
            self.forecaster.push(future)
            target = future[:, :, 0]
        self.target.copy_(target)
        self.pending = True

    def answer_hop(self) -> None:
        """Stage 2: query and play the target frame into ``wet`` (one hop)."""
        self.pending = False
        self.pos = 0
        if self.hops_seen <= self.warmup_hops:
            if self.switching:  # nothing playing yet: switch without a crossfade
                self.switching = False
                self.switched = True
            self.wet.zero_()  # no real descriptor frame yet
            return
        out = self.answerer(self.target)
        if self.switching:
            out = out * self.fade_out + self.incoming(self.target) * self.fade_in
            self.switching = False
            self.switched = True
        self.wet.copy_(out)
        self.answers += 1

    # ------------------------------------------------------------------ control
    @torch.jit.export
    def prime(self, frames: Tensor) -> None:
        """Restart the forecaster's context from raw frames ``Tensor[1 x F x T]``."""
        self.forecaster.reset(1)
        self.forecaster.push(frames)

    @torch.jit.export
    def prime_from_input(self) -> None:
        """Restart the forecaster's context from the latest input frames."""
        n = min(self.history_size, max(self.hops_seen - self.warmup_hops, 1))
        self.prime(self.history[:, :, self.history_size - n:])


def _divisors_hint(hop: int) -> str:
    return ", ".join(str(hop // d) for d in (16, 8, 4, 2, 1) if hop % d == 0)


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
        self.core._mix_state = [self.core.drywet, self.core.gain]  # no ramp into the start

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
            mode = MODES.index(value)
            if mode != core.mode and DREAM in (mode, core.mode):
                core.prime_from_input()  # dream starts from (and leaves back to) the input
            core.mode = mode
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
        """Samples from a sound at the input to the output that answers it (computed).

        Frame f describes the input around sample ``f * hop``. The descriptors emit it
        ``latency_frames`` hops later (the rest of its window, and the look-ahead of centred
        deltas), with the hop that ends at sample ``(f + latency_frames + 1) * hop``; its
        answer is played from the first sample of the block after the one that completes that
        hop (of the same block when ``block >= hop``), and the matched DB frame's centre
        sounds half a hop plus half a crossfade (the playback's ``latency_samples``) later. A
        follow-mode forecast ``horizon`` frames ahead anticipates by ``horizon`` hops (the
        figure may become negative: the answer comes ahead of the input). In mosaic mode an
        onset is answered this long after it (tests/test_live_engine.py measures it): 512
        samples (11.6 ms) with the ``live`` descriptor preset, 5852 (132.7 ms) with the
        default, at block 256.
        """
        core = self.core
        staged = core.chunk if core.chunk < core.hop else 0  # stage 2 runs one chunk later
        lat = (core.warmup_hops + 1) * core.hop - core.chunk + staged + core.hop // 2 + \
            int(core.answerer.playback.latency_samples)
        if core.mode == FOLLOW:
            lat -= core.horizon * core.hop
        return int(lat)

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
