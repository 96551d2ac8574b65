"""Vocoder export: `forward` (resynthesis), `encode` (audio -> mel) and `decode` (mel -> audio)
stream exactly as the offline models, through nn~'s call sequence, for every generator
family, default and non-default mel settings."""

from __future__ import annotations

import pytest
import torch

from demiurge.cli import main
from demiurge.dsp import LogMel, MelConfig
from demiurge.models.loading import load_vocoder
from demiurge.plugin.from_runs import export_run
from demiurge.plugin.host import NNHost, load_card
from export_fixtures import VOCODER_CONFIGS, held, make_vocoder_run, signal

WIDE_MEL = MelConfig(n_fft=2048, n_mels=64, fmax=16000.0)
BUFSIZES = (256, 512, 2048, 8192)   # the highest ratio (256) up to 8192


def _close(got: torch.Tensor, want: torch.Tensor, latency: int, what: str) -> None:
    n = min(got.shape[-1] - latency, want.shape[-1])
    err = float((got[..., latency:latency + n] - want[..., :n]).abs().max())
    assert err < 1e-4, f"{what}: max difference {err:.3g}"


@pytest.mark.parametrize("arch, mel", [(arch, MelConfig()) for arch in sorted(VOCODER_CONFIGS)]
                         + [("hifigan-rt", WIDE_MEL)],
                         ids=sorted(VOCODER_CONFIGS) + ["hifigan-rt-wide-mel"])
def test_vocoder_export_streams_exactly(tmp_path, arch, mel):
    run = make_vocoder_run(tmp_path / "voc", arch, mel=mel)
    path = export_run(run, tmp_path / "out")[0]
    card = load_card(path)
    methods = {m["name"]: m for m in card["methods"]}
    hop = mel.hop_length
    assert methods["encode"]["out_ratio"] == hop and methods["decode"]["in_ratio"] == hop
    assert methods["encode"]["out_channels"] == mel.n_mels == methods["decode"]["in_channels"]
    assert card["source"]["training_steps"] == 11 and card["source"]["arch"] == arch
    generator = load_vocoder(run.path).generator
    latency = methods["forward"]["latency"]
    assert latency == generator.latency_samples == methods["decode"]["latency"]

    audio = signal(0.56, sr=mel.sample_rate, batch=2)[:, :, :3 * 8192]
    logmel = LogMel(mel)(audio[:, 0])
    with torch.no_grad():
        resynth = generator(logmel)
    for bufsize in BUFSIZES:
        _close(NNHost(path).stream("forward", audio, bufsize), resynth, latency, f"forward @{bufsize}")
        enc = NNHost(path).stream("encode", audio, bufsize)
        _close(enc[:, :, ::hop], logmel, 0, f"encode @{bufsize}")
        dec = NNHost(path).stream("decode", held(logmel, hop), bufsize)
        _close(dec, resynth, latency, f"decode @{bufsize}")


def test_vocoder_methods_keep_separate_state(tmp_path):
    """One loaded model running two methods in turn (as a host test might) stays exact."""
    run = make_vocoder_run(tmp_path / "voc")
    host = NNHost(export_run(run, tmp_path / "out")[0])
    audio = signal(0.2, batch=1)[:, :, :4096]
    mel = LogMel(MelConfig())(audio[:, 0])
    generator = load_vocoder(run.path).generator
    outs = []
    for i in range(4):
        block = audio[:, :, i * 1024:(i + 1) * 1024]
        outs.append(host.perform("forward", block))
        host.perform("encode", block)
    with torch.no_grad():
        _close(torch.cat(outs, 2), generator(mel), generator.latency_samples, "interleaved")


def test_vocoder_export_refuses_what_cannot_stream(tmp_path, capsys):
    run = make_vocoder_run(tmp_path / "centre", mel=MelConfig(padding="center"))
    assert main(["export", str(run.path), "-o", str(tmp_path / "out")]) == 2
    assert "centre-padded mel" in capsys.readouterr().err
    import json

    from demiurge.runs import Run

    acausal = make_vocoder_run(tmp_path / "acausal")
    state = acausal.load_checkpoint("best")
    state["config"]["generator"] = dict(state["config"]["generator"], causal=False)
    Run.open(acausal.path).save_checkpoint(state, step=12, epoch=1, best=True)
    assert main(["export", str(acausal.path), "-o", str(tmp_path / "out")]) == 2
    assert "non-causal layers" in capsys.readouterr().err
    assert not list((tmp_path / "out").glob("*.ts")), json.dumps("nothing half-written")
