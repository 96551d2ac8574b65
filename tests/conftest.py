"""Shared fixtures. Tests synthesise their own signals (seeded); nothing is downloaded."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")

SR = 44100


def tone(seconds: float, *, freq: float = 220.0, sr: int = SR, seed: int = 0,
         noise: float = 0.01) -> np.ndarray:
    """A harmonic tone with vibrato, a fade-in and a little noise: ``ndarray[T]`` float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    phase = 2 * np.pi * np.cumsum(freq * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) / sr
    y = sum(np.sin(h * phase) / h for h in range(1, 8)) * 0.3
    y *= np.clip(t / 0.1, 0, 1)
    y += noise * rng.standard_normal(t.size)
    return y.astype(np.float32)


@pytest.fixture
def make_wav(tmp_path):
    """Write a wav into tmp_path: ``make_wav(name, audio, sr=44100, subtype='PCM_16')``."""
    import soundfile as sf

    def _make(name: str, audio: np.ndarray, sr: int = SR, subtype: str = "PCM_16"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), audio, sr, subtype=subtype)
        return path

    return _make
