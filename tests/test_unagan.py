"""`demiurge train unagan` through the real CLI on synthesised audio (tiny models)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from demiurge.cli import main
from demiurge.errors import DemiurgeError
from demiurge.models.loading import load_unagan
from demiurge.runs import Run
from demiurge.train.unagan import UNAGANTrainer
from synth_helpers import metrics, unagan_args, write_corpus


def test_unagan_trains_reloads_and_resumes(tmp_path, make_wav, capsys):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    assert main(unagan_args(audio, run_dir)) == 0
    rows = metrics(run_dir)
    losses = [r for r in rows if "loss_g" in r]
    assert losses and all(math.isfinite(v) for r in losses for v in r.values())
    assert all(0.0 <= r["k"] <= 1.0 for r in losses)
    val = [r for r in rows if "val_convergence" in r]
    assert val and val[0]["val_convergence"] == pytest.approx(
        val[0]["val_loss_real"] + abs(val[0]["val_loss_real"] - val[0]["val_loss_fake"]))

    trained = load_unagan(run_dir)
    generator, mel_config, stats, card = trained.generator, trained.mel, trained.stats, trained.card
    run = Run.open(run_dir)
    best = run.manifest["checkpoints"]["best"]
    assert card["step"] == best["step"] and card["metric"] == pytest.approx(best["metric"])
    z = torch.from_numpy(np.load(run_dir / "samples/z.npy"))
    saved = np.load(run_dir / f"samples/step_{best['step']:08d}.npy")
    with torch.no_grad():
        mel = generator(z)
    assert mel.shape == (z.shape[0], 80, 16 * z.shape[2])
    np.testing.assert_allclose(mel.numpy(), saved, atol=1e-5)
    # Statistics: raw log-mel = z-scored * std + mean, as stored with the run.
    torch.testing.assert_close(generator.denormalise(mel), mel * stats["std"][:, None] + stats["mean"][:, None])
    assert mel_config.n_mels == 80 and stats["std"].min() > 0

    assert main(unagan_args(audio, run_dir)) == 2
    assert "pass --resume" in capsys.readouterr().err
    k_before = run.load_checkpoint("latest")["k"]
    assert main(unagan_args(audio, run_dir, steps=4, extra=["--resume"])) == 0
    state = Run.open(run_dir).load_checkpoint("latest")
    assert state["step"] == 4 and state["k"] != k_before
    assert [r["step"] for r in metrics(run_dir) if "val_convergence" in r] == [2, 4]


def test_a_best_chosen_by_an_earlier_measure_gives_way(tmp_path, make_wav, capsys):
    """A run made before UNAGAN chose its best by the Fréchet distance recorded no measure's
    name; its best (a convergence figure, here lower than any distance) must not block every
    later checkpoint from becoming best."""
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    assert main(unagan_args(audio, run_dir)) == 0
    run = Run.open(run_dir)
    entry = run.manifest["checkpoints"]["best"]
    assert entry["metric_name"] == "val_frechet"
    del entry["metric_name"]
    entry["metric"] = -1.0
    run._write_manifest()
    capsys.readouterr()
    assert main(unagan_args(audio, run_dir, steps=4, extra=["--resume"])) == 0
    assert "was chosen by val_convergence" in capsys.readouterr().out
    best = Run.open(run_dir).manifest["checkpoints"]["best"]
    assert best["step"] == 4 and best["metric_name"] == "val_frechet"


def test_lr_half_life_halves_the_learning_rate_and_resumes_on_schedule(tmp_path, make_wav, capsys):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    assert main(unagan_args(audio, run_dir, steps=4, extra=["--lr", "1e-3", "--lr-half-life", "2"])) == 0
    lr = lambda: Run.open(run_dir).load_checkpoint("latest")["opt_g"]["param_groups"][0]["lr"]
    assert lr() == pytest.approx(1e-3 * 0.5 ** (3 / 2))          # the rate of the last step, step 3
    assert main(unagan_args(audio, run_dir, steps=6, extra=["--resume"])) == 0
    assert lr() == pytest.approx(1e-3 * 0.5 ** (5 / 2))
    assert main(unagan_args(audio, tmp_path / "r2", extra=["--lr-half-life", "-5"])) == 2
    assert "--lr-half-life must be 0 (constant) or a positive number of steps, not -5" in capsys.readouterr().err


def test_original_unagan_layers(tmp_path, make_wav):
    audio = write_corpus(make_wav)
    assert main(unagan_args(audio, tmp_path / "run", extra=["--original-layers"])) == 0
    generator = load_unagan(tmp_path / "run").generator
    assert not generator.causal
    with pytest.raises(DemiurgeError, match="non-causal"):
        generator.streaming()


def test_unagan_bad_input(tmp_path, make_wav, capsys):
    with pytest.raises(DemiurgeError, match="no audio files found"):
        empty = tmp_path / "empty"
        empty.mkdir()
        UNAGANTrainer(audio=empty, out=tmp_path / "r", max_steps=1, eval_every=1, use_wandb=False).fit()
    audio = write_corpus(make_wav)
    assert main(unagan_args(audio, tmp_path / "r", extra=["--segment-frames", "40"])) == 2
    assert "multiple of 16" in capsys.readouterr().err
    assert main(unagan_args(audio, tmp_path / "r2", extra=["--resume"])) == 2
    assert "no run to resume" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert main(unagan_args(audio, tmp_path / "r3", extra=["--device", "cuda"])) == 2
        assert "no CUDA device is available here; use --device cpu" in capsys.readouterr().err


def test_default_unagan_trains_on_recordings_and_generates(tmp_path, material, capsys):
    """The CPU-sized defaults (no size flags) through the CLI on rendered recordings, then
    ``demiurge generate`` with a vocoder run; ``--size paper`` stores the original's settings."""
    from export_fixtures import make_vocoder_run

    run_dir = tmp_path / "run"
    base = ["train", "unagan", "--audio", str(material.folder[-20]), "--device", "cpu", "--no-wandb", "--no-export"]
    assert main(base + ["-o", str(run_dir), "--max-steps", "4", "--eval-every", "2"]) == 0
    config = Run.open(run_dir).config
    assert config["unagan"]["channels"] == 64 and config["unagan"]["d_channels"] == 32
    train = config["train"]
    assert (train["batch_size"], train["segment_frames"], train["lr"]) == (16, 64, 1e-3)
    val = [r for r in metrics(run_dir) if "val_frechet" in r]
    assert [r["step"] for r in val] == [2, 4] and all(r["val_frechet"] > 0 for r in val)
    best = Run.open(run_dir).manifest["checkpoints"]["best"]
    assert best["metric"] == pytest.approx(min(r["val_frechet"] for r in val))

    make_vocoder_run(tmp_path / "vocoder")
    out = tmp_path / "generated"
    assert main(["generate", "--unagan", str(run_dir), "--vocoder", str(tmp_path / "vocoder"), "-n", "2",
                 "--duration", "0.5", "--seed", "3", "-o", str(out)]) == 0
    from demiurge.data.audio import load_audio

    audios = [load_audio(p, sample_rate=44100) for p in sorted(out.glob("*.wav"))]
    assert len(audios) == 2 and all(a.shape == (22050,) and np.all(np.isfinite(a)) for a in audios)
    assert not np.allclose(audios[0], audios[1])

    paper = tmp_path / "paper"
    assert main(base + ["-o", str(paper), "--size", "paper", "--max-steps", "1", "--eval-every", "1",
                        "--batch-size", "1", "--segment-frames", "32"]) == 0
    config = Run.open(paper).config
    assert config["unagan"]["channels"] == 512 and config["train"]["lr"] == 1e-4
    assert config["train"]["batch_size"] == 1 and config["train"]["segment_frames"] == 32
    capsys.readouterr()
