"""The synthesis half of ``demiurge demo``: the vocoder fine-tuned from the base vocoder in the
package (:mod:`demiurge.models.pretrained`) and a tiny UNAGAN trained on a corpus in a few CPU
minutes, then a handful of generated files (the RAW GENERATED AUDIO DB).

The vocoder starts from a model that already makes sound and adapts to the corpus in 100
steps; the UNAGAN, at its CPU-sized defaults, learns notes and onsets of the corpus in 1500
steps (about 2.5 CPU-minutes; see docs/synthesis.md for its convergence). Training uses
one CPU thread (robust on a machine shared with other jobs), and each run has its offline
wandb run, as every training run does.
Re-running reuses finished runs and an existing generated folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from demiurge.dsp import MelConfig
from demiurge.errors import DemiurgeError
from demiurge.runs import Run
from demiurge.synthesis.generate import MANIFEST, generate
from demiurge.train.unagan import UNAGANTrainer
from demiurge.train.vocoder import VocoderTrainer

VOCODER_STEPS = 100
UNAGAN_STEPS = 1500


def _train(trainer_cls, out: Path, steps: int, log: Callable[[str], None], **kwargs) -> None:
    try:
        run = Run.open(out)
    except DemiurgeError:
        run = None
    if run is None:
        trainer_cls(out=out, max_steps=steps, eval_every=steps // 3, threads=1,
                    export=False, log=log, **kwargs).fit()
        return
    latest = run.checkpoint_entry("latest")
    done = latest["step"] if latest else 0
    if done >= steps:
        log(f"reusing {run.kind} run {run.id} in {out} ({done} steps)")
        return
    trainer_cls(out=out, resume=True, max_steps=steps, eval_every=steps, threads=1,
                export=False, log=log).fit()


def run_synthesis_demo(corpus_dir: str | os.PathLike, out_dir: str | os.PathLike, *,
                       log: Callable[[str], None] = print, n_files: int = 8,
                       duration: float = 4.0, steps: Optional[int] = None) -> Path:
    """Train the tiny vocoder (``out_dir/runs/vocoder``) and UNAGAN (``out_dir/runs/unagan``) on
    ``corpus_dir`` for ``steps`` steps each (default: the demo's own) and generate ``n_files``
    wavs into ``out_dir/raw_generated``; return that folder."""
    vocoder_steps = steps if steps is not None else VOCODER_STEPS
    unagan_steps = steps if steps is not None else UNAGAN_STEPS
    out_dir = Path(out_dir)
    runs = out_dir / "runs"
    mel = MelConfig()
    log(f"synthesis demo: fine-tuning the base vocoder ({vocoder_steps} steps) on {corpus_dir}")
    _train(VocoderTrainer, runs / "vocoder", vocoder_steps, log, audio=corpus_dir, arch="istft", mel=mel,
           batch_size=4, segment=8192)
    log(f"synthesis demo: training UNAGAN ({unagan_steps} steps)")
    _train(UNAGANTrainer, runs / "unagan", unagan_steps, log, audio=corpus_dir, mel=mel)
    raw = out_dir / "raw_generated"
    if (raw / MANIFEST).exists():
        log(f"reusing the generated audio in {raw}")
        return raw
    generate(unagan=runs / "unagan", vocoder=runs / "vocoder", n=n_files, duration=duration, out_dir=raw,
             seed=0, log=log)
    return raw
