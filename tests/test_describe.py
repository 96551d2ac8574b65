"""`demiurge describe` through the real CLI, bad files, and the original JSON layout."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from conftest import SR, tone
from demiurge.cli import main
from demiurge.dsp.config import MFCCConfig
from demiurge.dsp.mfcc import Descriptors
from demiurge.errors import DemiurgeError
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.describe import min_samples
from demiurge.sequencer.json_layout import export_json, import_json, read_layout
from speech import write_speech

HOP = MFCCConfig().hop_length


def reference(audio: np.ndarray, config: MFCCConfig = MFCCConfig()) -> np.ndarray:
    with torch.no_grad():
        return Descriptors(config)(torch.from_numpy(audio)[None])[0].t().numpy()


@pytest.fixture
def corpus(tmp_path):
    """Five formats, three rates, mono and stereo, one nested folder."""
    root = tmp_path / "audio"
    (root / "sub").mkdir(parents=True)
    x = tone(1.0, freq=220.0, seed=1)
    sf.write(root / "a.wav", x, SR, subtype="FLOAT")
    sf.write(root / "sub" / "b.flac", np.stack([x, x], 1), SR, subtype="PCM_24")
    y22 = tone(1.0, freq=330.0, sr=22050, seed=2)
    sf.write(root / "sub" / "c.ogg", np.stack([y22, 0.5 * y22], 1), 22050, format="OGG",
             subtype="VORBIS")
    sf.write(root / "d.mp3", tone(1.0, freq=440.0, sr=48000, seed=3), 48000, format="MP3")
    sf.write(root / "e.aiff", tone(0.5, freq=550.0, seed=4), SR, format="AIFF")
    return root, x


def test_describe_cli_reads_every_format_rate_and_channel_count(corpus, tmp_path, capsys):
    root, x = corpus
    db_dir = tmp_path / "db"
    assert main(["describe", str(root), "-o", str(db_dir)]) == 0
    out = capsys.readouterr().out
    assert "5 file(s) used, 0 skipped" in out and str(db_dir) in out
    db = DescriptorDB.open(db_dir)
    names = [db.audio_path(i).name for i in range(len(db.files))]
    assert names == ["a.wav", "d.mp3", "e.aiff", "b.flac", "c.ogg"]  # sorted, recursive
    assert db.n_features == 39 and db.config == MFCCConfig()
    # 1 s at any input rate becomes 44100 samples -> 44100 // 1024 + 1 = 44 frames.
    assert [f.frames for f in db.files] == [44, 44, 22, 44, 44]
    a, b = np.asarray(db.features[db.file_rows(0)]), np.asarray(db.features[db.file_rows(3)])
    np.testing.assert_allclose(a, reference(x), rtol=0, atol=1e-4)
    # The stereo flac holds x on both channels: mixed down it is x (24-bit quantised).
    np.testing.assert_allclose(b, a, rtol=0, atol=2e-2)
    np.testing.assert_array_equal(db.sample[db.file_rows(0)], np.arange(44) * HOP)
    np.testing.assert_array_equal(db.file_index[db.file_rows(4)], np.full(44, 4))


def test_describe_options_are_stored_with_the_db(corpus, tmp_path):
    root, _ = corpus
    db_dir = tmp_path / "db"
    assert main(["describe", str(root), "-o", str(db_dir), "--hop-length", "512", "--n-mfcc", "20",
                 "--n-mels", "64", "--sample-rate", "22050",
                 "--delta-orders", "1"]) == 0
    db = DescriptorDB.open(db_dir)
    assert db.config == MFCCConfig(hop_length=512, n_mfcc=20, n_mels=64, sample_rate=22050,
                                   delta_orders=1)
    assert db.n_features == 40
    assert db.files[0].frames == 22050 // 512 + 1
    assert json.loads((db_dir / "db.json").read_text())["mfcc_config"]["hop_length"] == 512


def test_the_live_preset_is_stored_with_the_db_and_flags_change_it(corpus, tmp_path, capsys):
    from demiurge.dsp.config import MFCC_PRESETS, preset_name

    root, x = corpus
    db_dir = tmp_path / "db"
    assert main(["describe", str(root), "-o", str(db_dir), "--preset", "live"]) == 0
    db = DescriptorDB.open(db_dir)
    assert db.config == MFCC_PRESETS["live"] and preset_name(db.config) == "live"
    assert json.loads((db_dir / "db.json").read_text())["mfcc_config"]["delta_causal"] is True
    assert db.files[0].frames == 44100 // 256 + 1
    np.testing.assert_allclose(np.asarray(db.features[db.file_rows(0)]),
                               reference(x, MFCC_PRESETS["live"]), rtol=0, atol=1e-4)
    assert main(["describe", str(root), "-o", str(db_dir), "--preset", "live",
                 "--n-mels", "64"]) == 0
    assert DescriptorDB.open(db_dir).config == MFCC_PRESETS["live"].replace(n_mels=64)
    assert main(["describe", str(root), "-o", str(db_dir), "--preset", "fastest"]) == 2
    err = capsys.readouterr().err
    assert "unknown descriptor preset 'fastest'" in err and "live (n_fft 1024, hop 256" in err
    assert DescriptorDB.open(db_dir).config.n_mels == 64  # the DB written before is kept


def test_the_db_records_its_floor_and_one_of_the_old_floor_is_refused(corpus, tmp_path, capsys):
    root, _ = corpus
    db_dir = tmp_path / "db"
    assert main(["describe", str(root), "-o", str(db_dir)]) == 0
    meta = json.loads((db_dir / "db.json").read_text())
    assert meta["mfcc_config"]["amin"] == 1e-10 and "top_db" not in meta["mfcc_config"]
    # a DB written before the amin-only floor stored top_db instead
    stored = dict(meta["mfcc_config"], top_db=80.0)
    del stored["amin"]
    (db_dir / "db.json").write_text(json.dumps(dict(meta, mfcc_config=stored)))
    capsys.readouterr()
    with pytest.raises(DemiurgeError, match="old fixed dB floor.*describe the audio again"):
        DescriptorDB.open(db_dir)
    assert main(["render", "--predictions", str(db_dir), "--db", str(db_dir),
                 "-o", str(tmp_path / "r.wav")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "describe the audio again" in err[0], err


def test_bad_files_are_skipped_one_line_each_with_a_summary(tmp_path, capsys):
    root = tmp_path / "audio"
    root.mkdir()
    cfg = MFCCConfig()
    sf.write(root / "good.wav", tone(0.5), SR)
    sf.write(root / "empty.wav", np.zeros(0, np.float32), SR)
    (root / "garbage.wav").write_bytes(b"this is not audio" * 10)
    sf.write(root / "silent.wav", np.zeros(SR, np.float32), SR)
    sf.write(root / "short.wav", tone(0.5)[: min_samples(cfg) - 1], SR)
    sf.write(root / "just_long_enough.wav", tone(0.5)[: min_samples(cfg)], SR)
    db_dir = tmp_path / "db"
    assert main(["describe", str(root), "-o", str(db_dir)]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("skipped")]
    assert len(lines) == 4
    reasons = dict(DescriptorDB.open(db_dir).meta["skipped"])
    assert {k.rsplit("/", 1)[1]: v.split(" ")[0] for k, v in reasons.items()} == {
        "empty.wav": "empty", "garbage.wav": "unreadable", "silent.wav": "silent",
        "short.wav": "too"}
    assert "at least 0.186 s needed" in reasons[str(root / "short.wav")]
    assert "2 file(s) used, 4 skipped" in out
    db = DescriptorDB.open(db_dir)
    assert [f.frames for f in db.files] == [SR // 2 // HOP + 1, cfg.delta_width]  # good, just_long_enough


def test_nothing_usable_is_an_error_and_keeps_the_previous_db(tmp_path, capsys):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    sf.write(good / "a.wav", tone(0.5), SR)
    sf.write(bad / "silent.wav", np.zeros(SR, np.float32), SR)
    db_dir = tmp_path / "db"
    assert main(["describe", str(good), "-o", str(db_dir)]) == 0
    before = np.asarray(DescriptorDB.open(db_dir).features).copy()
    assert main(["describe", str(bad), "-o", str(db_dir)]) == 2
    assert "no usable audio" in capsys.readouterr().err
    np.testing.assert_array_equal(DescriptorDB.open(db_dir).features, before)
    assert main(["describe", str(tmp_path / "missing"), "-o", str(db_dir)]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "none").mkdir()
    assert main(["describe", str(tmp_path / "none"), "-o", str(db_dir)]) == 2
    assert "no audio files found" in capsys.readouterr().err


def test_a_failed_describe_leaves_no_db_folder(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    sf.write(bad / "silent.wav", np.zeros(SR, np.float32), SR)
    (bad / "empty.wav").write_bytes(b"")
    assert main(["describe", str(bad), "-o", str(tmp_path / "new" / "db")]) == 2
    assert "no usable audio" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
    with pytest.raises(DemiurgeError, match="expected descriptors of shape"):
        DescriptorDB.write(tmp_path / "db2", config=MFCCConfig(),
                           entries=[("/a.wav", np.zeros((5, 39), np.float32)),
                                    ("/b.wav", np.zeros((5, 3), np.float32))])
    assert not (tmp_path / "db2").exists()


def test_an_empty_wav_is_called_empty(tmp_path, capsys):
    root = tmp_path / "audio"
    root.mkdir()
    (root / "nothing.wav").write_bytes(b"")
    write_speech(root, 1)
    assert main(["describe", str(root), "-o", str(tmp_path / "db")]) == 0
    out = capsys.readouterr().out
    assert "skipped " + str(root / "nothing.wav") + ": empty file (0 bytes)" in out
    assert "unreadable" not in out


def test_json_option_writes_the_original_layout(corpus, tmp_path):
    root, x = corpus
    sf.write(root / "sub" / "a.wav", x, SR)  # same stem as a.wav: a-1.json
    db_dir = tmp_path / "db"
    assert main(["describe", str(root), "-o", str(db_dir), "--json"]) == 0
    db = DescriptorDB.open(db_dir)
    names = sorted(p.name for p in db_dir.glob("*.json"))
    assert names == ["a-1.json", "a.json", "b.json", "c.json", "d.json", "db.json", "e.json"]
    data = json.loads((db_dir / "a.json").read_text())
    assert list(data) == ["_id", "_sample"] + [f"mfcc{i}" for i in range(39)]
    assert data["_id"] == [str(root / "a.wav")] * 44
    assert data["_sample"] == [i * HOP for i in range(44)]
    np.testing.assert_array_equal(np.asarray(data["mfcc13"], np.float32),
                                  db.features[db.file_rows(0)][:, 13])


def test_json_round_trip_is_exact(corpus, tmp_path):
    root, _ = corpus
    assert main(["describe", str(root), "-o", str(tmp_path / "db")]) == 0
    db = DescriptorDB.open(tmp_path / "db")
    paths = export_json(db, tmp_path / "json")
    back = import_json(paths, tmp_path / "db2")  # config inferred from keys and _sample
    assert back.config == db.config
    assert [f.path for f in back.files] == [f.path for f in db.files]
    np.testing.assert_array_equal(back.features, db.features)
    np.testing.assert_array_equal(back.frames, db.frames)
    # A combined DB (the original AUDIOS_database.json) concatenates the per-file lists.
    combined = {}
    for p in paths:
        for key, values in json.loads(p.read_text()).items():
            combined.setdefault(key, []).extend(values)
    (tmp_path / "AUDIOS_database.json").write_text(json.dumps(combined))
    again = import_json([tmp_path / "AUDIOS_database.json"], tmp_path / "db3", config=db.config)
    np.testing.assert_array_equal(again.features, db.features)
    np.testing.assert_array_equal(again.frames, db.frames)


def test_predictions_layout_has_feature_keys_only(tmp_path):
    cfg = MFCCConfig()
    feats = np.random.default_rng(0).standard_normal((7, 39)).astype(np.float32)
    db = DescriptorDB.write(tmp_path / "pred", config=cfg, entries=[("song.wav", feats)],
                            extra={"kind": "predictions"})
    (path,) = export_json(db, tmp_path / "pred")
    data = json.loads(path.read_text())
    assert path.name == "song.json" and list(data) == cfg.feature_names
    ((name, samples, back),) = read_layout(path)
    assert name == "song" and (samples == -1).all()
    np.testing.assert_array_equal(back, feats)


@pytest.mark.parametrize("data, message", [
    ([1, 2, 3], "expected a JSON object"),
    ({"_id": ["a"], "_sample": [0]}, "no feature keys"),
    ({"mfcc0": [1.0], "mfcc2": [1.0], "mfcc3": [1.0]}, "feature keys must be mfcc0"),
    ({"mfcc0": [1.0, 2.0], "mfcc1": [1.0], "mfcc2": [1.0, 2.0]}, "do not have the 2 entries"),
    ({"mfcc0": ["x"], "mfcc1": [1.0], "mfcc2": [1.0]}, "numbers only"),
    ({"mfcc0": [float("nan")], "mfcc1": [1.0], "mfcc2": [1.0]}, "NaN"),
    ({"_id": ["a"], "mfcc0": [1.0], "mfcc1": [1.0], "mfcc2": [1.0]}, "no _sample"),
])
def test_malformed_json_is_a_clear_error(tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DemiurgeError, match=message):
        import_json([path], tmp_path / "db")


def test_json_import_checks_feature_count_and_sample_spacing(tmp_path):
    cfg = MFCCConfig()
    layout = {"_id": ["a"] * 3, "_sample": [0, 1024, 4096],
              **{f"mfcc{i}": [0.0, 1.0, 2.0] for i in range(39)}}
    (tmp_path / "a.json").write_text(json.dumps(layout))
    with pytest.raises(DemiurgeError, match="consecutive hops"):
        import_json([tmp_path / "a.json"], tmp_path / "db", config=cfg)
    with pytest.raises(DemiurgeError, match="expected 30"):
        import_json([tmp_path / "a.json"], tmp_path / "db", config=cfg.replace(n_mfcc=10))
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(DemiurgeError, match="cannot read JSON"):
        import_json([tmp_path / "broken.json"], tmp_path / "db")


def test_from_json_builds_a_db_from_the_original_layout_through_the_cli(tmp_path, capsys):
    """`describe --from-json DIR` reads a folder of original JSON files (what `--json` writes, as
    the original Demiurge did): the same descriptors and audio, and a DB render can play."""
    audio = write_speech(tmp_path / "audio", 2)
    assert main(["describe", str(audio), "-o", str(tmp_path / "db"), "--json"]) == 0
    original = tmp_path / "original"
    original.mkdir()
    for p in (tmp_path / "db").glob("speech_*.json"):
        p.rename(original / p.name)
    capsys.readouterr()
    assert main(["describe", "--from-json", str(original), "-o", str(tmp_path / "db2")]) == 0
    assert "2 JSON file(s)" in capsys.readouterr().out
    db, back = DescriptorDB.open(tmp_path / "db"), DescriptorDB.open(tmp_path / "db2", need_audio=True)
    np.testing.assert_array_equal(np.asarray(back.features), np.asarray(db.features))
    assert back.config == db.config
    assert [back.audio_path(i) for i in range(2)] == [db.audio_path(i) for i in range(2)]

    (tmp_path / "nothing").mkdir()
    assert main(["describe", "--from-json", str(tmp_path / "nothing"), "-o", str(tmp_path / "x")]) == 2
    assert "no JSON files" in capsys.readouterr().err
    assert main(["describe", str(audio), "--from-json", str(original), "-o", str(tmp_path / "x")]) == 2
    assert "either AUDIO_DIR or --from-json" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
