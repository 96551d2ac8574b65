"""The Fréchet distance of frame statistics (``demiurge.train.frechet``) on known answers and
on MFCC frames of real recordings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from demiurge.dsp import Descriptors
from demiurge.train.frechet import FrameStatistics, frechet_distance


def test_identical_statistics_are_at_distance_zero():
    frames = np.random.default_rng(0).standard_normal((500, 6)) @ np.diag([1, 2, 3, 0.5, 4, 0.1])
    stats = FrameStatistics.of(frames)
    assert stats.count == 500 and stats.cov.shape == (6, 6)
    assert frechet_distance(stats, stats) == pytest.approx(0.0, abs=1e-9)


def test_known_answers_of_gaussians():
    # Equal covariance: only the squared distance of the means is left.
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    a = FrameStatistics(np.array([0.0, 0.0]), cov, 100)
    b = FrameStatistics(np.array([3.0, 4.0]), cov, 100)
    assert frechet_distance(a, b) == pytest.approx(25.0)
    # Diagonal covariances: sum of (mean gaps)^2 + (sigma_1 - sigma_2)^2 per dimension.
    c = FrameStatistics(np.array([1.0, -1.0, 0.0]), np.diag([4.0, 1.0, 9.0]), 100)
    d = FrameStatistics(np.array([0.0, 1.0, 0.0]), np.diag([1.0, 1.0, 1.0]), 100)
    assert frechet_distance(c, d) == pytest.approx(1 + 4 + (2 - 1) ** 2 + 0 + (3 - 1) ** 2)
    assert frechet_distance(d, c) == pytest.approx(frechet_distance(c, d))
    # A rotation of both covariances changes nothing; a singular one stays finite.
    angle = 0.7
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    e = FrameStatistics(np.zeros(2), rot @ np.diag([4.0, 1.0]) @ rot.T, 10)
    f = FrameStatistics(np.zeros(2), rot @ np.diag([1.0, 0.0]) @ rot.T, 10)
    assert frechet_distance(e, f) == pytest.approx((2 - 1) ** 2 + 1.0)


def test_music_is_close_to_itself_and_far_from_noise(material):
    """MFCC frames of the rendered recordings: the piano against the other instruments is far
    closer than white noise at the same peak is to any of them."""
    descriptors = Descriptors()
    folder = material.folder[-20]

    def stats(audios):
        with torch.no_grad():
            frames = [descriptors(torch.from_numpy(a)[None])[0].T for a in audios]
        return FrameStatistics.of(torch.cat(frames).double().numpy())

    from demiurge.data.audio import load_audio

    music = {p.stem: load_audio(p, sample_rate=44100) for p in sorted(folder.glob("*.wav"))}
    instruments = stats([music["strings"], music["marimba"]])
    piano = stats([music["piano"]])
    peak = float(np.max(np.abs(music["piano"])))
    noise = np.random.default_rng(0).uniform(-peak, peak, music["piano"].shape).astype(np.float32)
    to_noise = frechet_distance(stats([noise]), instruments)
    assert frechet_distance(instruments, instruments) == pytest.approx(0.0, abs=1e-6)
    assert to_noise > 20 * frechet_distance(piano, instruments)
