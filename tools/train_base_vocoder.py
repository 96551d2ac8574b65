"""Train the base vocoder that ships in the package, and write it there.

    python tools/train_base_vocoder.py WORK_DIR [--minutes 50] [--threads 1] [--from-package]
                                       [--lr LR] [--package-only]

1. ``WORK_DIR/corpus``: the broad synthesised corpus (``tools/make_vocoder_corpus.py``: all
   GM programs and the drum kit, espeak-ng voices, noise and hits; four programs and one
   voice held out), made once.
2. ``WORK_DIR/run``: ``demiurge train vocoder --arch istft --from-scratch`` on its training
   part for ``--minutes`` more minutes of this machine; run the command again to continue
   where it stopped (it resumes the run, the step and the batch order). The CPU seconds of all
   sessions add up in ``WORK_DIR/cpu.json``. With ``--from-package`` a new run starts from the
   base already in the package instead (on a machine without the earlier run folder): its
   steps and CPU time are counted on from the packaged card's. ``--lr`` sets a new run's
   learning rate (a lower one anneals a base that has stopped improving); a resumed run keeps
   its own.
3. ``demiurge/models/weights/istft-base.pt`` (the best checkpoint's generator and
   discriminator in float16, the mel statistics, the settings) and ``istft-base.json`` (the
   card: recipe, steps, CPU time, data). Both go in git; the weights stay under 20 MB.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import torch

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tools"
MAX_BYTES = 20 * 1024 * 1024
RECIPE = ["--arch", "istft", "--batch-size", "8", "--segment", "8192", "--eval-every", "250"]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_corpus(work: Path) -> Path:
    corpus = work / "corpus"
    if not (corpus / "corpus.json").exists():
        subprocess.run([sys.executable, str(TOOLS / "make_vocoder_corpus.py"), str(corpus)], check=True)
    return corpus


def train(work: Path, corpus: Path, minutes: float, threads: int, from_package: bool,
          lr: Optional[float] = None) -> None:
    run = work / "run"
    resume = (run / "manifest.json").exists()
    ledger = work / "cpu.json"
    if not resume and not ledger.exists():
        ledger.write_text(json.dumps(_prior(from_package), indent=1) + "\n")
    command = [sys.executable, "-m", "demiurge.cli", "train", "vocoder", "-o", str(run),
               "--max-steps", "1000000", "--max-minutes", str(minutes), "--threads", str(threads),
               "--no-wandb", "--no-export"]
    start = ["--audio", str(corpus / "train")] + RECIPE + ([] if from_package else ["--from-scratch"])
    start += [] if lr is None else ["--lr", str(lr)]
    command += ["--resume"] if resume else start
    print(("resuming " if resume else "starting ") + f"the base vocoder run in {run} for {minutes:g} min",
          flush=True)
    before, started = _cpu_seconds(), time.time()
    try:
        subprocess.run(command, check=True)
    finally:   # an interrupted session's time counts too (its latest checkpoint is kept)
        spent = json.loads(ledger.read_text())
        spent["cpu_seconds"] += _cpu_seconds() - before
        spent["wall_seconds"] += time.time() - started
        ledger.write_text(json.dumps(spent, indent=1) + "\n")


def _prior(from_package: bool) -> dict:
    """What a new run starts on: nothing, or the packaged base's steps and CPU time."""
    if not from_package:
        return {"cpu_seconds": 0.0, "wall_seconds": 0.0, "prior_steps": 0, "prior_gan_steps": 0}
    from demiurge.models.pretrained import base_card

    card = base_card()
    return {"cpu_seconds": float(card["cpu_seconds"]), "wall_seconds": float(card["wall_seconds"]),
            "prior_steps": int(card["steps"]), "prior_gan_steps": int(card["gan_steps"]),
            "history": list(card.get("history", []))}


def package(work: Path, threads: int, checkpoint: str = "best") -> None:
    from demiurge.models.pretrained import BASE_CARD, BASE_VOCODER
    from demiurge.runs import Run

    run = Run.open(work / "run")
    which = run.choose_checkpoint(checkpoint)
    state = run.load_checkpoint(which)
    config = state["config"]
    half = lambda weights: {k: v.half() if v.is_floating_point() else v for k, v in weights.items()}
    BASE_VOCODER.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": {k: config[k] for k in ("arch", "generator", "discriminator", "mel")},
                "stats": state["stats"], "generator": half(state["generator"]),
                "discriminator": half(state["discriminator"])}, BASE_VOCODER)
    size = BASE_VOCODER.stat().st_size
    if size > MAX_BYTES:
        sys.exit(f"{BASE_VOCODER} is {size / 1e6:.1f} MB, over the 20 MB the package allows")
    corpus = json.loads((work / "corpus" / "corpus.json").read_text())
    ledger = work / "cpu.json"
    spent = json.loads(ledger.read_text()) if ledger.exists() else {}
    train = config["train"]
    prior = int(spent.get("prior_steps", 0))
    steps = prior + int(state["step"])
    gan_start = 0 if train.get("init") else int(train.get("gan_start", 0))
    gan_steps = int(spent.get("prior_gan_steps", 0)) + max(0, int(state["step"]) - gan_start)
    recipe = ("python tools/train_base_vocoder.py WORK_DIR (demiurge train vocoder " + " ".join(RECIPE)
              + " --from-scratch, resumed across sessions"
              + (f"; from step {prior}, continued from the packaged base with --from-package)" if prior else ")"))
    card = {
        "name": "istft-base",
        "what": "the base vocoder every `demiurge train vocoder` (arch istft, default mel) starts from",
        "arch": config["arch"], "generator": config["generator"], "discriminator": config["discriminator"],
        "mel": config["mel"],
        "recipe": recipe,
        "training": {k: train[k] for k in ("batch_size", "segment_samples", "lr", "betas", "optimizer",
                                           "mel_weight", "stft_weight", "fm_weight", "advance_weight",
                                           "magnitude_weight", "gan_start", "gan_batch") if k in train},
        "history": spent.get("history", []) + [_chapter(prior, steps, config)],
        "checkpoint": which, "steps": steps, "gan_steps": gan_steps,
        "validation_mel_l1": state.get("metric"),
        "cpu_seconds": round(spent.get("cpu_seconds", 0.0)),
        "wall_seconds": round(spent.get("wall_seconds", 0.0)),
        "threads": threads,
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}, no GPU",
        "torch": torch.__version__,
        "data": {"files": len(corpus["files"]),
                 "minutes": round(sum(f["seconds"] for f in corpus["files"]) / 60, 1),
                 "held_out": corpus["held_out"],
                 "sources": "fluidsynth + TimGM6mb: GM programs 0-127 and the drum kit, 3 octaves, "
                            "velocities 40/80/120, rests; espeak-ng: 24 languages, voice variants; "
                            "white/pink/brown noise envelopes, clicks and hits; peaks -6 to -30 dBFS"},
        "weights_bytes": size,
    }
    BASE_CARD.write_text(json.dumps(card, indent=1) + "\n")
    print(f"wrote {BASE_VOCODER} ({size / 1e6:.1f} MB, step {steps} of the {which} checkpoint) and {BASE_CARD}")


def _chapter(first: int, last: int, config: dict) -> str:
    """One line of the card's history: the steps this run trained and with what."""
    train, phase = config["train"], config["generator"].get("phase", "absolute")
    losses = ", ".join(f"{name} x{train[key]:g}" for key, name in (
        ("mel_weight", "mel L1"), ("stft_weight", "MR-STFT"), ("advance_weight", "phase advance"),
        ("magnitude_weight", "log-magnitude"), ("fm_weight", "feature matching")) if train.get(key))
    start = "from the packaged base" if first else "from scratch"
    return f"steps {first:,}-{last:,}: {start}, {phase} phase head, lr {train['lr']:g}; {losses}, hinge GAN"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path, help="folder for the corpus, the run and the CPU ledger")
    parser.add_argument("--minutes", type=float, default=50.0,
                        help="minutes to train in this session (default: 50)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default: 1)")
    parser.add_argument("--from-package", action="store_true",
                        help="start a new run from the base in the package (not from scratch); "
                             "its steps and CPU time continue the packaged card's")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate of a new run (default: the istft family's, 5e-4)")
    parser.add_argument("--package-only", action="store_true",
                        help="write the package's weights from the run as it is, without training")
    parser.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                        help="the run's checkpoint to package (default: best, the lowest held-out "
                             "mel L1 of the run's own small validation; compare both with "
                             "tools/bench_vocoder_quality.py)")
    args = parser.parse_args(argv)
    corpus = make_corpus(args.work)
    if not args.package_only:
        train(args.work, corpus, args.minutes, args.threads, args.from_package, args.lr)
    package(args.work, args.threads, args.checkpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
