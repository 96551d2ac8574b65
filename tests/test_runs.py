"""The run layer, the one training loop and the one config binding, through the real CLI:
runs travel between folders, a resume continues exactly as asked, ``--config`` gives a run's
settings back, ``--max-minutes`` stops cleanly, export falls back to the latest checkpoint."""

from __future__ import annotations

import argparse
import json

import pytest
import torch

from demiurge.cli import main
from demiurge.config_flags import add_flags, apply, given, parse_set
from demiurge.dsp.config import MelConfig, MFCCConfig
from demiurge.errors import DemiurgeError
from demiurge.models.configs import HiFiGANConfig
from demiurge.runs import Run, load, read_checkpoint
from demiurge.sequencer.forecast import load_predictor
from export_fixtures import make_predictor_run, make_vocoder_run
from synth_helpers import metrics, unagan_args, vocoder_args, write_corpus

TINY_PREDICTOR = ["--window-size", "4", "--forecast-size", "2", "--hidden-size", "8", "--num-layers", "1",
                  "--dropout", "0", "--batch-size", "8", "--no-export", "--no-wandb"]


@pytest.fixture(autouse=True)
def _no_wandb(monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")


def _evaluated_steps(run_dir, key):
    return [r["step"] for r in metrics(run_dir) if key in r]


# ---------------------------------------------------------------------------- config binding
def test_any_config_goes_to_flags_and_back():
    parser = argparse.ArgumentParser()
    add_flags(parser, MelConfig, prefix="mel")
    add_flags(parser, MFCCConfig)
    args = parser.parse_args(["--mel-n-fft", "2048", "--mel-fmax", "8000", "--mel-padding", "center",
                              "--amin", "1e-8", "--hop-length", "512"])
    assert given(args, MelConfig, prefix="mel") == {"n_fft": 2048, "fmax": 8000.0, "padding": "center"}
    assert apply(MelConfig(), given(args, MelConfig, prefix="mel")) == MelConfig(
        n_fft=2048, fmax=8000.0, padding="center")
    assert apply(MFCCConfig(), given(args, MFCCConfig)) == MFCCConfig(amin=1e-8, hop_length=512)
    assert given(parser.parse_args([]), MelConfig, prefix="mel") == {}   # untyped = not given
    with pytest.raises(SystemExit):
        parser.parse_args(["--mel-padding", "sideways"])


def test_set_reads_values_with_the_fields_converters():
    sets = parse_set(["g.upsample_rates=8,8,4", "g.resblock_dilations=[[1,3]]", "g.causal=false",
                      "g.channels=64"], {"g": (HiFiGANConfig,)})
    assert sets == {"g": {"upsample_rates": [8, 8, 4], "resblock_dilations": [[1, 3]], "causal": False,
                          "channels": 64}}
    config = apply(HiFiGANConfig(), dict(sets["g"], upsample_kernels=[16, 16, 8], resblock_kernels=[3]))
    assert config.upsample_rates == (8, 8, 4) and config.resblock_dilations == ((1, 3),)
    assert config.causal is False and config.channels == 64
    with pytest.raises(DemiurgeError, match="PREFIX.NAME=VALUE"):
        parse_set(["channels=64"], {"g": (HiFiGANConfig,)})
    with pytest.raises(DemiurgeError, match="expected true or false"):
        parse_set(["g.causal=maybe"], {"g": (HiFiGANConfig,)})


# ---------------------------------------------------------------------------- runs travel
def test_a_run_with_relative_paths_resumes_and_exports_from_another_folder(tmp_path, make_wav, monkeypatch,
                                                                             capsys):
    audio = write_corpus(make_wav)
    monkeypatch.chdir(tmp_path)
    args = vocoder_args(audio.relative_to(tmp_path), tmp_path / "x", steps=1)
    args[args.index("-o") + 1] = "run"          # a relative output folder too
    assert main(args) == 0
    assert Run.open(tmp_path / "run").config["train"]["audio"] == str(audio.resolve())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["train", "vocoder", "--resume", "-o", "../run", "--max-steps", "2", "--no-export"]) == 0
    assert Run.open(tmp_path / "run").checkpoint_entry("latest")["step"] == 2
    assert main(["export", "../run", "-o", "exported"]) == 0
    assert (elsewhere / "exported" / "run.ts").exists()


@pytest.mark.parametrize("kind,args,key", [("vocoder", vocoder_args, "val_mel_l1"),
                                             ("unagan", unagan_args, "val_convergence")])
def test_eval_every_survives_resume(kind, args, key, tmp_path, make_wav):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    first = args(audio, run_dir, steps=1)
    first[first.index("--eval-every") + 1] = "1"
    assert main(first) == 0
    assert main(["train", kind, "--resume", "-o", str(run_dir), "--max-steps", "3", "--no-export"]) == 0
    assert _evaluated_steps(run_dir, key) == [1, 2, 3]
    assert Run.open(run_dir).config["train"]["max_steps"] == 3   # the new total is stored too


def test_resume_refuses_a_changed_model_setting(tmp_path, make_wav, capsys):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    assert main(vocoder_args(audio, run_dir, steps=1)) == 0
    capsys.readouterr()
    assert main(["train", "vocoder", "--resume", "-o", str(run_dir), "--set", "g.channels=32"]) == 2
    err = capsys.readouterr().err
    assert "trained with --set g.channels=16, not --set g.channels=32" in err and len(err.splitlines()) == 1
    assert main(["train", "vocoder", "--resume", "-o", str(run_dir), "--mel-n-mels", "64"]) == 2
    assert "trained with --mel-n-mels 80, not --mel-n-mels 64" in capsys.readouterr().err


# ---------------------------------------------------------------------------- --config, --max-minutes
def test_config_file_gives_a_runs_settings_back_with_flags_over_it(make_descriptor_db, tmp_path):
    db = make_descriptor_db("db", n_files=4, frames=40)
    first = tmp_path / "first"
    assert main(["train", "predictor", "--db", str(db.path), "-o", str(first), "--max-steps", "2",
                 "--model", "lstm-encdec", *TINY_PREDICTOR]) == 0
    second = tmp_path / "second"
    assert main(["train", "predictor", "--config", str(first / "config.json"), "-o", str(second),
                 "--num-layers", "2", "--max-steps", "3", "--no-export", "--no-wandb"]) == 0
    a, b = Run.open(first).config, Run.open(second).config
    assert b["predictor"] == dict(a["predictor"], num_layers=2)
    assert b["db"] == a["db"] and b["train"] == dict(a["train"], max_steps=3)
    assert load_predictor(second).name == "lstm-encdec"


def test_max_minutes_stops_cleanly_and_keeps_best_and_latest(make_descriptor_db, tmp_path, capsys):
    db = make_descriptor_db("db", n_files=4, frames=40)
    run_dir = tmp_path / "run"
    assert main(["train", "predictor", "--db", str(db.path), "-o", str(run_dir), "--max-steps", "100000",
                 "--max-minutes", "0.00001", *TINY_PREDICTOR]) == 0
    assert "time budget of 1e-05 min reached at step 1" in capsys.readouterr().out
    run = Run.open(run_dir)
    assert run.checkpoint_entry("latest")["step"] == 1 and run.checkpoint_entry("best")["step"] == 1
    assert run.manifest["evaluation"]["step"] == 1          # the final report still ran
    assert main(["train", "predictor", "--resume", "-o", str(run_dir), "--max-minutes", "0",
                 "--max-steps", "3"]) == 0
    assert Run.open(run_dir).checkpoint_entry("latest")["step"] == 3


# ---------------------------------------------------------------------------- loading, old runs
def test_export_falls_back_to_latest_when_best_is_missing(tmp_path):
    run = make_vocoder_run(tmp_path / "voc")
    (run.path / "checkpoints" / "best.pt").unlink()
    assert main(["export", str(run.path), "-o", str(tmp_path / "out")]) == 0
    card = json.loads((tmp_path / "out" / "voc.json").read_text())
    assert card["source"]["checkpoint"] == "latest"
    assert read_checkpoint(run.path).which == "latest"


def test_one_loader_per_kind_and_one_line_for_the_rest(tmp_path):
    run = make_vocoder_run(tmp_path / "voc")
    trained = load(run.path)                       # by the run's kind
    assert trained.card["kind"] == "vocoder" and trained.step == 11
    assert load(run.path / "checkpoints" / "latest.pt").card["arch"] == "hifigan-rt"   # a bare file
    with pytest.raises(DemiurgeError, match="is a vocoder run; a predictor run is needed"):
        load_predictor(run.path)
    Run.create(tmp_path / "odd", kind="mystery", config={}).save_checkpoint({}, step=1, epoch=0)
    with pytest.raises(DemiurgeError, match="mystery run, which demiurge cannot load"):
        load(tmp_path / "odd")


def test_old_predictor_runs_load_and_are_refused_on_resume_with_one_line(tmp_path, capsys):
    # make_predictor_run writes the layout of runs from before the shared loop (model_config)
    run = make_predictor_run(tmp_path / "old", "lstm", window_size=6, forecast_size=2)
    trained = load_predictor(run.path)
    assert trained.window_size == 6 and trained.name == "lstm" and trained.step == 7
    assert main(["train", "predictor", "--resume", "-o", str(run.path)]) == 2
    err = capsys.readouterr().err
    assert "older demiurge" in err and "start a new run" in err and len(err.splitlines()) == 1
    frames = torch.zeros(1, trained.mfcc_config.n_features, 6)
    assert trained.forecaster().forward(frames, 3).shape == (1, trained.mfcc_config.n_features, 3)
