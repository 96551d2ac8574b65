"""`demiurge describe` -> predictions -> `demiurge render` through the real CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from conftest import SR, tone
from demiurge.cli import main
from demiurge.dsp.config import MFCCConfig
from demiurge.sequencer.db import DescriptorDB

HOP = MFCCConfig().hop_length


@pytest.fixture
def described(tmp_path):
    audio = tmp_path / "audio"
    audio.mkdir()
    a, b = tone(1.0, freq=220.0, seed=1), tone(1.0, freq=587.0, seed=2)
    sf.write(audio / "a.wav", a, SR, subtype="FLOAT")
    sf.write(audio / "b.wav", b, SR, subtype="FLOAT")
    assert main(["describe", str(audio), "-o", str(tmp_path / "db")]) == 0
    return DescriptorDB.open(tmp_path / "db"), a, b


def predictions(path, db, rows_by_file, config=None):
    entries = [(f"forecast_{i}", np.asarray(db.features[rows])) for i, rows in enumerate(rows_by_file)]
    return DescriptorDB.write(path, config=config or db.config, entries=entries,
                              extra={"kind": "predictions"})


def test_render_round_trip_plays_the_matched_frames(described, tmp_path, capsys):
    db, a, b = described
    first_b = db.files[1].first
    # Forecasts equal to DB frames: file a frames 5..24, then file b frames 10..19.
    predictions(tmp_path / "pred", db, [np.arange(5, 25), first_b + np.arange(10, 20)])
    out = tmp_path / "out.wav"
    assert main(["render", "--predictions", str(tmp_path / "pred"), "--db", str(db.path),
                 "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    y, sr = sf.read(out, dtype="float32")
    assert sr == SR and y.shape == (30 * HOP,)
    # Each frame plays the hop around its centre, consecutive frames join seamlessly.
    np.testing.assert_allclose(y[: 20 * HOP - HOP // 2], a[5 * HOP - HOP // 2: 25 * HOP - HOP],
                               atol=1e-6)
    np.testing.assert_allclose(y[20 * HOP + HOP // 2:], b[10 * HOP: 20 * HOP - HOP // 2], atol=1e-6)
    matches = json.loads(out.with_suffix(".json").read_text())
    assert matches["_sample"] == [t * HOP for t in range(5, 25)] + [t * HOP for t in range(10, 20)]
    assert matches["_id"][0].endswith("a.wav") and matches["_id"][-1].endswith("b.wav")


@pytest.mark.parametrize("options", [["--metric", "cosine", "--k", "1", "--avoid-repeats", "0"],
                                     ["--raw", "--crossfade", "0", "--continuity", "0"],
                                     ["--faiss"]])
def test_render_options(described, tmp_path, options):
    if "--faiss" in options:
        pytest.importorskip("faiss")
    db, a, _ = described
    noisy = np.asarray(db.features[np.arange(3, 40)]) + 0.01
    DescriptorDB.write(tmp_path / "pred", config=db.config, entries=[("f", noisy)],
                       extra={"kind": "predictions"})
    out = tmp_path / "out.wav"
    assert main(["render", "--predictions", str(tmp_path / "pred"), "--db", str(db.path),
                 "-o", str(out), *options]) == 0
    assert sf.info(out).frames == 37 * HOP


def test_render_rejects_other_descriptor_settings(described, tmp_path, capsys):
    db, _, _ = described
    cfg = db.config.replace(n_mels=64)
    predictions(tmp_path / "pred", db, [np.arange(5)], config=cfg)
    assert main(["render", "--predictions", str(tmp_path / "pred"), "--db", str(db.path),
                 "-o", str(tmp_path / "o.wav")]) == 2
    assert "different descriptor settings (n_mels: 64 vs 128)" in capsys.readouterr().err


def test_render_reports_missing_or_changed_db_audio(described, tmp_path, capsys):
    db, a, _ = described
    predictions(tmp_path / "pred", db, [np.arange(5)])
    args = ["render", "--predictions", str(tmp_path / "pred"), "--db", str(db.path),
            "-o", str(tmp_path / "o.wav")]
    sf.write(db.audio_path(0), a[: SR // 2], SR)
    assert main(args) == 2
    assert "has changed since it was described" in capsys.readouterr().err
    db.audio_path(0).write_bytes(b"not audio any more" * 100)
    assert main(args) == 2
    assert "a.wav: unreadable audio" in capsys.readouterr().err
    db.audio_path(0).unlink()
    assert main(args) == 2
    assert "a.wav is missing; it was described from" in capsys.readouterr().err
    assert main(["render", "--predictions", str(tmp_path / "nothing"), "--db", str(db.path),
                 "-o", str(tmp_path / "o.wav")]) == 2
    assert "no predictions here" in capsys.readouterr().err


def test_render_never_writes_beyond_full_scale(tmp_path, capsys):
    """DB audio with a large offset (as generated files had before DC removal): equal-power
    crossfades between two files add up past 1; the render is scaled to stay within +-1."""
    from speech import speech

    audio = tmp_path / "audio"
    audio.mkdir()
    for i, text in enumerate(("One two three four five.", "Six seven eight nine ten.")):
        voice, sr = speech(text, peak_db=-12.0)
        sf.write(audio / f"offset_{i}.wav", voice + 0.75, sr, subtype="FLOAT")
    assert main(["describe", str(audio), "-o", str(tmp_path / "db")]) == 0
    db = DescriptorDB.open(tmp_path / "db")
    b = db.files[1].first
    rows = np.stack([np.arange(5, 35), b + np.arange(5, 35)], axis=1).reshape(-1)  # jump every frame
    predictions(tmp_path / "pred", db, [rows])
    out = tmp_path / "out.wav"
    capsys.readouterr()
    assert main(["render", "--predictions", str(tmp_path / "pred"), "--db", str(db.path),
                 "-o", str(out), "--k", "1", "--avoid-repeats", "0", "--continuity", "0"]) == 0
    assert "scaled the output by -" in capsys.readouterr().out
    y, _ = sf.read(out, dtype="float32")
    assert np.max(np.abs(y)) <= 1.0 and np.max(np.abs(y)) > 0.99
