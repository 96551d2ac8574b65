"""`demiurge demo` runs the whole tripartite chain through the real CLI (tiny step counts)."""

from __future__ import annotations

import json

import numpy as np
import soundfile as sf
import torch

from conftest import tone
from demiurge.cli import main


def test_demo_runs_the_whole_chain_on_a_users_folder(tmp_path, capsys):
    corpus = tmp_path / "recordings"
    corpus.mkdir()
    for i, freq in enumerate((110.0, 165.0, 220.0, 330.0)):
        sf.write(str(corpus / f"take{i}.wav"), tone(3.0, freq=freq, seed=i), 44100)
    out = tmp_path / "out"
    assert main(["demo", "-o", str(out), "--corpus", str(corpus), "--predictor-steps", "10",
                 "--synthesis-steps", "4", "--length", "20"]) == 0
    printed = capsys.readouterr().out
    # every artifact is named in the closing table, and exists
    for name in ("demiurge-generated.wav", "demiurge-recorded.wav", "predictor.ts", "vocoder.ts",
                 "unagan.ts", "sequencer.ts", "db-generated", "raw_generated"):
        assert name in printed
    generated = sorted((out / "synthesis" / "raw_generated").glob("*.wav"))
    assert len(generated) == 8
    for source in ("generated", "recorded"):
        audio, rate = sf.read(str(out / f"demiurge-{source}.wav"))
        assert rate == 44100 and audio.shape[0] == 4 * 20 * 1024  # 4 inputs x 20 frames x hop
        assert np.isfinite(audio).all() and np.abs(audio).max() > 1e-3
        assert np.abs(audio).max() <= 1.0
    for path in generated:
        audio, _ = sf.read(str(path))
        assert np.abs(audio).max() <= 1.0 and abs(audio.mean()) < 0.01 * np.sqrt(np.mean(audio ** 2))
    # "every run has an offline wandb run whose id is the run id" (README)
    runs = [out / "synthesis" / "runs" / "vocoder", out / "synthesis" / "runs" / "unagan",
            out / "runs" / "predictor-lstm"]
    for run in runs:
        run_id = json.loads((run / "manifest.json").read_text())["id"]
        assert list((run / "wandb").glob(f"offline-run-*-{run_id}")), run
    matched = json.loads((out / "demiurge-generated.json").read_text())
    assert all(path in {str(p.resolve()) for p in generated} for path in set(matched["_id"]))
    for name in ("predictor", "vocoder", "unagan", "sequencer"):
        module = torch.jit.load(str(out / "export" / f"{name}.ts"))
        assert "forward" in module.get_methods()
    # sequencer.ts holds the corpus described with the live preset: 17.4 ms, not 132.7 ms
    card = json.loads((out / "export" / "sequencer.json").read_text())
    assert card["source"]["db"]["mfcc_config"]["hop_length"] == 256
    assert card["source"]["db"]["mfcc_config"]["delta_causal"] is True
    assert card["methods"][0]["latency"] == 768
