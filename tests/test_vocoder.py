"""`demiurge train vocoder` through the real CLI on synthesised audio (tiny models)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import soundfile as sf
import torch

from demiurge.cli import main
from demiurge.dsp import LogMel
from demiurge.dsp.stft_distance import mr_stft_distance
from demiurge.errors import DemiurgeError
from demiurge.models.loading import load_vocoder
from demiurge.runs import Run
from demiurge.train.vocoder import VocoderTrainer
from synth_helpers import metrics, vocoder_args, write_corpus


def best_sample_matches_reload(run_dir):
    """The reloaded best generator re-creates the sample written at the best step."""
    trained = load_vocoder(run_dir)
    generator, mel_config, stats, card = trained.generator, trained.mel, trained.stats, trained.card
    best_step = Run.open(run_dir).manifest["checkpoints"]["best"]["step"]
    reference, _ = sf.read(run_dir / "samples/reference.wav", dtype="float32")
    saved, _ = sf.read(run_dir / f"samples/step_{best_step:08d}.wav", dtype="float32")
    with torch.no_grad():
        audio = generator(LogMel(mel_config)(torch.from_numpy(reference)[None]))[0, 0].numpy()
    # 1e-5: the iSTFT head's mel fit turns the float rounding of the mel (computed here alone,
    # there with the run's validation batch) into gains
    np.testing.assert_allclose(audio, saved, atol=1e-5)
    assert card["step"] == best_step and card["arch"] == Run.open(run_dir).config["arch"]
    torch.testing.assert_close(stats["mean"], generator.mel_mean)
    stored = json.loads(Run.open(run_dir).file("stats").read_text())
    torch.testing.assert_close(torch.tensor(stored["std"]), stats["std"])


@pytest.mark.parametrize("arch", ["melgan", "hifigan-v1", "hifigan-v2", "hifigan-v3", "hifigan-rt", "istft"])
def test_each_arch_trains_and_reloads(arch, tmp_path, make_wav):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    assert main(vocoder_args(audio, run_dir, arch=arch)) == 0
    rows = metrics(run_dir)
    losses = [r for r in rows if "loss_g" in r]
    assert losses and all(math.isfinite(v) for r in losses for v in r.values())
    assert any("val_mel_l1" in r for r in rows)
    assert (run_dir / "samples/step_00000002.png").stat().st_size > 1000
    best_sample_matches_reload(run_dir)


def test_resume_continues_counters_and_new_run_is_refused(tmp_path, make_wav, capsys):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    with_wandb = [a for a in vocoder_args(audio, run_dir) if a != "--no-wandb"]
    assert main(with_wandb) == 0
    first = Run.open(run_dir)
    assert first.manifest["checkpoints"]["latest"]["step"] == 2
    assert list((run_dir / "wandb").glob(f"offline-run-*-{first.id}"))  # offline wandb run named by the id

    assert main(vocoder_args(audio, run_dir, steps=4)) == 2
    assert "already holds a run; pass --resume" in capsys.readouterr().err

    assert main(vocoder_args(audio, run_dir, steps=4, extra=["--resume"])) == 0
    resumed = Run.open(run_dir)
    assert resumed.id == first.id
    assert resumed.manifest["checkpoints"]["latest"]["step"] == 4
    steps = [r["step"] for r in metrics(run_dir) if "val_mel_l1" in r]
    assert steps == [2, 4]
    state = resumed.load_checkpoint("latest")
    assert state["step"] == 4 and state["opt_g"]["state"]  # optimiser state carried over


def test_original_layers_train_but_do_not_stream(tmp_path, make_wav):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    assert main(vocoder_args(audio, run_dir, arch="melgan", extra=["--original-layers"])) == 0
    generator = load_vocoder(run_dir).generator
    assert Run.open(run_dir).config["generator"]["gru"] is True
    with pytest.raises(DemiurgeError, match="non-causal"):
        generator.streaming()


def test_centred_mel_is_stored_with_the_run(tmp_path, make_wav):
    audio = write_corpus(make_wav)
    run_dir = tmp_path / "run"
    threads = torch.get_num_threads()
    assert main(vocoder_args(audio, run_dir, extra=["--mel-padding", "center", "--threads", "3"])) == 0
    assert torch.get_num_threads() == threads  # --threads applies to the training only
    mel_config = load_vocoder(run_dir).mel
    assert mel_config.padding == "center"
    best_sample_matches_reload(run_dir)


def test_bad_audio_folders_give_clear_errors(tmp_path, make_wav, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DemiurgeError, match="no audio files found"):
        VocoderTrainer(audio=empty, out=tmp_path / "r1", max_steps=1, eval_every=1, use_wandb=False).fit()

    bad = tmp_path / "bad"
    make_wav("bad/silent.wav", np.zeros(44100, dtype=np.float32))
    (bad / "broken.wav").write_bytes(b"RIFF0000WAVEnot really")
    assert main(vocoder_args(bad, tmp_path / "r2")) == 2
    err = capsys.readouterr().err
    assert "no usable audio (2 file(s) skipped" in err and "Traceback" not in err
    assert not (tmp_path / "r2").exists()  # nothing written for a failed start

    assert main(vocoder_args(tmp_path / "missing", tmp_path / "r3")) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_bad_settings_are_refused(tmp_path, make_wav, capsys):
    audio = write_corpus(make_wav)
    assert main(vocoder_args(audio, tmp_path / "r", extra=["--set", "g.nonsense=1"])) == 2
    assert "unknown HiFiGANConfig setting(s) nonsense" in capsys.readouterr().err
    assert main(vocoder_args(audio, tmp_path / "r", extra=["--set", "g.upsample_rates=[8,8,8]",
                                                            "--set", "g.upsample_kernels=[16,16,16]"])) == 2
    assert "mel hop is 256" in capsys.readouterr().err
    assert main(vocoder_args(audio, tmp_path / "r", extra=["--segment", "1000"])) == 2
    assert "multiple of the hop" in capsys.readouterr().err
    assert main(vocoder_args(audio, tmp_path / "r", arch="istft", extra=["--gan-start", "-5"])) == 2
    assert "--gan-start must be 0 or a positive" in capsys.readouterr().err


def test_a_new_istft_run_starts_from_the_base_vocoder_unless_from_scratch(tmp_path, make_wav, material):
    """The package ships a base vocoder that already makes sound: a new istft run starts from
    it (its resynthesis of a recording it never heard, GM piano at -20 dBFS, is the base's from
    step 0), and --from-scratch starts from random weights (noise under the mel's envelope)."""
    from demiurge.models.pretrained import base_card, base_generator, base_vocoder

    assert base_vocoder() is not None, "the package's base vocoder (models/weights) is missing"
    audio = write_corpus(make_wav)

    def train(name, extra):
        out = tmp_path / name
        assert main(["train", "vocoder", "--audio", str(audio), "-o", str(out), "--max-steps", "1",
                     "--eval-every", "1", "--batch-size", "2", "--segment", "2048", "--lr", "1e-9",
                     "--device", "cpu", "--no-wandb", "--no-export"] + extra) == 0
        return out

    tuned, scratch = train("tuned", []), train("scratch", ["--from-scratch"])
    assert Run.open(tuned).config["train"]["init"]["from"] == "istft-base"
    assert Run.open(tuned).config["train"]["init"]["steps"] == base_card()["steps"]
    assert Run.open(scratch).config["train"]["init"] is None
    x = torch.from_numpy(sf.read(str(material.folder[-20] / "piano.wav"), dtype="float32")[0])[None]
    mel = LogMel()(x)

    def distance(generator):
        """The MR-STFT distance of the resynthesis to the recording (not the mel's: the head's
        mel fit gives even random weights nearly the right mel)."""
        with torch.no_grad():
            y = generator(mel)[:, 0]
        return float(mr_stft_distance(x[:, :y.shape[1]], y))

    base, tuned, scratch = (distance(base_generator()), distance(load_vocoder(tuned).generator),
                            distance(load_vocoder(scratch).generator))
    assert abs(tuned - base) < 0.05 and scratch > base + 1.0, (base, tuned, scratch)


def test_fine_tuning_hands_back_the_base_when_training_only_makes_it_worse(tmp_path, make_wav):
    """Fine-tuning starts at the base's own learning rate (1e-4), and the base itself is scored
    and kept as the step-0 best checkpoint: a run whose steps ruin it (here --lr 0.05) still
    hands back the base as its best vocoder."""
    from demiurge.models.pretrained import base_generator

    audio = write_corpus(make_wav)

    def train(name, steps, extra):
        out = tmp_path / name
        assert main(["train", "vocoder", "--audio", str(audio), "-o", str(out), "--max-steps", str(steps),
                     "--eval-every", "1", "--batch-size", "2", "--segment", "2048",
                     "--device", "cpu", "--no-wandb", "--no-export"] + extra) == 0
        return out

    default, ruined = train("default", 1, []), train("ruined", 2, ["--lr", "0.05"])
    assert Run.open(default).config["train"]["lr"] == 1e-4
    assert Run.open(ruined).config["train"]["lr"] == 0.05
    rows = [r for r in metrics(ruined) if "val_mel_l1" in r]
    assert [r["step"] for r in rows] == [0, 1, 2]
    assert rows[1]["val_mel_l1"] > rows[0]["val_mel_l1"] and rows[2]["val_mel_l1"] > rows[0]["val_mel_l1"]
    assert Run.open(ruined).manifest["checkpoints"]["best"]["step"] == 0
    best, base = load_vocoder(ruined).generator.state_dict(), base_generator().state_dict()
    for key, value in base.items():
        torch.testing.assert_close(best[key], value, msg=key)
