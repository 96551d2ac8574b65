"""Building blocks shared by the mel and MFCC modules: window, mel basis, DCT, framing.

Only ops that survive a round trip through older TorchScript runtimes are used (``unfold``
and ``torch.fft.rfft``, not ``torch.stft``): nn~ v1.6.0 ships libtorch 2.5.1.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch


def hann_window(n_fft: int) -> torch.Tensor:
    """Periodic Hann window, as ``scipy.signal.get_window('hann', n_fft)`` (librosa's)."""
    n = torch.arange(n_fft, dtype=torch.float64)
    return (0.5 - 0.5 * torch.cos(2 * math.pi * n / n_fft)).float()


def mel_basis_t(*, sample_rate: int, n_fft: int, n_mels: int, fmin: float,
                fmax: Optional[float]) -> torch.Tensor:
    """Slaney mel filterbank, transposed for ``spectrum @ basis``: ``Tensor[(n_fft//2 + 1) x
    n_mels]`` (librosa's, computed once); ``fmax`` None means Nyquist."""
    import librosa

    basis = librosa.filters.mel(
        sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin,
        fmax=fmax if fmax is not None else sample_rate / 2.0, htk=False, norm="slaney")
    return torch.from_numpy(np.ascontiguousarray(basis.T, dtype=np.float32))


def dct_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """Orthonormal DCT-II ``Tensor[n_out x n_in]`` (as ``scipy.fft.dct(norm='ortho')``)."""
    n = torch.arange(n_in, dtype=torch.float64)
    k = torch.arange(n_out, dtype=torch.float64)[:, None]
    m = torch.cos(math.pi / n_in * (n + 0.5) * k) * math.sqrt(2.0 / n_in)
    m[0] /= math.sqrt(2.0)
    return m.float()


def delta_kernels(width: int, orders: int) -> torch.Tensor:
    """Savitzky-Golay derivative filters ``Tensor[orders x width]`` as ``librosa.feature.delta``.

    Row ``o-1`` applied as a correlation (``y[t] = sum_j k[j] x[t - W + j]``, W = width//2)
    gives the order-``o`` delta of the interior frames exactly as librosa computes it.
    """
    from scipy.signal import savgol_coeffs

    rows = [savgol_coeffs(width, polyorder=o, deriv=o, use="dot") for o in range(1, orders + 1)]
    return torch.from_numpy(np.asarray(rows, dtype=np.float32).reshape(orders, width))


def frame(padded: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """``Tensor[B x T] -> Tensor[B x frames x n_fft]``, frames starting every ``hop`` samples."""
    return padded.unfold(-1, n_fft, hop)


def power_spectrum(frames: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """``Tensor[B x F x n_fft] -> Tensor[B x F x n_fft//2+1]``: |rfft(frame * window)|^2."""
    spec = torch.fft.rfft(frames * window)
    return spec.real.square() + spec.imag.square()

