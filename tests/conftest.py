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


def descriptor_sequences(n_files: int, frames: int, *, n_features: int = 39,
                         seed: int = 0) -> list:
    """Learnable synthetic descriptor sequences: ``[float32[frames x n_features]]``, slow
    sinusoids of per-file phase plus a little noise (seeded)."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None]
    k = np.arange(n_features)[None, :]
    out = []
    for i in range(n_files):
        x = 3 * np.sin(2 * np.pi * t / (8 + k % 5) + i + k) + k * 0.1
        out.append((x + 0.1 * rng.standard_normal(x.shape)).astype(np.float32))
    return out


@pytest.fixture
def make_descriptor_db(tmp_path):
    """Write a DescriptorDB of synthetic sequences: ``make_descriptor_db(name, n_files, frames)``."""
    from demiurge.dsp import MFCCConfig
    from demiurge.sequencer.db import DescriptorDB

    def _make(name: str = "db", n_files: int = 4, frames: int = 40, *, seed: int = 0,
              config: MFCCConfig = MFCCConfig()):
        seqs = descriptor_sequences(n_files, frames, n_features=config.n_features, seed=seed)
        entries = [(str(tmp_path / f"audio/file{i}.wav"), s) for i, s in enumerate(seqs)]
        return DescriptorDB.write(tmp_path / name, config=config, entries=entries)

    return _make


@pytest.fixture(scope="session")
def material(tmp_path_factory):
    """Realistic recordings at 0, -20 and -40 dBFS peak (see tests/material.py)."""
    from material import make_material

    return make_material(tmp_path_factory.mktemp("material"))
