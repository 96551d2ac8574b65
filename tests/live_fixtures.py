"""Known-answer material for the live tests: a descriptor DB made of distinct steady tones
(described by the real ``describe`` into a real DB folder) and a streaming forecaster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

SR = 44100
TONES = {"low": 220.0, "mid": 660.0, "high": 1760.0}


def steady_tone(freq: float, seconds: float, *, sr: int = SR, seed: int = 0) -> np.ndarray:
    """A steady harmonic tone (3 partials) with a tiny noise floor: ``float32[T]``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = sum(np.sin(2 * np.pi * h * freq * t) / h for h in (1, 2, 3)) * 0.3
    y += 1e-3 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def write_tone_db(root: Path, tones: dict, *, seconds: float = 2.0) -> Path:
    """One wav per tone under ``root/audio``, described into ``root/db``; returns the DB dir."""
    from demiurge.data.audio import write_audio
    from demiurge.sequencer.describe import describe_folder

    audio = root / "audio"
    for i, (name, freq) in enumerate(tones.items()):
        write_audio(audio / f"{name}.wav", steady_tone(freq, seconds, seed=i), sample_rate=SR)
    return describe_folder(audio, root / "db", log=lambda line: None).path


def make_forecaster(db_dir: Path, *, window: int = 8, forecast: int = 4):
    """An untrained LSTM forecaster (its residual output starts as the persistence forecast),
    with the DB's statistics: deterministic and quick."""
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.sequencer.forecast import Forecaster
    from demiurge.sequencer.predictors import build_predictor

    db = DescriptorDB.open(db_dir)
    feats = np.asarray(db.features)
    torch.manual_seed(0)
    model = build_predictor("lstm", n_features=feats.shape[1], window_size=window,
                            forecast_size=forecast, hidden_size=16, num_layers=1)
    return Forecaster(model.eval(), torch.from_numpy(feats.mean(0)),
                      torch.from_numpy(feats.std(0) + 1e-6), window, forecast).eval()


@pytest.fixture(scope="session")
def tone_db(tmp_path_factory) -> Path:
    return write_tone_db(tmp_path_factory.mktemp("tones"), TONES)


@pytest.fixture(scope="session")
def loudness_db(tmp_path_factory) -> Path:
    """The mid tone, loud and 40 dB down, described with static MFCC only (no deltas)."""
    from demiurge.data.audio import write_audio
    from demiurge.dsp import MFCCConfig
    from demiurge.sequencer.describe import describe_folder

    root = tmp_path_factory.mktemp("loudness")
    tone = steady_tone(TONES["mid"], 2.0)
    write_audio(root / "audio" / "loud.wav", tone, sample_rate=SR)
    write_audio(root / "audio" / "quiet.wav", tone * 0.01, sample_rate=SR)
    return describe_folder(root / "audio", root / "db", config=MFCCConfig(delta_orders=0),
                           log=lambda line: None).path


@pytest.fixture(scope="session")
def other_tone_db(tmp_path_factory) -> Path:
    return write_tone_db(tmp_path_factory.mktemp("tones2"), {"bass": 110.0, "treble": 3520.0})


@pytest.fixture(scope="session")
def predictor_ts(tone_db, tmp_path_factory) -> Path:
    """The forecaster exported as TorchScript (what ``load/predictor x.ts`` loads)."""
    path = tmp_path_factory.mktemp("pred") / "forecaster.ts"
    torch.jit.script(make_forecaster(tone_db)).save(str(path))
    return path


def burst_signal(onsets, seconds: float, *, seed: int = 0, sr: int = SR) -> np.ndarray:
    """Digital silence with a half-second white-noise burst at -20 dBFS from each sample
    index in ``onsets``: ``float32[T]``."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * sr))
    for onset in onsets:
        y[onset:onset + sr // 2] += 0.1 * rng.standard_normal(sr // 2)
    return y.astype(np.float32)


# Match on the loudness (mfcc0) and its deltas only: the spectra of noise and of a window that
# has only caught the start of a burst differ by chance, their loudness does not.
LOUDNESS_WEIGHTS = "mfcc1-12=0,mfcc14-25=0,mfcc27-38=0"


@pytest.fixture(scope="session", params=["live", "default"])
def burst_db(request, tmp_path_factory) -> Path:
    """Four bursts whose onsets fall a quarter hop apart on the frame grid (0, 1/4, 1/2, 3/4
    of a hop after a frame centre), described with the descriptor preset ``request.param``:
    every onset has a DB frame that sees it within hop/8 of where the input's frame does."""
    from demiurge.data.audio import write_audio
    from demiurge.dsp.config import mfcc_preset
    from demiurge.sequencer.describe import describe_folder

    config = mfcc_preset(request.param)
    root = tmp_path_factory.mktemp(f"bursts-{request.param}")
    hop = config.hop_length
    onsets = [SR // 2 // hop * hop + i * SR // hop * hop + i * hop // 4 for i in range(4)]
    write_audio(root / "audio" / "bursts.wav", burst_signal(onsets, 4.5, seed=1), sample_rate=SR)
    return describe_folder(root / "audio", root / "db", config=config, log=lambda line: None).path


NEAREST = dict(k=1, avoid_repeats=0, continuity=0.0)  # the plain nearest frame, every hop


def engine_for(db_dir: Path, *, block: int = 256, search: str = "exact", **params):
    """An engine on ``db_dir`` that answers with the nearest frame (:data:`NEAREST`, the
    known answer the timing tests need) unless ``params`` say otherwise."""
    from demiurge.live.engine import Engine
    from demiurge.live.loading import load_db

    return Engine(db=load_db(db_dir, search=search), forecaster=make_forecaster(db_dir),
                  block=block, params={**NEAREST, **params})


def tone_level(y: np.ndarray, freq: float, *, window: int = 1024, sr: int = SR) -> np.ndarray:
    """Amplitude of the ``freq`` component of ``y`` over consecutive windows: ``float[T // window]``."""
    n = y.size // window
    t = np.arange(window) / sr
    basis = np.exp(-2j * np.pi * freq * t) * np.hanning(window)
    frames = y[:n * window].reshape(n, window)
    return 2 * np.abs(frames @ basis) / np.hanning(window).sum()
