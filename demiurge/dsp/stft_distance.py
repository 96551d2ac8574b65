"""The multi-resolution STFT distance: a training loss of the vocoders and a measure of the
quality benchmark (one definition for both). Training and measuring only, never exported, so
it may use ``torch.stft``."""

from __future__ import annotations

from typing import Sequence

import torch

FFT_SIZES = (512, 1024, 2048)


def mr_stft_distance(reference: torch.Tensor, estimate: torch.Tensor, *,
                     sizes: Sequence[int] = FFT_SIZES, eps: float = 1e-7) -> torch.Tensor:
    """``Tensor[B x T]`` (or ``[T]``) each -> scalar: the mean over FFT sizes (hop a quarter,
    Hann window) of the spectral convergence ``||S_ref - S_est|| / ||S_ref||`` plus the mean
    ``|log S_ref - log S_est|`` of the magnitudes. 0 for identical signals; differentiable."""
    total = reference.new_zeros(())
    for n_fft in sizes:
        window = torch.hann_window(n_fft, dtype=reference.dtype, device=reference.device)
        ref = torch.stft(reference, n_fft, n_fft // 4, window=window, return_complex=True).abs()
        est = torch.stft(estimate, n_fft, n_fft // 4, window=window, return_complex=True).abs()
        convergence = torch.linalg.norm(ref - est) / torch.linalg.norm(ref).clamp(min=eps)
        total = total + convergence + (torch.log(ref + eps) - torch.log(est + eps)).abs().mean()
    return total / len(sizes)
