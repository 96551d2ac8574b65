"""The log-mel spectrogram shared by the vocoders and UNAGAN (offline and streaming)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from demiurge.dsp import spectral
from demiurge.dsp.config import MelConfig


class LogMel(nn.Module):
    """``log10(max(mel(|STFT|), floor))``, TorchScript-able.

    Offline (``forward``): ``Tensor[B x T] -> Tensor[B x n_mels x T // hop]``.
    Streaming (``stream``, causal padding only): ``Tensor[B x N] -> Tensor[B x n_mels x N // hop]``
    for N a multiple of ``hop_length``; equal to ``forward`` on the concatenated signal with no
    delay (frame t depends only on samples before ``(t + 1) * hop``).
    """

    __jit_ignored_attributes__ = ["config"]

    def __init__(self, config: MelConfig = MelConfig()):
        super().__init__()
        self.config = config
        c = config
        self.n_fft = c.n_fft
        self.hop = c.hop_length
        self.n_mels = c.n_mels
        self.log_floor = c.log_floor
        self.causal = c.padding == "causal"
        self.register_buffer("window", spectral.hann_window(c.n_fft), persistent=False)
        self.register_buffer("mel_basis_t", spectral.mel_basis_t(
            sample_rate=c.sample_rate, n_fft=c.n_fft, n_mels=c.n_mels, fmin=c.fmin, fmax=c.fmax),
            persistent=False)
        self.register_buffer("audio_tail", torch.zeros(1, c.n_fft - c.hop_length), persistent=False)

    def frames_to_mel(self, frames: Tensor) -> Tensor:
        """``Tensor[B x F x n_fft] -> Tensor[B x n_mels x F]``."""
        magnitude = torch.sqrt(spectral.power_spectrum(frames, self.window) + 1e-12)
        mel = torch.matmul(magnitude, self.mel_basis_t)
        return torch.log10(torch.clamp(mel, min=self.log_floor)).transpose(1, 2)

    def forward(self, audio: Tensor) -> Tensor:
        """``Tensor[B x T] -> Tensor[B x n_mels x T // hop]`` (T is cut to a multiple of hop)."""
        t = audio.shape[1] // self.hop * self.hop
        audio = audio[:, :t]
        extra = self.n_fft - self.hop
        if self.causal:
            padded = torch.nn.functional.pad(audio.unsqueeze(1), (extra, 0)).squeeze(1)
        else:
            padded = torch.nn.functional.pad(audio.unsqueeze(1), (extra // 2, extra // 2),
                                             mode="reflect").squeeze(1)
        return self.frames_to_mel(spectral.frame(padded, self.n_fft, self.hop))

    @torch.jit.export
    def reset(self, batch: int = 1) -> None:
        self.audio_tail = torch.zeros(batch, self.n_fft - self.hop, device=self.window.device)

    @torch.jit.export
    def stream(self, block: Tensor) -> Tensor:
        """Next block of a causal stream: ``Tensor[B x N] -> Tensor[B x n_mels x N // hop]``."""
        if not self.causal:
            raise ValueError("only the causal mel can stream; this one uses centre padding")
        if block.shape[1] % self.hop != 0:
            raise ValueError("stream() needs a block length that is a multiple of hop_length")
        if self.audio_tail.shape[0] != block.shape[0] or self.audio_tail.device != block.device:
            self.audio_tail = torch.zeros(block.shape[0], self.n_fft - self.hop, device=block.device)
        joined = torch.cat([self.audio_tail, block], dim=1)
        self.audio_tail = joined[:, joined.shape[1] - (self.n_fft - self.hop):]
        return self.frames_to_mel(spectral.frame(joined, self.n_fft, self.hop))
