"""The engine core: audio block in, Demiurge's answer out. No sound card, no threads, no I/O.

:class:`EngineCore` is the per-block core, plain torch (TorchScript-able, so the same code can
be scripted into one nn~ module with the DB inside; the host-side wrapper of ``demiurge-live``
is :class:`demiurge.live.engine.Engine`). Per block ``Tensor[1 x B]`` it

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
"""

from __future__ import annotations

import math
from typing import List

import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError

class EngineCore(nn.Module):
    """Block-in/block-out engine core: ``process(Tensor[1 x B]) -> Tensor[1 x B]``.

    Args:
        descriptors: the streaming MFCC module (its config must be the DB's).
        forecaster: a streaming forecaster (``push(Tensor[1 x F x T])``,
            ``forecast(h) -> Tensor[1 x F x h]``, ``reset()``, ``window_size``).
        answerer: a :class:`~demiurge.sequencer.answer.Answerer` (query + playback over one DB).
        block: samples per ``process`` call.
        history: raw input frames kept to (re)prime a forecaster (>= its window).
        swappable: whether the host may crossfade to another answerer (``incoming``,
            ``switching``); False compiles the crossfade out (the nn~ export, one DB).
    """

    __constants__ = ["swappable"]

    def __init__(self, descriptors: nn.Module, forecaster: nn.Module, answerer: nn.Module, *,
                 block: int = 256, history: int = 64, swappable: bool = True):
        super().__init__()
        self.swappable = swappable
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
        """``Tensor[1 x n]`` input -> ``Tensor[1 x n]`` output, ``n = block`` (the host's
        blocks) or, when ``block < hop``, any length: the input is cut into pieces at the
        ``block`` grid, so the output is the same for every way of cutting a signal (what
        the nn~ export relies on, whatever nn~'s buffer size)."""
        pieces: List[Tensor] = []
        n = x.shape[1]
        i = 0
        while i < n:
            step = min(self.chunk - self.fill % self.chunk, n - i)
            self.acc[:, self.fill:self.fill + step] = x[:, i:i + step]
            if self.pending:
                self.answer_hop()  # stage 2 for the hop completed one chunk ago
            self.fill += step
            if self.fill == self.hop:
                self.fill = 0
                self.analyse_hop()  # stage 1
                if self.chunk == self.hop:
                    self.answer_hop()  # no later chunk in this hop: answer at once
            pieces.append(self.wet[:, self.pos:self.pos + step].clone())
            self.pos += step
            i += step
        wet = torch.cat(pieces, dim=1)
        # Ramp dry/wet (equal power) and gain from last call's values to the current ones.
        # The host's fixed block reuses its ramp; other lengths (nn~ buffers) make one.
        ramp = self.ramp if n == self.block else \
            ((torch.arange(n, dtype=torch.float32) + 1.0) / n).unsqueeze(0)
        dw0, g0 = self._mix_state[0], self._mix_state[1]
        dw = dw0 + (self.drywet - dw0) * ramp
        g = g0 + (self.gain - g0) * ramp
        self._mix_state = [self.drywet, self.gain]
        return g * (torch.cos(0.5 * math.pi * dw) * x + torch.sin(0.5 * math.pi * dw) * wet)

    def analyse_hop(self) -> None:
        """Stage 1: describe the completed hop (``acc``) and choose the target frame."""
        frame = self.descriptors.stream(self.acc)  # [1 x F x 1]
        self.hops_seen += 1
        self.history.copy_(torch.cat([self.history[:, :, 1:], frame], dim=2))
        # mosaic: the frame itself; follow: push it, forecast `horizon` ahead; dream: forecast
        # one frame from the context and push that (one forecast call: a smaller graph).
        target = frame[:, :, 0]
        if self.mode != 2:
            self.forecaster.push(frame)
        if self.mode != 0:
            ahead = self.horizon if self.mode == 1 else 1
            future = self.forecaster.forecast(ahead)
            target = future[:, :, ahead - 1]
            if self.mode == 2:
                self.forecaster.push(future)
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
        if self.swappable and self.switching:
            out = out * self.fade_out + self.incoming(self.target) * self.fade_in
            self.switching = False
            self.switched = True
        self.wet.copy_(out)
        self.answers += 1

    # ------------------------------------------------------------------ control
    @torch.jit.export
    def settle_mix(self) -> None:
        """Start the next block at the current dry/wet and gain, without a ramp (before the
        first block: no ramp into the start)."""
        self._mix_state = [self.drywet, self.gain]

    @torch.jit.export
    def set_mode(self, mode: int) -> None:
        """Switch to mode ``mode`` (0 mosaic, 1 follow, 2 dream; between blocks): dream starts
        from, and leaves back to, the forecaster context of the latest input frames."""
        if mode != self.mode and (mode == 2 or self.mode == 2):  # to or from dream
            self.prime_from_input()
        self.mode = mode

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


    @torch.jit.ignore
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
        staged = self.chunk if self.chunk < self.hop else 0  # stage 2 runs one chunk later
        lat = (self.warmup_hops + 1) * self.hop - self.chunk + staged + self.hop // 2 + \
            int(self.answerer.playback.latency_samples)
        if self.mode == 1:  # follow
            lat -= self.horizon * self.hop
        return int(lat)


def _divisors_hint(hop: int) -> str:
    return ", ".join(str(hop // d) for d in (16, 8, 4, 2, 1) if hop % d == 0)
