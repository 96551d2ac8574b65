"""The Fréchet distance between the frame statistics (mean and covariance) of two sets of
feature frames: ``|m1 - m2|^2 + tr(C1 + C2 - 2 (C1 C2)^(1/2))``, the distance between the two
Gaussians that fit them (the measure FID and FAD use, here on mel or MFCC frames)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FrameStatistics:
    """``mean`` ``float64[D]`` and ``cov`` ``float64[D x D]`` of ``count`` frames."""

    mean: np.ndarray
    cov: np.ndarray
    count: int

    @classmethod
    def of(cls, frames: np.ndarray) -> "FrameStatistics":
        """From ``float[N x D]`` frames (N >= 2)."""
        frames = np.asarray(frames, np.float64)
        return cls(frames.mean(axis=0), np.cov(frames, rowvar=False), frames.shape[0])


def frechet_distance(a: FrameStatistics, b: FrameStatistics) -> float:
    """The Fréchet distance between the Gaussians of ``a`` and ``b`` (>= 0, 0 for equal
    statistics). ``tr((C1 C2)^(1/2))`` is the sum of the square roots of the eigenvalues of
    the symmetric ``C1^(1/2) C2 C1^(1/2)``, which stays real and stable for singular C."""
    values, vectors = np.linalg.eigh(a.cov)
    root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    inner = np.linalg.eigvalsh(root @ b.cov @ root)
    cross = float(np.sum(np.sqrt(np.clip(inner, 0.0, None))))
    gap = a.mean - b.mean
    return max(float(gap @ gap + np.trace(a.cov) + np.trace(b.cov) - 2.0 * cross), 0.0)
