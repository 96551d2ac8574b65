"""The one training loop of the generative models: run directory (new or ``--resume``), data,
DDP, progress bar, logging, evaluation and checkpoints. A model plugs in as a
:class:`Trainer` subclass that builds its networks and does one optimisation step."""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch

from demiurge.errors import DemiurgeError
from demiurge.progress import progress_bar
from demiurge.train import distributed
from demiurge.train.corpus import AudioCorpus
from demiurge.train.device import pick_device
from demiurge.train.logging import RunLogger
from demiurge.train.run import MANIFEST, Run


def parse_overrides(items: Sequence[str], sections: Mapping[str, str]) -> Dict[str, Dict[str, Any]]:
    """``["g.channels=32", ...]`` -> ``{"generator": {"channels": 32}}`` (values read as JSON,
    else kept as text); ``sections`` maps each prefix to its config section."""
    out: Dict[str, Dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        prefix, dot, name = key.partition(".")
        if not sep or not dot or prefix not in sections:
            raise DemiurgeError(f"--set {item!r}: write PREFIX.NAME=VALUE with PREFIX one of "
                                f"{', '.join(f'{p} ({s})' for p, s in sections.items())}")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out.setdefault(sections[prefix], {})[name] = parsed
    return out


def apply_overrides(config_cls, base, changes: Optional[Mapping[str, Any]]):
    """``base`` (a config dataclass) with ``changes`` applied; unknown names are refused."""
    if not changes:
        return base
    return config_cls.from_dict(dict(base.to_dict(), **changes))


def save_mel_png(path: Path, panels: List[Tuple[str, np.ndarray]]) -> Path:
    """Mel images (``ndarray[n_mels x F]`` each, one row per panel, all on the colour scale of
    the first) as a PNG, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from demiurge.fileio import atomic_path

    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 2.2 * len(panels)), squeeze=False)
    low, high = float(np.min(panels[0][1])), float(np.max(panels[0][1]))  # one colour scale
    for ax, (title, mel) in zip(axes[:, 0], panels):
        ax.imshow(mel, origin="lower", aspect="auto", interpolation="nearest", cmap="magma", vmin=low, vmax=high)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("mel bin")
    axes[-1, 0].set_xlabel("frame")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)
    return path


def add_common_arguments(parser: argparse.ArgumentParser, *, max_steps: int, eval_every: int,
                         batch_size: int) -> None:
    parser.add_argument("--audio", help="folder of training recordings (RECORDED AUDIO DB); "
                                        "taken from the run when resuming")
    parser.add_argument("-o", "--out", required=True, help="run directory to create (or to resume)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out (its "
                        "stored config; counters continue from its latest checkpoint)")
    parser.add_argument("--max-steps", type=int, default=max_steps,
                        help=f"stop after this many optimisation steps in all (default {max_steps})")
    parser.add_argument("--eval-every", type=int, default=eval_every,
                        help=f"evaluate, log samples and checkpoint every N steps (default {eval_every})")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--lr", type=float, help="learning rate (default: the paper's)")
    parser.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda, cuda:N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for torch (default 0: torch's default, one per core); 1 is "
                             "much faster on a machine whose cores are busy with other jobs")
    parser.add_argument("--mel-padding", choices=("causal", "center"), default="causal",
                        help="mel framing: causal (streams; default) or the original's centred frames")
    parser.add_argument("--no-wandb", action="store_true", help="log to metrics.jsonl only")
    parser.add_argument("--no-export", dest="export", action="store_false",
                        help="do not export the best checkpoint for nn~ into RUN/export/ at the end")
    parser.add_argument("--set", action="append", default=[], metavar="PREFIX.NAME=VALUE",
                        help="override one model setting, e.g. g.channels=64 (repeatable)")


class Trainer:
    """Subclasses set ``kind``/``project`` and implement the hooks below; :meth:`fit` runs."""

    kind = ""
    project = ""

    def __init__(self, *, out: str | os.PathLike, resume: bool = False, device: str = "auto",
                 max_steps: int, eval_every: int, use_wandb: bool = True,
                 audio: Optional[str | os.PathLike] = None, threads: int = 0,
                 export: bool = True, export_vocoder: Optional[str | os.PathLike] = None,
                 log: Callable[[str], None] = print):
        self.out = Path(out)
        self.export = export
        self.export_vocoder = export_vocoder
        self.audio = audio
        self.threads = threads
        self.resume = resume
        self.device_name = device
        self.max_steps = max_steps
        self.eval_every = max(1, eval_every)
        self.use_wandb = use_wandb
        self.log = log

    # ------------------------------------------------------------------ hooks
    def new_config(self) -> Dict[str, Any]:
        """The full configuration of a new run (model, mel, training settings)."""
        raise NotImplementedError

    def min_samples(self, config: Dict[str, Any]) -> int:
        raise NotImplementedError

    def build(self, config: Dict[str, Any], corpus: AudioCorpus, state: Optional[Dict[str, Any]]) -> None:
        """Make networks and optimisers (from ``state`` when resuming)."""
        raise NotImplementedError

    def train_step(self, step: int, generator: torch.Generator) -> Dict[str, float]:
        raise NotImplementedError

    def evaluate(self, step: int, run: Run, logger: RunLogger) -> Tuple[float, Dict[str, float]]:
        """(metric to minimise, values to log); writes samples into the run. Rank 0 only."""
        raise NotImplementedError

    def state(self) -> Dict[str, Any]:
        """Everything needed to continue training (and the generator for inference)."""
        raise NotImplementedError

    def on_epoch(self, epoch: int) -> None:
        """Called when the epoch counter advances (learning-rate schedules)."""

    def statistics(self) -> Dict[str, Any]:
        """Normalisation statistics written to ``stats.json`` in the run (JSON-able)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ loop
    def fit(self) -> Path:
        """Train up to ``max_steps``; returns the run directory. With ``threads`` > 0, torch
        uses that many CPU threads meanwhile (its setting is restored afterwards)."""
        previous_threads = torch.get_num_threads()
        if self.threads > 0:
            torch.set_num_threads(self.threads)
        try:
            return self._fit()
        finally:
            torch.set_num_threads(previous_threads)

    def _fit(self) -> Path:
        device = pick_device(self.device_name)
        dist = distributed.setup(device)
        if dist.enabled and device.type == "cuda":
            device = torch.device("cuda", dist.local_rank)
            torch.cuda.set_device(device)
        self.device, self.dist = device, dist
        logger = None
        try:
            state = None
            if self.resume:
                run = Run.create(self.out, kind=self.kind, config={}, resume=True)
                config = run.config
                if self.audio is not None:
                    config["train"]["audio"] = str(self.audio)
                if run.has_checkpoint("latest"):
                    state = run.load_checkpoint("latest")
            else:
                if (self.out / MANIFEST).exists():
                    raise DemiurgeError(f"{self.out} already holds a run; pass --resume to continue it "
                                        "or choose another output folder")
                config = self.new_config()
            train = config["train"]
            corpus = AudioCorpus(train["audio"], sample_rate=config["mel"]["sample_rate"],
                                 min_samples=self.min_samples(config), val_fraction=train["val_fraction"],
                                 log=self.log if dist.main else (lambda _msg: None))
            torch.manual_seed(train["seed"])
            self.config = config
            self.build(config, corpus, state)
            run = None
            if dist.main:
                run = Run.create(self.out, kind=self.kind, config=config, resume=self.resume)
                if not self.resume:
                    from demiurge.fileio import write_json

                    write_json(run.path / "stats.json", self.statistics())
                    run.record_file("stats", "stats.json", "per-bin mean and std of the training "
                                    "log-mels (z-score normalisation); also in every checkpoint")
                logger = RunLogger(run, project=self.project, config=config, use_wandb=self.use_wandb)
                self.run_id = run.id
            distributed.barrier(dist)
            if run is None:
                self.run_id = Run.open(self.out).id
            return self._loop(run, logger, corpus, state)
        finally:
            if logger is not None:
                logger.close()

    def _loop(self, run: Optional[Run], logger: Optional[RunLogger], corpus: AudioCorpus,
              state: Optional[Dict[str, Any]]) -> Path:
        dist = self.dist
        train = self.config["train"]
        step = int(state["step"]) if state else 0
        steps_per_epoch = max(1, corpus.train_samples // (train["batch_size"] * train["segment_samples"]))
        epoch = step // steps_per_epoch
        best = None
        if run is not None and run.has_checkpoint("best"):
            best = run.manifest["checkpoints"]["best"]["metric"]
        if step >= self.max_steps:
            self.log(f"{self.out} is already trained for {step} steps; raise --max-steps to continue")
            return self.out
        data_rng = torch.Generator().manual_seed(train["seed"] * 1_000_003 + dist.rank * 7919 + step)
        bar = progress_bar(total=self.max_steps, initial=step, disable=not dist.main,
                           desc=f"train {self.kind}", unit="step")
        losses: Dict[str, float] = {}
        try:
            while step < self.max_steps:
                losses = self.train_step(step, data_rng)
                step += 1
                if step // steps_per_epoch != epoch:
                    epoch = step // steps_per_epoch
                    self.on_epoch(epoch)
                bar.update(1)
                bar.set_postfix({k: f"{v:.3f}" for k, v in list(losses.items())[:4]}, refresh=False)
                if not all(math.isfinite(v) for v in losses.values()):
                    raise DemiurgeError(f"training diverged at step {step} ({losses}); lower --lr or "
                                        "check the training audio")
                evaluate = step % self.eval_every == 0 or step == self.max_steps
                if logger is not None and (step % 10 == 0 or evaluate):
                    logger.log(dict(losses, epoch=epoch), step=step)
                if evaluate:
                    if run is not None:
                        metric, values = self.evaluate(step, run, logger)
                        logger.log(values, step=step)
                        is_best = best is None or metric < best
                        best = metric if is_best else best
                        run.save_checkpoint(self._checkpoint_state(), step=step, epoch=epoch, metric=metric,
                                            best=is_best)
                    distributed.barrier(dist)
        except KeyboardInterrupt:
            if run is not None and step > 0:
                run.save_checkpoint(self._checkpoint_state(), step=step, epoch=epoch)
                self.log(f"\ninterrupted: latest checkpoint (step {step}) saved in {run.path}; "
                         "continue with --resume")
            raise
        finally:
            bar.close()
        if run is not None:
            self.log(f"{self.kind} run {run.id}: {step} steps, best metric {best:.4f}; saved in {run.path}")
            if self.export:
                from demiurge.plugin.from_runs import export_finished_run

                export_finished_run(run, vocoder=self.export_vocoder, log=self.log)
        return self.out

    def _checkpoint_state(self) -> Dict[str, Any]:
        return dict(self.state(), kind=self.kind, config=self.config, run_id=self.run_id)
