"""MFCC descriptors (13 MFCC + delta + delta-delta by default): the sequencer's features.

One module serves the whole project: ``forward`` describes a whole signal at once and
``stream`` describes it as it arrives, hop by hop, with identical results after a fixed delay
of ``latency_frames`` frames (see :class:`Descriptors`).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from demiurge.dsp import spectral
from demiurge.dsp.config import MFCCConfig


class Descriptors(nn.Module):
    """MFCC + deltas, offline and streaming, TorchScript-able.

    Offline (``forward``): ``Tensor[B x T] -> Tensor[B x n_features x (T // hop + 1)]``, frames
    centred with zero padding like librosa; the deltas replicate the first/last frame at the
    edges (librosa fits a polynomial there instead, so only those ``delta_width // 2`` edge
    frames differ from ``librosa.feature.delta``).

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
        self.amin = 1e-10
        self.floor_db = (spectral.full_scale_db(c.n_fft) - c.top_db) if c.top_db is not None else -1e30
        # Frames of the padded stream completed by the first hop of real input, minus one.
        self.lead = c.n_fft // 2 // c.hop_length - 1
        self.latency_frames = self.lead + self.half_width
        self.latency_samples = self.latency_frames * c.hop_length

        self.register_buffer("window", spectral.hann_window(c.n_fft), persistent=False)
        fmax = c.fmax if c.fmax is not None else c.sample_rate / 2.0
        self.register_buffer(
            "mel_basis_t",
            spectral.mel_basis(sample_rate=c.sample_rate, n_fft=c.n_fft, n_mels=c.n_mels,
                               fmin=c.fmin, fmax=fmax).t().contiguous(),
            persistent=False,
        )
        self.register_buffer("dct_t", spectral.dct_matrix(c.n_mels, c.n_mfcc).t().contiguous(),
                             persistent=False)
        kernels = spectral.delta_kernels(c.delta_width, max(c.delta_orders, 1))[: c.delta_orders]
        # Conv weight: each delta order applied per MFCC coefficient (grouped convolution).
        weight = kernels.repeat_interleave(c.n_mfcc, dim=0).unsqueeze(1) if c.delta_orders else \
            torch.zeros(0, 1, c.delta_width)
        self.register_buffer("delta_weight", weight, persistent=False)

        # Streaming state (batch size 1 until the first call says otherwise).
        self.register_buffer("audio_tail", torch.zeros(1, c.n_fft - c.hop_length), persistent=False)
        self.register_buffer("static_tail", torch.zeros(1, c.n_mfcc, 2 * self.half_width),
                             persistent=False)
        self.register_buffer("hops_seen", torch.zeros(1, dtype=torch.long), persistent=False)

    # ------------------------------------------------------------------ shared pieces
    def static(self, frames: Tensor) -> Tensor:
        """``Tensor[B x F x n_fft]`` audio frames -> ``Tensor[B x n_mfcc x F]`` MFCC."""
        power = spectral.power_spectrum(frames, self.window)
        mel = torch.matmul(power, self.mel_basis_t)
        db = 10.0 * torch.log10(torch.clamp(mel, min=self.amin))
        db = torch.clamp(db, min=self.floor_db)
        return torch.matmul(db, self.dct_t).transpose(1, 2)

    def with_deltas(self, padded_static: Tensor) -> Tensor:
        """``Tensor[B x n_mfcc x F + 2W]`` (W = delta_width // 2, edges already padded) ->
        ``Tensor[B x n_features x F]``: static frames followed by each delta order."""
        w = self.half_width
        centre = padded_static[:, :, w: padded_static.shape[2] - w]
        if self.delta_orders == 0:
            return centre
        stacked = padded_static.repeat(1, self.delta_orders, 1)
        deltas = torch.nn.functional.conv1d(stacked, self.delta_weight,
                                            groups=self.n_mfcc * self.delta_orders)
        return torch.cat([centre, deltas], dim=1)

    # ------------------------------------------------------------------ offline
    def forward(self, audio: Tensor) -> Tensor:
        """Describe whole signals: ``Tensor[B x T] -> Tensor[B x n_features x (T//hop + 1)]``."""
        half = self.n_fft // 2
        padded = torch.nn.functional.pad(audio.unsqueeze(1), (half, half)).squeeze(1)
        static = self.static(spectral.frame(padded, self.n_fft, self.hop))
        w = self.half_width
        edges = torch.cat([static[:, :, :1].expand(-1, -1, w), static,
                           static[:, :, -1:].expand(-1, -1, w)], dim=2)
        return self.with_deltas(edges)

    # ------------------------------------------------------------------ streaming
    @torch.jit.export
    def reset(self, batch: int = 1) -> None:
        """Forget the stream (a new signal starts with the next ``stream`` call)."""
        self.audio_tail = torch.zeros(batch, self.n_fft - self.hop, device=self.window.device)
        self.static_tail = torch.zeros(batch, self.n_mfcc, 2 * self.half_width,
                                       device=self.window.device)
        self.hops_seen = torch.zeros(1, dtype=torch.long, device=self.window.device)

    @torch.jit.export
    def stream(self, block: Tensor) -> Tensor:
        """Describe the next block: ``Tensor[B x N] -> Tensor[B x n_features x N // hop]``."""
        if block.shape[1] % self.hop != 0:
            raise ValueError("stream() needs a block length that is a multiple of hop_length")
        if self.audio_tail.shape[0] != block.shape[0] or self.audio_tail.device != block.device:
            self.audio_tail = torch.zeros(block.shape[0], self.n_fft - self.hop, device=block.device)
            self.static_tail = torch.zeros(block.shape[0], self.n_mfcc, 2 * self.half_width,
                                           device=block.device)
            self.hops_seen = torch.zeros(1, dtype=torch.long, device=block.device)
        n = block.shape[1] // self.hop
        joined = torch.cat([self.audio_tail, block], dim=1)
        static = self.static(spectral.frame(joined, self.n_fft, self.hop))  # [B, C, n]
        self.audio_tail = joined[:, joined.shape[1] - (self.n_fft - self.hop):]

        # Index of the first new static frame in the signal's own frame numbering.
        first = int(self.hops_seen.item()) - self.lead
        history = torch.cat([self.static_tail, static], dim=2)  # frames first-2W .. first+n-1
        w2 = 2 * self.half_width
        last = first + n - 1
        if first - w2 < 0 and last >= 0:
            # Replicate frame 0 over the frames before the signal started (offline edge rule).
            idx = torch.clamp(torch.arange(first - w2, last + 1, device=block.device), min=0)
            history = history.index_select(2, idx - (first - w2))
        out = self.with_deltas(history)
        emitted = torch.arange(first - self.half_width, last - self.half_width + 1,
                               device=block.device)
        out = out * (emitted >= 0).to(out.dtype)
        self.static_tail = history[:, :, history.shape[2] - w2:]
        self.hops_seen += n
        return out
