"""The embedded default: with no --db/--predictor, demiurge-live builds the demo corpus, its
DB and a small predictor once into the cache, reuses them afterwards, and makes sound."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from demiurge import demo
from demiurge.live import cli, loading
from live_fixtures import SR, steady_tone


@pytest.mark.slow
def test_default_is_built_once_cached_and_plays(tmp_path, monkeypatch):
    from demiurge.data.audio import write_audio
    from demiurge.dsp.config import MFCC_PRESETS
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.runs import Run

    monkeypatch.setenv("DEMIURGE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(demo, "DEFAULT_PREDICTOR_STEPS", 3)  # the real one trains longer
    said = []
    db_dir, run_dir = loading.default_models(log=said.append)
    assert db_dir.parent == tmp_path / "cache" / "default"
    assert len(DescriptorDB.open(db_dir)) > 20000
    assert DescriptorDB.open(db_dir).config == MFCC_PRESETS["live"]  # the lowest latency
    run = Run.open(run_dir)
    assert run.has_checkpoint("best")
    # the predictor reads as much time as the default preset's 10 frames of 1024: 40 of 256
    assert run.config["predictor"]["window_size"] == 40
    assert any(str(tmp_path / "cache" / "default") in line for line in said)
    best = run_dir / "checkpoints" / "best.pt"
    built = best.stat().st_mtime_ns

    again = []
    assert loading.default_models(log=again.append) == (db_dir, run_dir)
    assert best.stat().st_mtime_ns == built  # nothing retrained
    assert sum("reusing" in line for line in again) == 2, again

    # a cache built by an older Demiurge (the old MFCC floor): described and trained again
    import json

    meta = json.loads((db_dir / "db.json").read_text())
    old = dict(meta["mfcc_config"], top_db=80.0)
    del old["amin"]
    (db_dir / "db.json").write_text(json.dumps(dict(meta, mfcc_config=old)))
    first_run = Run.open(run_dir).id
    rebuilt = []
    assert loading.default_models(log=rebuilt.append) == (db_dir, run_dir)
    assert "top_db" not in json.loads((db_dir / "db.json").read_text())["mfcc_config"]
    assert Run.open(run_dir).id != first_run and Run.open(run_dir).has_checkpoint("best")

    # a cache of the default preset (an older Demiurge's embedded default): built again, live
    from demiurge.sequencer.describe import describe_folder

    describe_folder(db_dir.parent / "corpus", db_dir, log=lambda line: None)
    second_run = Run.open(run_dir).id
    assert loading.default_models(log=lambda line: None) == (db_dir, run_dir)
    assert DescriptorDB.open(db_dir).config == MFCC_PRESETS["live"]
    assert Run.open(run_dir).id != second_run

    src = write_audio(tmp_path / "in.wav", steady_tone(330.0, 2.0), sample_rate=SR)
    out = tmp_path / "out.wav"
    assert cli.main(["--mode", "follow", "--input-file", str(src),
                     "--output-file", str(out)]) == 0
    y, sr = sf.read(out, dtype="float32")
    assert sr == SR and y.size == 2 * SR and np.abs(y[SR:]).max() > 0.01


def test_a_bad_db_is_reported_before_the_default_is_built(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DEMIURGE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "notadb").mkdir()
    assert cli.main(["--db", str(tmp_path / "notadb"), "--input-file", str(tmp_path / "in.wav"),
                     "--output-file", str(tmp_path / "out.wav")]) == 2
    assert "not a descriptor DB" in capsys.readouterr().err
    assert not (tmp_path / "cache").exists()  # nothing was built for the missing predictor
