"""Training runs unchanged under torchrun: 2 CPU processes (gloo) end with identical weights,
and only rank 0 writes the run directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from demiurge.runs import Run
from synth_helpers import write_corpus


def test_two_process_training_agrees(tmp_path, make_wav):
    audio = write_corpus(make_wav)
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).parents[1])] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           str(Path(__file__).parent / "ddp_worker.py"), str(audio), str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ranks = [torch.load(out / f"rank{r}.pt") for r in (0, 1)]
    for name in ("vocoder", "vocoder_d", "unagan", "unagan_d"):
        a, b = ranks[0][name], ranks[1][name]
        assert a.keys() == b.keys()
        for key in a:
            torch.testing.assert_close(a[key], b[key], atol=0, rtol=0, msg=f"{name}.{key} differs")
    # Rank 0 wrote the run, and its latest checkpoint holds the weights both ranks ended with.
    run = Run.open(out / "vocoder")
    assert run.manifest["checkpoints"]["latest"]["step"] == 3
    saved = run.load_checkpoint("latest")["generator"]
    for key, value in ranks[1]["vocoder"].items():
        torch.testing.assert_close(saved[key], value, atol=0, rtol=0)
    assert (out / "unagan" / "metrics.jsonl").read_text().count('"step": 3') >= 1
    assert sorted(p.name for p in out.iterdir()) == ["rank0.pt", "rank1.pt", "unagan", "vocoder"]
