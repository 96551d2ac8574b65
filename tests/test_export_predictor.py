"""Predictor export: `descriptors` and `forward` stream exactly as offline, through nn~'s
call sequence, for every predictor architecture, default and non-default configs."""

from __future__ import annotations

import json

import pytest
import torch

from demiurge.cli import main
from demiurge.dsp import Descriptors, MFCCConfig
from demiurge.dsp.config import MFCC_PRESETS, preset_name
from demiurge.plugin.host import NNHost, check_file, load_card
from demiurge.sequencer.forecast import load_forecaster
from export_fixtures import held, make_predictor_run, signal

SMALL_MFCC = MFCCConfig(hop_length=512, n_mfcc=8, delta_orders=1)   # 16 features at ratio 512


def _bufsizes(highest: int):
    return [b for b in (highest, 2 * highest, 4096, 8192) if b >= highest]


@pytest.mark.parametrize("model", ["lstm", "lstm-encdec", "transformer-encoder", "transformer"])
@pytest.mark.parametrize("mfcc", [MFCCConfig(), SMALL_MFCC, MFCC_PRESETS["live"]],
                         ids=["default", "small", "live"])
def test_predictor_export_streams_exactly(tmp_path, model, mfcc):
    run = make_predictor_run(tmp_path / f"run-{model}", model, mfcc=mfcc)
    assert main(["export", str(run.path), "-o", str(tmp_path / "out")]) == 0
    path = tmp_path / "out" / f"run-{model}.ts"
    card = load_card(path)
    assert card == json.loads(path.with_suffix(".json").read_text())
    hop, n = mfcc.hop_length, mfcc.n_features
    methods = {m["name"]: m for m in card["methods"]}
    assert set(methods) == {"descriptors", "forward"}
    assert (methods["descriptors"]["out_channels"], methods["descriptors"]["out_ratio"]) == (n, hop)
    latency = methods["descriptors"]["latency"]
    assert latency == Descriptors(mfcc).latency_samples
    assert card["source"]["descriptor_preset"] == preset_name(mfcc)
    if mfcc == MFCC_PRESETS["live"]:
        assert latency == 256  # one hop: the rest of the window, no delta look-ahead

    audio = signal(1.2, sr=mfcc.sample_rate)[:, :, : 8192 * 6 // 8192 * 8192]
    offline = Descriptors(mfcc)(audio[:, 0])                     # [1, n, frames]
    reference_fc = load_forecaster(run.path)
    frames = offline[:, :, : audio.shape[2] // hop]
    expected = torch.cat([reference_fc(frames[:, :, t:t + 1], 1) for t in range(frames.shape[2])], 2)

    for bufsize in _bufsizes(hop):
        host = NNHost(path)
        out = host.stream("descriptors", audio, bufsize)           # held at the hop ratio
        got = out[:, :, ::hop]
        shift = latency // hop
        assert torch.allclose(got[:, :, shift:], offline[:, :, : got.shape[2] - shift], atol=1e-4)
        assert got[:, :, :shift].abs().max() == 0                  # before the latency: zeros

        fc_out = NNHost(path).stream("forward", held(frames, hop), bufsize)
        assert torch.allclose(fc_out[:, :, ::hop], expected[:, :, : fc_out.shape[2] // hop],
                              atol=1e-4), f"forward at buffer {bufsize}"


def test_forward_carries_state_and_attributes(tmp_path):
    run = make_predictor_run(tmp_path / "run", "lstm")
    from demiurge.plugin.from_runs import export_run

    path = export_run(run, tmp_path / "out")[0]
    host = NNHost(path)
    assert host.attributes == {"horizon": [1], "temperature": [2]}
    assert host.get_attribute("horizon") == [1]
    assert host.set_attribute("horizon", 0) == -1 and host.set_attribute("horizon", 3) == 0
    assert host.get_attribute("horizon") == [3]
    assert host.set_attribute("temperature", -1.0) == -1
    frames = torch.randn(2, 39, 12)
    out = host.stream("forward", held(frames, 1024), 4096)         # batch 2 (mc.nn~)
    fc = load_forecaster(run.path)
    expected = torch.cat([fc(frames[:, :, t:t + 1], 3)[:, :, 2:] for t in range(12)], 2)
    assert torch.allclose(out[:, :, ::1024], expected, atol=1e-4)


def test_export_by_run_id_records_card_and_manifest(tmp_path, monkeypatch, capsys):
    run = make_predictor_run(tmp_path / "runs" / "my-predictor", "transformer-encoder")
    monkeypatch.chdir(tmp_path)
    assert main(["export", run.id]) == 0                            # default -o export/
    path = tmp_path / "export" / "my-predictor.ts"
    assert f"wrote {path.relative_to(tmp_path)}" in capsys.readouterr().out
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["source"]["run_id"] == run.id and card["source"]["training_steps"] == 7
    assert card["source"]["config"] == run.config and card["sample_rate"] == 44100
    assert card["torch_version"] == torch.__version__
    assert {a["name"]: a["default"] for a in card["attributes"]} == {"horizon": 1, "temperature": 0.0}
    assert check_file(path, strict=True).errors == []
    # Training exports into the run folder: recorded in the manifest.
    from demiurge.plugin.from_runs import export_run
    from demiurge.runs import Run

    export_run(run, run.path / "export")
    assert Run.open(run.path).manifest["files"]["nn~ export my-predictor"]["path"] == "export/my-predictor.ts"


def test_export_errors_are_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "nosuchrun"]) == 2
    assert "no run directory or run id 'nosuchrun'" in capsys.readouterr().err
    from demiurge.runs import Run

    Run.create(tmp_path / "empty", kind="predictor", config={})
    assert main(["export", str(tmp_path / "empty")]) == 2
    assert "has no checkpoint yet" in capsys.readouterr().err
    Run.create(tmp_path / "other", kind="mystery", config={})
    assert main(["export", str(tmp_path / "other")]) == 2
    assert "is a mystery run; demiurge can export" in capsys.readouterr().err


def test_export_finished_run_logs_instead_of_raising(tmp_path):
    from demiurge.plugin.from_runs import export_finished_run
    from demiurge.runs import Run

    lines = []
    run = make_predictor_run(tmp_path / "done", "lstm")
    paths = export_finished_run(run, log=lines.append)
    assert paths == [run.path / "export" / "done.ts"] and paths[0].exists()
    assert lines == [f"nn~ model: {paths[0]} (card: {paths[0].with_suffix('.json')})"]
    empty = Run.create(tmp_path / "empty", kind="predictor", config={})
    assert export_finished_run(empty, log=lines.append) == []
    assert "has no checkpoint yet" in lines[-1]
    unagan = Run.create(tmp_path / "una", kind="unagan", config={})
    assert export_finished_run(unagan, log=lines.append) == []
    assert "--vocoder VOCODER_RUN" in lines[-1]
