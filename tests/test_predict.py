"""``demiurge predict`` through the real CLI: rollout length, layout, agreement with the
streaming Forecaster, audio and DB inputs, and each kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import descriptor_sequences, tone

from demiurge.cli import main
from demiurge.dsp import MFCCConfig
from demiurge.errors import DemiurgeError
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.forecast import load_forecaster, load_predictor
from demiurge.sequencer.json_layout import read_layout
from demiurge.sequencer.predict import predict
from demiurge.runs import Run

W, F = 4, 2
TINY = ["--window-size", str(W), "--forecast-size", str(F), "--hidden-size", "8",
        "--num-layers", "1", "--dim-pos-encoding", "3", "--nhead", "3", "--dim-feedforward", "16",
        "--batch-size", "8", "--val-every", "4", "--max-steps", "8"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two tiny trained runs (one one-step, one seq2seq) on a synthetic DB."""
    root = tmp_path_factory.mktemp("predict")
    entries = [(str(root / f"audio/file{i}.wav"), s)
               for i, s in enumerate(descriptor_sequences(4, 40))]
    db = DescriptorDB.write(root / "db", config=MFCCConfig(), entries=entries)
    out = {"db": db, "root": root}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WANDB_MODE", "disabled")
        for model in ("transformer-encoder", "lstm-encdec"):
            assert main(["train", "predictor", "--db", str(db.path), "--model", model,
                         "-o", str(root / model), "--no-export", *TINY]) == 0
            out[model] = root / model
    return out


@pytest.mark.parametrize("model", ["transformer-encoder", "lstm-encdec"])
def test_predict_from_db_writes_n_frames_per_input(runs, model, tmp_path):
    out = tmp_path / "pred"
    assert main(["predict", str(runs[model]), "--input", str(runs["db"].path), "--length", "7",
                 "-o", str(out)]) == 0
    pred = DescriptorDB.open(out)
    assert pred.meta["kind"] == "predictions" and pred.meta["length"] == 7
    assert pred.meta["run"] == json.loads((runs[model] / "manifest.json").read_text())["id"]
    assert [f.path for f in pred.files] == [f.path for f in runs["db"].files]
    assert all(f.frames == 7 for f in pred.files) and pred.config == runs["db"].config

    # the same numbers from the (scripted) streaming Forecaster fed each whole file in pieces
    scripted = torch.jit.script(load_forecaster(runs[model]))
    for (path, frames), (_, predicted) in zip(runs["db"].sequences(), pred.sequences()):
        x = torch.from_numpy(frames.T.copy())[None]
        scripted.reset(1)
        scripted.push(x[:, :, :13])
        scripted.push(x[:, :, 13:])
        expected = scripted.forecast(7)[0].T.numpy()
        assert np.allclose(predicted, expected, atol=1e-5)

    # the original JSON layout: feature keys only, the same values
    for f, (_, predicted) in zip(pred.files, pred.sequences()):
        layout = json.loads((out / f"{f.path.rsplit('/', 1)[-1][:-4]}.json").read_text())
        assert list(layout) == [f"mfcc{i}" for i in range(39)]
        (_, _, feats), = read_layout(out / f"{f.path.rsplit('/', 1)[-1][:-4]}.json")
        assert np.array_equal(feats, predicted)


def test_seq2seq_rollout_repeats_blocks_of_forecast_size(runs, tmp_path):
    trained = load_predictor(runs["lstm-encdec"])
    path, frames = next(runs["db"].sequences())
    db = predict(run=runs["lstm-encdec"], source=runs["db"].path, length=5, out=tmp_path / "p")
    got = next(db.sequences())[1]
    # by hand: z-score, decode F frames, append, decode again, take 5, de-normalise
    z = torch.from_numpy((frames[-W:] - trained.mean) / trained.std)[None]
    blocks = []
    with torch.no_grad():
        for _ in range(3):
            block = trained.model(z)
            blocks.append(block)
            z = torch.cat([z, block], 1)[:, F:]
    expected = torch.cat(blocks, 1)[0, :5].numpy() * trained.std + trained.mean
    assert np.allclose(got, expected, atol=1e-5)


def test_predict_from_audio_file_and_folder(runs, make_wav, tmp_path, capsys):
    good = make_wav("in/a.wav", tone(1.0, freq=330.0, seed=1))
    make_wav("in/b.wav", tone(0.8, freq=220.0, seed=2))
    make_wav("in/silent.wav", np.zeros(44100, np.float32))
    out = tmp_path / "one"
    assert main(["predict", str(runs["transformer-encoder"]), "--input", str(good), "--length", "4",
                 "-o", str(out)]) == 0
    one = DescriptorDB.open(out)
    assert len(one.files) == 1 and one.files[0].frames == 4
    assert np.all(np.isfinite(one.features))

    capsys.readouterr()
    assert main(["predict", str(runs["transformer-encoder"]), "--input", str(tmp_path / "in"),
                 "--length", "6", "-o", str(tmp_path / "many")]) == 0
    printed = capsys.readouterr().out
    assert "skipped" in printed and "silent.wav" in printed
    many = DescriptorDB.open(tmp_path / "many")
    assert [p.rsplit("/", 1)[-1] for p in (f.path for f in many.files)] == ["a.wav", "b.wav"]
    assert len(many) == 12
    assert np.allclose(many.features[:4], one.features, atol=1e-5)  # the same first forecasts
    assert (tmp_path / "many" / "a.json").exists() and (tmp_path / "many" / "b.json").exists()


def test_temperature_is_seeded(runs, tmp_path):
    kw = dict(run=runs["lstm-encdec"], source=runs["db"].path, length=5)
    calm = predict(out=tmp_path / "calm", **kw).features
    a = np.asarray(predict(out=tmp_path / "a", temperature=0.5, seed=1, **kw).features)
    b = np.asarray(predict(out=tmp_path / "b", temperature=0.5, seed=1, **kw).features)
    c = np.asarray(predict(out=tmp_path / "c", temperature=0.5, seed=2, **kw).features)
    assert np.array_equal(a, b) and not np.allclose(a, c) and not np.allclose(a, calm)


def test_bad_inputs_are_clear_errors(runs, tmp_path, capsys):
    run = runs["transformer-encoder"]
    db = runs["db"].path
    with pytest.raises(DemiurgeError, match="no run directory or run id 'nope'"):
        predict(run="nope", source=db, length=3, out=tmp_path / "o1")
    Run.create(tmp_path / "voc", kind="vocoder", config={})
    with pytest.raises(DemiurgeError, match="is a vocoder run; a predictor run is needed"):
        predict(run=tmp_path / "voc", source=db, length=3, out=tmp_path / "o2")
    short = DescriptorDB.write(tmp_path / "short", config=MFCCConfig(),
                               entries=[("x.wav", np.zeros((W - 1, 39), np.float32))])
    with pytest.raises(DemiurgeError, match="fewer than the predictor's window of 4"):
        predict(run=run, source=short.path, length=3, out=tmp_path / "o3")
    other = DescriptorDB.write(tmp_path / "other", config=MFCCConfig(hop_length=512),
                               entries=[("x.wav", np.zeros((20, 39), np.float32))])
    with pytest.raises(DemiurgeError, match="other MFCC settings than the run .*hop_length: 512 vs 1024"):
        predict(run=run, source=other.path, length=3, out=tmp_path / "o4")
    with pytest.raises(DemiurgeError, match="no such file or folder"):
        predict(run=run, source=tmp_path / "missing.wav", length=3, out=tmp_path / "o5")
    with pytest.raises(DemiurgeError, match="--length must be at least 1"):
        predict(run=run, source=db, length=0, out=tmp_path / "o6")
    with pytest.raises(DemiurgeError, match="holds a descriptor DB, not predictions"):
        predict(run=run, source=db, length=3, out=db)
    untrained = Run.create(tmp_path / "untrained", kind="predictor", config={})
    with pytest.raises(DemiurgeError, match="has no checkpoint yet"):
        predict(run=untrained.path, source=db, length=3, out=tmp_path / "o7")
    # through the CLI: one line on stderr, exit status 2
    capsys.readouterr()
    assert main(["predict", str(run), "--input", str(short.path), "--length", "3",
                 "-o", str(tmp_path / "o8")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("demiurge predict: error:")
