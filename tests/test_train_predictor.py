"""``demiurge train predictor`` through the real CLI: run layout, baselines, reload, resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from demiurge.cli import main
from demiurge.errors import DemiurgeError
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.forecast import load_forecaster, load_predictor
from demiurge.sequencer.predictors import MODELS
from demiurge.train.predictor import Windows, forecast_mse, split_files, train_predictor

W, F = 4, 2
TINY = ["--window-size", str(W), "--forecast-size", str(F), "--hidden-size", "8",
        "--num-layers", "1", "--dim-pos-encoding", "3", "--nhead", "3", "--dim-feedforward", "16",
        "--dropout", "0", "--batch-size", "8", "--eval-every", "3"]


@pytest.fixture(autouse=True)
def _no_wandb(monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")


def _train(db, out, model="lstm", steps=6, *extra, export=False):
    return main(["train", "predictor", "--db", str(db.path), "--model", model, "--max-steps",
                 str(steps), "-o", str(out), *TINY, *extra, *([] if export else ["--no-export"])])


def _manifest(run_dir):
    return json.loads((run_dir / "manifest.json").read_text())


def _persistence_and_mean_by_hand(run_dir, db):
    """The baselines computed directly from the DB, the stored split and the stored stats."""
    stats = {k: np.asarray(v) for k, v in json.loads((run_dir / "stats.json").read_text()).items()}
    split = json.loads((run_dir / "split.json").read_text())
    seqs = dict(db.sequences())
    pers, mean, n = 0.0, 0.0, 0
    for path in split["val"]:
        z = (seqs[path] - stats["mean"]) / stats["std"]
        for t in range(z.shape[0] - W - F + 1):
            target = z[t + W: t + W + F]
            pers += float(((target - z[t + W - 1]) ** 2).sum())
            mean += float((target ** 2).sum())
            n += target.size
    return pers / n, mean / n


@pytest.mark.parametrize("model", list(MODELS))
def test_each_model_trains_through_the_cli(model, make_descriptor_db, tmp_path, capsys):
    db = make_descriptor_db("db", n_files=4, frames=40)
    run_dir = tmp_path / "run"
    assert _train(db, run_dir, model) == 0
    out = capsys.readouterr().out
    assert "persistence baseline" in out and "mean baseline" in out and str(run_dir) in out

    manifest = _manifest(run_dir)
    assert manifest["kind"] == "predictor" and manifest["model"] == model
    assert manifest["checkpoints"]["latest"]["step"] == 6
    assert (run_dir / "checkpoints/latest.pt").exists() and (run_dir / "checkpoints/best.pt").exists()
    config = json.loads((run_dir / "config.json").read_text())
    assert config["predictor"]["model"] == model and config["predictor"]["window_size"] == W
    assert config["predictor"]["hidden_size"] == 8 and config["train"]["eval_every"] == 3

    split = json.loads((run_dir / "split.json").read_text())
    paths = [str(db.audio_path(i)) for i in range(len(db.files))]
    assert len(split["val"]) == 1 and sorted(split["train"] + split["val"]) == sorted(paths)

    stats = {k: np.asarray(v) for k, v in json.loads((run_dir / "stats.json").read_text()).items()}
    train_frames = np.concatenate([x for p, x in db.sequences() if p in split["train"]])
    assert np.allclose(stats["mean"], train_frames.mean(0), atol=1e-4)
    assert np.allclose(stats["std"], train_frames.std(0), rtol=1e-4)

    evaluation = json.loads((run_dir / "evaluation.json").read_text())
    assert manifest["evaluation"] == evaluation
    pers, mean = _persistence_and_mean_by_hand(run_dir, db)
    assert evaluation["persistence_mse"] == pytest.approx(pers, rel=1e-5)
    assert evaluation["mean_mse"] == pytest.approx(mean, rel=1e-5)
    assert evaluation["windows"] == 40 - W - F + 1

    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines if "val/mse" in r] == [3, 6]
    assert lines[-1]["eval/persistence_mse"] == pytest.approx(pers, rel=1e-5)


def test_checkpoint_reloads_to_identical_outputs(make_descriptor_db, tmp_path, monkeypatch):
    db = make_descriptor_db("db", n_files=4, frames=40)
    run_dir = tmp_path / "run"
    assert _train(db, run_dir, "transformer", 9) == 0
    evaluation = json.loads((run_dir / "evaluation.json").read_text())

    loaded = load_predictor(run_dir)
    assert loaded.step == evaluation["step"] and loaded.window_size == W
    assert loaded.mfcc_config == db.config
    split = json.loads((run_dir / "split.json").read_text())
    val = Windows([x for p, x in db.sequences() if p in split["val"]], length=W + F,
                  mean=loaded.mean, std=loaded.std)
    errors = forecast_mse(loaded.model, val, torch.arange(len(val)), window_size=W,
                          device=torch.device("cpu"))
    assert errors["model"] == pytest.approx(evaluation["model_mse"], rel=1e-6)

    # the same run found by its id gives the same forecasts
    monkeypatch.chdir(tmp_path)
    by_id = load_forecaster(_manifest(run_dir)["id"])
    by_dir = load_forecaster(run_dir)
    frames = torch.from_numpy(next(db.sequences())[1].T.copy())[None]
    by_id.push(frames)
    by_dir.push(frames)
    assert torch.equal(by_id.forecast(5), by_dir.forecast(5))


def test_resume_continues_counters_exactly(make_descriptor_db, tmp_path, capsys):
    db = make_descriptor_db("db", n_files=4, frames=40)
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert _train(db, straight, "lstm", 12) == 0
    assert _train(db, resumed, "lstm", 6) == 0
    epoch_before = _manifest(resumed)["checkpoints"]["latest"]["epoch"]
    capsys.readouterr()
    assert main(["train", "predictor", "--resume", "--max-steps", "12", "-o", str(resumed)]) == 0
    assert "resuming run" in capsys.readouterr().out
    latest = _manifest(resumed)["checkpoints"]["latest"]
    assert latest["step"] == 12 and latest["epoch"] >= epoch_before
    assert latest["epoch"] == _manifest(straight)["checkpoints"]["latest"]["epoch"]
    steps = [json.loads(line)["step"] for line in (resumed / "metrics.jsonl").read_text().splitlines()
             if "val/mse" in line]
    assert steps == [3, 6, 9, 12]
    # same batches, same optimiser state: 6 + 6 steps == 12 steps
    a = torch.load(straight / "checkpoints/latest.pt", weights_only=False)["generator"]
    b = torch.load(resumed / "checkpoints/latest.pt", weights_only=False)["generator"]
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_no_surprise_resume(make_descriptor_db, tmp_path, capsys):
    db = make_descriptor_db("db", n_files=4, frames=40)
    run_dir = tmp_path / "run"
    assert _train(db, run_dir, "lstm", 3) == 0
    before = (run_dir / "checkpoints/latest.pt").read_bytes()
    capsys.readouterr()
    assert _train(db, run_dir, "lstm", 6) == 2
    assert "already holds a run; pass --resume" in capsys.readouterr().err
    assert (run_dir / "checkpoints/latest.pt").read_bytes() == before
    # resuming must not change the model
    with pytest.raises(DemiurgeError, match="trained with --model lstm"):
        train_predictor(out=run_dir, resume=True, model="transformer", max_steps=6, progress=False)
    with pytest.raises(DemiurgeError, match="trained with --window-size 4"):
        train_predictor(out=run_dir, resume=True, window_size=8, max_steps=6, progress=False)
    with pytest.raises(DemiurgeError, match="no run to resume"):
        train_predictor(out=tmp_path / "empty", resume=True, max_steps=6, progress=False)


def test_bad_training_inputs(make_descriptor_db, tmp_path):
    one = make_descriptor_db("one", n_files=1, frames=40)
    with pytest.raises(DemiurgeError, match="at least 2 are needed"):
        train_predictor(db=one.path, out=tmp_path / "r1", max_steps=2, progress=False)
    short = make_descriptor_db("short", n_files=3, frames=5)
    with pytest.raises(DemiurgeError, match="only 0 file"):
        train_predictor(db=short.path, out=tmp_path / "r2", window_size=10, forecast_size=3,
                        max_steps=2, progress=False)
    db = make_descriptor_db("db", n_files=3, frames=40)
    with pytest.raises(DemiurgeError, match="divisible by nhead"):
        train_predictor(db=db.path, out=tmp_path / "r3", model="transformer", nhead=4,
                        max_steps=2, progress=False)
    with pytest.raises(DemiurgeError, match="not a descriptor DB"):
        train_predictor(db=tmp_path / "nowhere", out=tmp_path / "r4", max_steps=2, progress=False)
    with pytest.raises(DemiurgeError, match="--db is required"):
        train_predictor(out=tmp_path / "r5", max_steps=2, progress=False)
    with pytest.raises(DemiurgeError, match="--val-fraction"):
        train_predictor(db=db.path, out=tmp_path / "r6", val_fraction=1.5, max_steps=2,
                        progress=False)


def test_split_is_by_whole_files_and_seeded():
    train, val = split_files(10, val_fraction=0.2, seed=3)
    assert len(val) == 2 and sorted(train + val) == list(range(10)) and not set(train) & set(val)
    assert split_files(10, val_fraction=0.2, seed=3) == (train, val)
    assert split_files(2, val_fraction=0.01, seed=0)[1] != []


def test_wandb_offline_run_is_written(make_descriptor_db, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    db = make_descriptor_db("db", n_files=3, frames=30)
    run_dir = tmp_path / "run"
    assert _train(db, run_dir, "lstm", 3) == 0
    run_id = _manifest(run_dir)["id"]
    assert list((run_dir / "wandb").glob(f"offline-run-*-{run_id}"))


def test_db_written_by_describe_module_trains(tmp_path, make_wav):
    """A DB of real descriptors (THE Descriptors module on synthesised audio) trains too."""
    from conftest import tone

    from demiurge.dsp import Descriptors, MFCCConfig

    config = MFCCConfig()
    describe = Descriptors(config)
    entries = []
    for i, freq in enumerate((220.0, 330.0, 440.0)):
        audio = tone(1.0, freq=freq, seed=i)
        entries.append((f"tone{i}.wav", describe(torch.from_numpy(audio)[None])[0].T.numpy()))
    db = DescriptorDB.write(tmp_path / "db", config=config, entries=entries)
    assert _train(db, tmp_path / "run", "transformer-encoder", 3) == 0


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from demiurge.data.demo_corpus import make_demo_corpus
    from demiurge.sequencer.describe import describe_folder

    root = tmp_path_factory.mktemp("demo")
    make_demo_corpus(root / "audio", log=lambda line: None)
    return describe_folder(root / "audio", root / "db", log=lambda line: None)


@pytest.mark.slow
@pytest.mark.parametrize("model", list(MODELS))
def test_each_model_beats_both_baselines_on_the_demo_corpus(model, demo_db, tmp_path):
    """Default model sizes, 300 steps (5-20 s each on one core): held-out forecasts of the
    demo corpus beat repeating the last frame and predicting the mean, by a wide margin."""
    run = train_predictor(db=demo_db.path, out=tmp_path / model, model=model, max_steps=300,
                          eval_every=100, device="cpu", progress=False, export=False,
                          log=lambda line: None)
    e = run.manifest["evaluation"]
    assert e["files"] == 3 and e["windows"] > 1000
    assert e["model_mse"] < 0.7 * e["persistence_mse"], e
    assert e["model_mse"] < 0.7 * e["mean_mse"], e


def test_interrupted_run_saves_latest_and_resumes_exactly(make_descriptor_db, tmp_path,
                                                          monkeypatch, capsys):
    import demiurge.train.predictor as trainer

    db = make_descriptor_db("db", n_files=4, frames=40)
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    assert _train(db, straight, "transformer-encoder", 9) == 0
    real_loss, calls = trainer.training_loss, []

    def interrupt_at_step_5(*args):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real_loss(*args)

    monkeypatch.setattr(trainer, "training_loss", interrupt_at_step_5)
    assert _train(db, broken, "transformer-encoder", 9) == 130
    assert "interrupted at step 4: latest checkpoint saved" in capsys.readouterr().out
    latest = _manifest(broken)["checkpoints"]["latest"]
    assert latest["step"] == 4 and latest["metric"] is None
    monkeypatch.setattr(trainer, "training_loss", real_loss)
    assert main(["train", "predictor", "--resume", "-o", str(broken)]) == 0
    a = torch.load(straight / "checkpoints/best.pt", weights_only=False)
    b = torch.load(broken / "checkpoints/best.pt", weights_only=False)
    assert a["step"] == b["step"] and a["metric"] == pytest.approx(b["metric"], rel=1e-5)
    assert all(torch.allclose(a["generator"][k], b["generator"][k], atol=1e-6) for k in a["generator"])


def test_a_finished_run_is_exported_for_nn_tilde(make_descriptor_db, tmp_path):
    """Training ends by exporting the best checkpoint into RUN/export/, recorded in the manifest."""
    import torch

    db = make_descriptor_db("db", n_files=4, frames=40)
    assert _train(db, tmp_path / "run", "lstm", 4, export=True) == 0
    ts = tmp_path / "run" / "export" / "run.ts"
    assert ts.exists() and ts.with_suffix(".json").exists()
    module = torch.jit.load(str(ts))
    assert "forward" in module.get_methods() and "descriptors" in module.get_methods()
    files = _manifest(tmp_path / "run")["files"]
    assert any(f["path"] == "export/run.ts" for f in files.values()), files
