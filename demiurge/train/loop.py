"""The one training loop of every trainable model (vocoders, UNAGAN, descriptor predictors):
run directory (new, ``--config FILE`` or ``--resume``), data, DDP, progress bar, logging,
evaluation, checkpoints, a time budget and the nn~ export at the end. A model plugs in as a
:class:`Trainer` subclass that makes its configuration, builds its data and networks and does
one optimisation step.

Configuration: ``make_config(base)`` lays the options that were given explicitly over
``base``: the stored config of the run being resumed, a config given back with ``--config``,
or nothing (the defaults). A resume may change only the schedule (:data:`SCHEDULE`) and where
the data lives; any other given option that differs from the stored run is refused.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np
import torch

from demiurge.config_flags import apply, flag_name
from demiurge.dsp.config import MelConfig
from demiurge.errors import DemiurgeError
from demiurge.fileio import write_json
from demiurge.progress import progress_bar
from demiurge.runs import MANIFEST, Run, absolute
from demiurge.train import distributed
from demiurge.train.corpus import AudioCorpus
from demiurge.train.device import pick_device
from demiurge.train.logging import RunLogger
from demiurge.train.settings import LOCATIONS, SCHEDULE, TRAIN_FIELDS, TrainConfig


def jsonable(config: Dict[str, Any]) -> Dict[str, Any]:
    """``config`` as it reads back from ``config.json`` (tuples become lists)."""
    return json.loads(json.dumps(config))


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


def audio_parts(given: Mapping[str, Any], base: Mapping[str, Any]
                ) -> Tuple[Dict[str, Dict[str, Any]], MelConfig, Dict[str, Any]]:
    """What an audio model's ``make_config`` starts from: (``overrides`` by config section,
    with a given ``mel`` config folded in; the mel config; the stored ``train`` section with
    the given ``audio`` folder, made absolute)."""
    overrides = dict(given.get("overrides") or {})
    if "mel" in given:
        overrides["mel"] = dict(given["mel"].to_dict(), **overrides.get("mel", {}))
    mel = apply(MelConfig.from_dict(base["mel"]) if "mel" in base else MelConfig(), overrides.get("mel"))
    train = dict(base.get("train", {}))
    if "audio" in given:
        train["audio"] = str(absolute(given["audio"]))
    if "audio" not in train:
        raise DemiurgeError("give the training recordings with --audio DIR")
    return overrides, mel, train


def audio_corpus(config: Dict[str, Any], *, min_samples: int, log: Callable[[str], None]) -> AudioCorpus:
    """The training recordings of an audio model's config (``config["train"]["audio"]``)."""
    train = config["train"]
    return AudioCorpus(train["audio"], sample_rate=config["mel"]["sample_rate"], min_samples=min_samples,
                       val_fraction=train["val_fraction"], log=log)


class Trainer:
    """Subclasses set ``kind``, ``project``, ``defaults`` and ``options`` and implement the
    hooks below; :meth:`fit` runs.

    Keyword options (each ``None`` or absent = not given): the fields of :class:`TrainConfig`
    and the trainer's own ``options``. ``config`` is a stored run config to start from (what
    ``--config FILE`` gives); ``resume`` continues the run in ``out``.
    """

    kind = ""
    project = ""
    defaults = TrainConfig()
    options: Tuple[str, ...] = ()
    prefixes: Mapping[str, str] = {}        # config section -> flag prefix (--mel-n-fft)
    set_prefixes: Mapping[str, str] = {}    # config section -> --set prefix (--set g.channels=)
    best_by = ""                            # the measure the best checkpoint minimises
    best_by_before: Optional[str] = None    # what chose it in runs that did not record it
    starts_trained = False                  # set by build(): the weights start from a trained model

    def __init__(self, *, out: str | os.PathLike, resume: bool = False,
                 config: Optional[Mapping[str, Any]] = None, use_wandb: bool = True,
                 export: bool = True, export_vocoder: Optional[str | os.PathLike] = None,
                 progress: bool = True, log: Callable[[str], None] = print, **options: Any):
        unknown = sorted(set(options) - set(TRAIN_FIELDS) - set(self.options))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown options {unknown}")
        given = {k: v for k, v in options.items() if v is not None}
        self.given_train = {k: v for k, v in given.items() if k in TRAIN_FIELDS}
        self.given = {k: v for k, v in given.items() if k not in TRAIN_FIELDS}
        self.out = absolute(out)
        self.resume = resume
        self.base = dict(config) if config is not None else None
        self.use_wandb = use_wandb
        self.export = export
        self.export_vocoder = export_vocoder
        self.progress = progress
        self.log = log

    # ------------------------------------------------------------------ hooks
    def make_config(self, base: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """The full configuration: the given options laid over ``base`` (or the defaults)."""
        raise NotImplementedError

    def build(self, config: Dict[str, Any], state: Optional[Dict[str, Any]], run: Optional[Run]) -> None:
        """Load the data and make networks and optimisers (from ``state`` when resuming;
        ``run`` is the run being resumed). Sets ``self.steps_per_epoch``."""
        raise NotImplementedError

    def train_step(self, step: int, generator: torch.Generator) -> Dict[str, float]:
        raise NotImplementedError

    def evaluate(self, step: int, run: Run, logger: RunLogger) -> Tuple[float, Dict[str, float]]:
        """(metric to minimise, values to log); writes samples into the run. Rank 0 only."""
        raise NotImplementedError

    def state(self) -> Dict[str, Any]:
        """Everything needed to continue training, with ``generator`` (the weights used
        after training) and ``stats``."""
        raise NotImplementedError

    def on_epoch(self, epoch: int) -> None:
        """Called when the epoch counter advances (learning-rate schedules)."""

    def statistics(self) -> Dict[str, Any]:
        """Normalisation statistics written to ``stats.json`` in the run (JSON-able)."""
        raise NotImplementedError

    def on_run(self, run: Run, *, new: bool) -> None:
        """The run directory is ready (rank 0): a new one gets ``stats.json``."""
        if new:
            write_json(run.path / "stats.json", self.statistics())
            run.record_file("stats", "stats.json", "normalisation statistics of the training data "
                            "(per-feature mean and std); also in every checkpoint")

    def finish(self, run: Run, logger: RunLogger) -> None:
        """After the last step (rank 0): a final report, if the model has one."""

    # ------------------------------------------------------------------ configuration
    def train_section(self, base: Optional[Mapping[str, Any]], **model_defaults: Any) -> Dict[str, Any]:
        """``config["train"]``: the trainer's defaults, ``model_defaults``, then ``base``, then
        the given loop options (validated as a :class:`TrainConfig`)."""
        train = dict(self.defaults.to_dict(), **model_defaults)
        train.update(base or {})
        train.update(self.given_train)
        TrainConfig.of(train)
        return train

    def setting(self, section: Optional[str], name: str, value: Any = None) -> str:
        """How a stored setting is typed on the command line (for messages): ``--hidden-size
        8``, ``--mel-n-fft 2048``, ``--set g.channels=64``; without ``value`` only the flag."""
        if section in self.set_prefixes:
            said = f"--set {self.set_prefixes[section]}.{name}"
            return said if value is None else f"{said}={json.dumps(value)}"
        prefix = "" if section in (None, "train") else self.prefixes.get(section, section)
        said = flag_name(prefix, name)
        return said if value is None else f"{said} {value}"

    def refuse_changes(self, stored: Dict[str, Any], config: Dict[str, Any]) -> None:
        """On resume: refuse given options that would change the stored run."""
        for key, old in stored.items():
            new = config.get(key)
            if isinstance(old, dict) and isinstance(new, dict):
                pairs = [(key, k, v, new.get(k)) for k, v in old.items()]
            else:
                pairs = [(None, key, old, new)]
            for section, name, was, now in pairs:
                if section == "train" and name in SCHEDULE + LOCATIONS:
                    continue
                if was != now:
                    raise DemiurgeError(
                        f"the run was trained with {self.setting(section, name, was)}, not "
                        f"{self.setting(section, name, now)}; resume without "
                        f"{self.setting(section, name)}, or start a new run in another folder")

    def check_resumable(self, run: Run, stored: Dict[str, Any]) -> None:
        """Refuse a stored run this version cannot continue (one line saying what to do)."""
        if not isinstance(stored.get("train"), dict):
            raise DemiurgeError(f"{run.path} was trained by an older demiurge whose {self.kind} runs "
                                "cannot be resumed (they still load for predict, generate and "
                                "export); start a new run, e.g. with --config "
                                f"{run.path}")

    # ------------------------------------------------------------------ loop
    def fit(self) -> Path:
        """Train up to ``max_steps`` (or ``max_minutes``); returns the run directory. Torch
        uses ``threads`` CPU threads meanwhile (its setting is restored afterwards)."""
        previous_threads = torch.get_num_threads()
        try:
            return self._fit()
        finally:
            torch.set_num_threads(previous_threads)

    def _configure(self) -> Tuple[Dict[str, Any], Optional[Run], Optional[Dict[str, Any]]]:
        """(config, the run being resumed, its latest checkpoint state)."""
        if not self.resume:
            if (self.out / MANIFEST).exists():
                raise DemiurgeError(f"{self.out} already holds a run; pass --resume to continue it "
                                    "or choose another output folder")
            return jsonable(self.make_config(self.base)), None, None
        run = Run.create(self.out, kind=self.kind, config={}, resume=True)
        stored = run.config
        self.check_resumable(run, stored)
        config = jsonable(self.make_config(stored))
        self.refuse_changes(stored, config)
        state = run.load_checkpoint("latest") if run.has_checkpoint("latest") else None
        return config, run, state

    def _fit(self) -> Path:
        config, resumed, state = self._configure()
        schedule = TrainConfig.of(config["train"])
        if schedule.threads > 0:
            torch.set_num_threads(schedule.threads)
        device = pick_device(schedule.device)
        dist = distributed.setup(device)
        if dist.enabled and device.type == "cuda":
            device = torch.device("cuda", dist.local_rank)
            torch.cuda.set_device(device)
        self.device, self.dist, self.config = device, dist, config
        self.log_main = self.log if dist.main else (lambda _msg: None)
        logger = None
        try:
            torch.manual_seed(schedule.seed)
            self.build(config, state, resumed)
            run = None
            if dist.main:
                if resumed is None:
                    run = Run.create(self.out, kind=self.kind, config=config)
                else:
                    run = resumed
                    if run.config != config:
                        run.write_config(config)
                self.on_run(run, new=resumed is None)
                logger = RunLogger(run, project=self.project, config=config, use_wandb=self.use_wandb)
                self.run_id = run.id
            distributed.barrier(dist)
            if run is None:
                self.run_id = Run.open(self.out).id
            return self._loop(run, logger, schedule, state)
        finally:
            if logger is not None:
                logger.close()

    def _loop(self, run: Optional[Run], logger: Optional[RunLogger], schedule: TrainConfig,
              state: Optional[Dict[str, Any]]) -> Path:
        dist = self.dist
        step = int(state["step"]) if state else 0
        spe = max(1, int(self.steps_per_epoch))
        epoch = step // spe
        best = self._best_so_far(run)
        if step >= schedule.max_steps:
            self.log_main(f"{self.out} is already trained for {step} steps; raise --max-steps to continue")
            return self.out
        if state is not None:
            self.log_main(f"resuming run {self.run_id} at step {step}, epoch {epoch}")
        data_rng = torch.Generator().manual_seed(schedule.seed * 1_000_003 + dist.rank * 7919 + step)
        bar = progress_bar(total=schedule.max_steps, initial=step, disable=not (dist.main and self.progress),
                           desc=f"train {self.kind}", unit="step")
        started = time.monotonic()
        deadline = started + 60.0 * schedule.max_minutes if schedule.max_minutes else None
        first_step = step
        if state is None and self.starts_trained:
            # Step 0 is the starting model itself: training keeps it as the best checkpoint
            # until a later one beats it on the held-out audio.
            if run is not None:
                best, values = self.evaluate(0, run, logger)
                logger.log(values, step=0)
                run.save_checkpoint(self._checkpoint_state(), step=0, epoch=0, metric=best,
                                    metric_name=self.best_by, best=True)
                self.log(f"the starting weights score {self.best_by} {best:.4f} on the held-out audio")
            distributed.barrier(dist)
        try:
            while step < schedule.max_steps:
                losses = self.train_step(step, data_rng)
                step += 1
                if step // spe != epoch:
                    epoch = step // spe
                    self.on_epoch(epoch)
                out_of_time = deadline is not None and distributed.any_rank(
                    time.monotonic() >= deadline, dist, self.device)
                bar.update(1)
                postfix = {k: f"{v:.3f}" for k, v in list(losses.items())[:4]}
                if deadline is not None:
                    postfix["left"] = _clock(deadline - time.monotonic())
                bar.set_postfix(postfix, refresh=False)
                if not all(math.isfinite(v) for v in losses.values()):
                    raise DemiurgeError(f"training diverged at step {step} ({losses}); lower --lr or "
                                        "check the training data")
                evaluate = step % schedule.eval_every == 0 or step == schedule.max_steps or out_of_time
                if logger is not None and (step % 10 == 0 or evaluate):
                    logger.log(dict(losses, epoch=epoch), step=step)
                if evaluate:
                    if run is not None:
                        metric, values = self.evaluate(step, run, logger)
                        logger.log(values, step=step)
                        is_best = best is None or metric < best
                        best = metric if is_best else best
                        run.save_checkpoint(self._checkpoint_state(), step=step, epoch=epoch, metric=metric,
                                            metric_name=self.best_by, best=is_best)
                    distributed.barrier(dist)
                if out_of_time:
                    self.log_main(f"\ntime budget of {schedule.max_minutes:g} min reached at step {step}: "
                                  "best and latest checkpoints kept; continue with --resume")
                    break
        except KeyboardInterrupt:
            if run is not None and step > 0:
                run.save_checkpoint(self._checkpoint_state(), step=step, epoch=epoch)
                self.log(f"\ninterrupted at step {step}: latest checkpoint saved in {run.path}; "
                         "continue with --resume")
            raise
        finally:
            bar.close()
        if run is not None:
            elapsed = time.monotonic() - started
            done = step - first_step
            self.log(f"{self.kind} run {run.id}: {step} steps ({done} in {elapsed:.1f} s, "
                     f"{done / max(elapsed, 1e-9):.1f} steps/s), best metric {best:.4f}; saved in {run.path}")
            self.finish(run, logger)
            if self.export:
                from demiurge.plugin.from_runs import export_finished_run

                export_finished_run(run, vocoder=self.export_vocoder, log=self.log)
        return self.out

    def _best_so_far(self, run: Optional[Run]) -> Optional[float]:
        """The metric of the run's best checkpoint, or None when there is none or when it was
        chosen by another measure than ``best_by`` (the next evaluation then becomes best)."""
        entry = run.checkpoint_entry("best") if run is not None else None
        if entry is None:
            return None
        chosen_by = entry.get("metric_name") or self.best_by_before or self.best_by
        if chosen_by != self.best_by:
            self.log_main(f"the best checkpoint so far (step {entry['step']}) was chosen by {chosen_by}; "
                          f"from now on the best is the one with the lowest {self.best_by}")
            return None
        return entry["metric"]

    def _checkpoint_state(self) -> Dict[str, Any]:
        return dict(self.state(), kind=self.kind, config=self.config, run_id=self.run_id)


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
