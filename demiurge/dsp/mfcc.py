"""MFCC descriptors (13 MFCC + delta + delta-delta by default): the sequencer's features.

One module serves the whole project: ``forward`` describes a whole signal at once and
``stream`` describes it as it arrives, hop by hop, with identical results after a fixed delay
of ``latency_frames`` frames (see :class:`Descriptors`).
"""

from __future__ import annotations

from typing import List

import torch
from torch import Tensor, nn

from demiurge.dsp import spectral
from demiurge.dsp.config import MFCCConfig


class Descriptors(nn.Module):
    """MFCC + deltas, offline and streaming, TorchScript-able.

    Offline (``forward``): ``Tensor[B x T] -> Tensor[B x n_features x (T // hop + 1)]``, frames
    centred with zero padding like librosa; the deltas replicate the first/last frame at the
    edges (librosa fits a polynomial there instead, so only those ``delta_width // 2`` edge
    frames differ from ``librosa.feature.delta``). Causal deltas (``delta_causal``) are the
    centred ones ``delta_width // 2`` frames later, the first frame replicated before the start.

    Streaming (``stream``): ``Tensor[B x N] -> Tensor[B x n_features x N // hop]`` for any N that
    is a multiple of ``hop_length``. Call k (counting hops, from 0) emits descriptor frame
    ``k - latency_frames``; frames before 0 are zeros. So a stream equals ``forward`` shifted
    by ``latency_frames`` frames (``latency_samples`` samples), for every frame whose analysis
    window and delta window lie inside the signal.
    """

    __jit_ignored_attributes__ = ["config"]

    def __init__(self, config: MFCCConfig = MFCCConfig()):
        super().__init__()
        self.config = config
        c = config
        self.n_fft = c.n_fft
        self.hop = c.hop_length
        self.n_mfcc = c.n_mfcc
        self.n_features = c.n_features
        self.half_width = c.delta_width // 2
        self.delta_orders = c.delta_orders
        # The only floor: librosa's amin (see MFCCConfig), the same for every frame and level.
        self.floor_power = float(c.amin)
        # Frames of the padded stream completed by the first hop of real input, minus one.
        self.lead = c.n_fft // 2 // c.hop_length - 1
        # Frames the deltas look ahead: half their window when centred, none when causal.
        self.look_ahead = 0 if c.delta_causal else self.half_width
        self.latency_frames = self.lead + self.look_ahead
        self.latency_samples = self.latency_frames * c.hop_length

        self.register_buffer("window", spectral.hann_window(c.n_fft), persistent=False)
        self.register_buffer("mel_basis_t", spectral.mel_basis_t(
            sample_rate=c.sample_rate, n_fft=c.n_fft, n_mels=c.n_mels, fmin=c.fmin, fmax=c.fmax),
            persistent=False)
        # DCT-II (ortho) with the 10 of 10 log10 folded in: MFCC = log10(mel) @ dct_t.
        self.register_buffer("dct_t",
                             (10.0 * spectral.dct_matrix(c.n_mels, c.n_mfcc)).t().contiguous(),
                             persistent=False)
        # Windows of delta_width frames @ delta_t -> the current frame (a unit impulse: exact;
        # the centre of the window, or its end when causal) and each delta order, in one product.
        kernels = spectral.delta_kernels(c.delta_width, max(c.delta_orders, 1))[: c.delta_orders]
        impulse = torch.zeros(1, c.delta_width)
        impulse[0, 2 * self.half_width - self.look_ahead] = 1.0
        self.register_buffer("delta_t", torch.cat([impulse, kernels]).t().contiguous(),
                             persistent=False)

        # Streaming state (batch size 1 until the first call says otherwise).
        self.register_buffer("audio_tail", torch.zeros(1, c.n_fft - c.hop_length), persistent=False)
        self.register_buffer("static_tail", torch.zeros(1, c.n_mfcc, 2 * self.half_width),
                             persistent=False)
        self.hops = 0  # hops streamed since the last reset
        self.chunk_frames = 2048  # offline frames analysed at once

    # ------------------------------------------------------------------ shared pieces
    def static(self, frames: Tensor) -> Tensor:
        """``Tensor[B x F x n_fft]`` audio frames -> ``Tensor[B x n_mfcc x F]`` MFCC."""
        b, f = frames.shape[0], frames.shape[1]
        power = spectral.power_spectrum(frames, self.window).reshape(b * f, -1)
        mel = torch.mm(power, self.mel_basis_t)  # 2-D products: less overhead per hop
        mfcc = torch.mm(torch.log10(torch.clamp(mel, min=self.floor_power)), self.dct_t)
        return mfcc.reshape(b, f, self.n_mfcc).transpose(1, 2)

    def with_deltas(self, padded_static: Tensor) -> Tensor:
        """``Tensor[B x n_mfcc x F + 2W]`` (W = delta_width // 2, edges already padded: W
        frames each side, or 2W before when causal) -> ``Tensor[B x n_features x F]``: static
        frames followed by each delta order."""
        w = self.half_width
        windows = padded_static.unfold(2, 2 * w + 1, 1)  # [B x C x F x width]
        b, c, f = windows.shape[0], windows.shape[1], windows.shape[2]
        feats = torch.mm(windows.reshape(b * c * f, 2 * w + 1), self.delta_t)
        k = 1 + self.delta_orders
        return feats.reshape(b, c, f, k).permute(0, 3, 1, 2).reshape(b, c * k, f)

    # ------------------------------------------------------------------ offline
    def forward(self, audio: Tensor) -> Tensor:
        """Describe whole signals: ``Tensor[B x T] -> Tensor[B x n_features x (T//hop + 1)]``."""
        half = self.n_fft // 2
        padded = torch.nn.functional.pad(audio.unsqueeze(1), (half, half)).squeeze(1)
        frames = spectral.frame(padded, self.n_fft, self.hop)
        # Chunks of frames bound the memory of long files (spectra of a few thousand frames).
        parts: List[Tensor] = []
        for start in range(0, frames.shape[1], self.chunk_frames):
            parts.append(self.static(frames[:, start: start + self.chunk_frames]))
        static = torch.cat(parts, dim=2)
        w, ahead = self.half_width, self.look_ahead
        edges = torch.cat([static[:, :, :1].expand(-1, -1, 2 * w - ahead), static,
                           static[:, :, -1:].expand(-1, -1, ahead)], dim=2)
        return self.with_deltas(edges)

    # ------------------------------------------------------------------ streaming
    @torch.jit.export
    def reset(self, batch: int = 1) -> None:
        """Forget the stream (a new signal starts with the next ``stream`` call)."""
        self.audio_tail = torch.zeros(batch, self.n_fft - self.hop, device=self.window.device)
        self.static_tail = torch.zeros(batch, self.n_mfcc, 2 * self.half_width,
                                       device=self.window.device)
        self.hops = 0

    @torch.jit.export
    def stream(self, block: Tensor) -> Tensor:
        """Describe the next block: ``Tensor[B x N] -> Tensor[B x n_features x N // hop]``."""
        if block.shape[1] % self.hop != 0:
            raise ValueError("stream() needs a block length that is a multiple of hop_length")
        if self.audio_tail.shape[0] != block.shape[0] or self.audio_tail.device != block.device:
            self.audio_tail = torch.zeros(block.shape[0], self.n_fft - self.hop, device=block.device)
            self.static_tail = torch.zeros(block.shape[0], self.n_mfcc, 2 * self.half_width,
                                           device=block.device)
            self.hops = 0
        n = block.shape[1] // self.hop
        joined = torch.cat([self.audio_tail, block], dim=1)
        static = self.static(spectral.frame(joined, self.n_fft, self.hop))  # [B, C, n]
        self.audio_tail = joined[:, n * self.hop:]
        history = torch.cat([self.static_tail, static], dim=2)  # frames first-2W .. first+n-1
        self.static_tail = history[:, :, n:]
        # Index of the first new static frame in the signal's own frame numbering.
        first = self.hops - self.lead
        self.hops = self.hops + n
        w2 = 2 * self.half_width
        if first >= w2:  # steady state: every delta window lies inside the signal
            return self.with_deltas(history)
        last = first + n - 1
        if last >= 0:
            # Replicate frame 0 over the frames before the signal started (offline edge rule).
            idx = torch.clamp(torch.arange(first - w2, last + 1, device=block.device), min=0)
            history = history.index_select(2, idx - (first - w2))
            self.static_tail = history[:, :, n:]
        out = self.with_deltas(history)
        emitted = torch.arange(first - self.look_ahead, last - self.look_ahead + 1,
                               device=block.device)
        return out * (emitted >= 0).to(out.dtype)
