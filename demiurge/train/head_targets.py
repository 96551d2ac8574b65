"""The integrated iSTFT head's own targets (:class:`~demiurge.models.istft.ISTFTHead`): its
phase advances and its log-magnitudes, against those of the real audio's spectrum.

The head's phase term for bin k and frame t is the advance of that bin's phase over one hop
beyond its centre advance. Its target is the same quantity measured on the real audio, with
the head's own framing: a Hann STFT whose frame t ends at sample ``(t + 1) * hop``. The
distance is anti-wrapped (``|d - 2 pi round(d / 2 pi)|``, so an advance off by a whole turn
costs nothing, as in APNet, Ai & Ling 2023) and weighted within each frame by the bins'
magnitudes, so the partials that sound count and the noise floor does not; digital silence
weighs nothing. A direct target for the one thing the waveform losses teach slowest: pitch
that holds over time. The log-magnitudes are compared in the same framing (the Hann STFT
scaled by :func:`synthesis_scale`, which makes it the head's own spectrum), so the harmonics are
taught at the head's full frequency resolution rather than through 80 mel bands only.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn import functional as F

from demiurge.models.istft import centre_advance, synthesis_scale


def head_stft(audio: Tensor, *, n_fft: int, hop_length: int) -> Tensor:
    """``Tensor[B x T]`` -> complex ``Tensor[B x T // hop x n_fft/2+1]``: frame t holds samples
    ``(t + 1) * hop - n_fft ... (t + 1) * hop - 1`` (zeros before the start), Hann-windowed."""
    padded = F.pad(audio, (n_fft - hop_length, 0))
    frames = padded.unfold(-1, n_fft, hop_length)[:, :audio.shape[-1] // hop_length]
    window = torch.hann_window(n_fft, periodic=True, dtype=audio.dtype, device=audio.device)
    return torch.fft.rfft(frames * window, dim=-1)


def phase_advance_loss(term: Tensor, audio: Tensor, *, n_fft: int, hop_length: int) -> Tensor:
    """The mean anti-wrapped distance between the head's phase term ``Tensor[B x F x bins]``
    and the real advance of ``audio`` (``Tensor[B x >= F * hop]``), frames 1 ... F-1."""
    frames = term.shape[1]
    spec = head_stft(audio[:, :frames * hop_length], n_fft=n_fft, hop_length=hop_length)
    cross = spec[:, 1:] * spec[:, :-1].conj()          # angle: the advance; |.|: |X_t||X_t-1|
    target = torch.angle(cross) - centre_advance(n_fft, hop_length).to(term)
    d = term[:, 1:] - target
    distance = (d - 2 * math.pi * torch.round(d / (2 * math.pi))).abs()
    weight = cross.abs().sqrt()
    weight = weight / (weight.sum(dim=2, keepdim=True) + 1e-3)
    return (weight * distance).sum(dim=2).mean()


def log_magnitude_loss(log_mag: Tensor, audio: Tensor, *, n_fft: int, hop_length: int,
                       floor: float = 1e-3) -> Tensor:
    """The mean L1 distance between the head's log-magnitudes ``Tensor[B x F x bins]`` and
    those of ``audio``'s spectrum in the head's framing, both floored at ``floor``."""
    frames = log_mag.shape[1]
    spec = head_stft(audio[:, :frames * hop_length], n_fft=n_fft, hop_length=hop_length)
    low = math.log(floor)
    target = torch.log(torch.clamp(spec.abs() * synthesis_scale(n_fft, hop_length), min=floor))
    return (torch.clamp(log_mag, min=low) - target).abs().mean()
