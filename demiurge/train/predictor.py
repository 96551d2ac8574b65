"""``demiurge train predictor``: train one of the four descriptor predictors on a descriptor DB.

Data: every file of the DB, without its leading and trailing silence (the rule of
:mod:`demiurge.sequencer.context`: forecasts start from sounding frames, so the model learns
from them), is cut into sliding windows of ``window_size + forecast_size``
frames (stride 1). Whole files are held out for validation (``--val-fraction``, chosen with
the seed), so validation measures forecasts of material the model never saw. Features are
z-scored with the mean and standard deviation of the training files' frames; the statistics
are stored with the run (``stats.npz`` and inside every checkpoint).

Training: shuffled mini-batches of windows, Adam, MSE on z-scored frames. One-step models
(``lstm``, ``transformer-encoder``) learn next-frame prediction at every position of the
window (teacher forcing); seq2seq models learn the ``forecast_size`` frames after the first
``window_size``.

Validation and model selection: the forecast task itself, the same for all four models:
roll out ``forecast_size`` frames from the ``window_size`` context frames of each held-out
window and take the MSE (z-scored) against the true frames. The two baselines are measured on
the same windows: **persistence** (repeat the last context frame) and **mean** (the training
mean, 0 in z units). ``checkpoints/best.pt`` has the lowest validation MSE; the final report
(printed, in ``evaluation.json``, in the manifest and in ``metrics.jsonl``) compares it with the
baselines.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError
from demiurge.fileio import atomic_path, read_json, write_json
from demiurge.progress import progress_bar
from demiurge.sequencer.context import trim_silence
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.forecast import RUN_KIND, model_from_checkpoint
from demiurge.sequencer.predictors import HYPERPARAMETERS, MODELS, ONE_STEP, build_predictor
from demiurge.train.device import pick_device
from demiurge.train.logging import RunLogger
from demiurge.train.run import Run

WANDB_PROJECT = "descriptor_model"
MAX_VAL_WINDOWS = 4096  # held-out windows evaluated (evenly spaced) when there are more

# Every option that defines the model or the data, declared once: (default, type, help).
# Defaults follow the original CLI except lr and batch size (see docs/predictors.md).
SETTINGS: Dict[str, Tuple[Any, type, str]] = {
    "model": ("lstm", str, "which predictor"),
    "window_size": (10, int, "context frames the model reads"),
    "forecast_size": (3, int, "frames forecast per step (seq2seq) and in validation"),
    "hidden_size": (100, int, "LSTM hidden units"),
    "num_layers": (3, int, "LSTM / Transformer layers"),
    "dim_pos_encoding": (26, int, "sinusoidal position-code channels"),
    "nhead": (5, int, "attention heads ((features + dim-pos-encoding) must divide by it)"),
    "dim_feedforward": (128, int, "Transformer feed-forward width"),
    "dropout": (0.1, float, "dropout"),
    "lr": (1e-3, float, "Adam learning rate"),
    "batch_size": (64, int, "windows per mini-batch"),
    "seed": (1234, int, "seed for the split, initialisation and batch order"),
    "val_fraction": (0.2, float, "fraction of the DB's files held out for validation"),
}


# ---------------------------------------------------------------------------- data
def split_files(n_files: int, *, val_fraction: float, seed: int) -> Tuple[List[int], List[int]]:
    """Indices of training and held-out files: ``round(val_fraction * n)`` files (at least one)
    are held out, chosen by ``seed``."""
    if not 0.0 < val_fraction < 1.0:
        raise DemiurgeError(f"--val-fraction must be between 0 and 1, not {val_fraction}")
    if n_files < 2:
        raise DemiurgeError(
            f"only {n_files} file(s) long enough for training windows; at least 2 are needed so "
            "that whole files can be held out for validation (describe more audio, or lower "
            "--window-size/--forecast-size)")
    n_val = min(n_files - 1, max(1, int(round(val_fraction * n_files))))
    order = np.random.default_rng(seed).permutation(n_files)
    return sorted(order[n_val:].tolist()), sorted(order[:n_val].tolist())


def zscore_stats(sequences: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation (``float32[F]`` each) over all frames; a
    constant feature gets std 1 so it z-scores to 0."""
    total = sum(s.shape[0] for s in sequences)
    mean = sum(s.astype(np.float64).sum(0) for s in sequences) / total
    var = sum(((s.astype(np.float64) - mean) ** 2).sum(0) for s in sequences) / total
    std = np.sqrt(var)
    std[std < 1e-8] = 1.0
    return mean.astype(np.float32), std.astype(np.float32)


class Windows:
    """Sliding windows of ``length`` frames over z-scored sequences (none cross a file boundary).

    ``batch(indices: int64[B]) -> Tensor[B x length x F]``.
    """

    def __init__(self, sequences: Sequence[np.ndarray], *, length: int, mean: np.ndarray,
                 std: np.ndarray):
        self.length = length
        self.frames = torch.from_numpy(
            np.concatenate([(s - mean) / std for s in sequences]).astype(np.float32))
        starts, first = [], 0
        for s in sequences:
            n = s.shape[0] - length + 1
            if n > 0:
                starts.append(np.arange(first, first + n))
            first += s.shape[0]
        self.starts = torch.from_numpy(np.concatenate(starts) if starts else np.zeros(0, np.int64))
        self._offsets = torch.arange(length)

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    def batch(self, indices: Tensor) -> Tensor:
        rows = self.starts[indices].unsqueeze(1) + self._offsets
        return self.frames[rows]

    def evenly(self, count: int) -> Tensor:
        """At most ``count`` window indices spread evenly over all windows."""
        if len(self) <= count:
            return torch.arange(len(self))
        return torch.from_numpy(np.linspace(0, len(self) - 1, count).round().astype(np.int64))


# ---------------------------------------------------------------------------- losses and metrics
def training_loss(model: nn.Module, windows: Tensor, window_size: int) -> Tensor:
    """MSE of one mini-batch ``windows[B x (W + F) x F]`` (z-scored)."""
    if model.kind == ONE_STEP:
        return torch.mean((model(windows[:, :-1]) - windows[:, 1:]) ** 2)
    return torch.mean((model(windows[:, :window_size]) - windows[:, window_size:]) ** 2)


@torch.no_grad()
def forecast_mse(model: Optional[nn.Module], data: Windows, indices: Tensor, *, window_size: int,
                 device: torch.device, batch_size: int = 512) -> Dict[str, float]:
    """Held-out forecast errors (z-scored MSE over the forecast frames of each window): the
    model's rollout (if ``model``), the persistence and the mean baselines."""
    totals = {"persistence": 0.0, "mean": 0.0}
    if model is not None:
        was_training = model.training
        model.eval()
        totals["model"] = 0.0
    count = 0
    for i in range(0, len(indices), batch_size):
        w = data.batch(indices[i:i + batch_size]).to(device)
        context, target = w[:, :window_size], w[:, window_size:]
        n = target.numel()
        totals["persistence"] += float(((context[:, -1:] - target) ** 2).sum())
        totals["mean"] += float((target ** 2).sum())
        if model is not None:
            totals["model"] += float(((model.rollout(context, target.shape[1], 0.0) - target) ** 2).sum())
        count += n
    if model is not None:
        model.train(was_training)
    return {k: v / max(count, 1) for k, v in totals.items()}


# ---------------------------------------------------------------------------- training
def resolve_settings(given: Dict[str, Any], *, stored: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Fill unset options from the stored config (resume) or the defaults; on resume refuse
    options that would change the model or data."""
    values = {}
    for name, (default, _, _) in SETTINGS.items():
        value = given.get(name)
        if stored is not None:
            old = stored[name]
            if value is not None and value != old:
                flag = "--" + name.replace("_", "-")
                raise DemiurgeError(f"the run was trained with {flag} {old}, not {value}; resume "
                                    f"without {flag}, or start a new run in another folder")
            value = old
        values[name] = default if value is None else value
    return values


def train_predictor(*, out: str | Path, db: Optional[str | Path] = None, resume: bool = False,
                    max_steps: Optional[int] = None, val_every: Optional[int] = None,
                    device: Optional[str] = None, threads: Optional[int] = 1,
                    log: Callable[[str], None] = print, progress: bool = True,
                    export: bool = True, **options: Any) -> Run:
    """Train (or, with ``resume``, continue) a predictor run in ``out``; return the run.

    ``options`` are the :data:`SETTINGS` (``model``, ``window_size``, ...); unset ones take the
    defaults, or on resume the stored values. ``max_steps`` is the total step count to reach
    (default 2000); ``val_every`` (default 200) and ``device`` (default ``auto``) may change
    on resume, and default to the stored values then. ``threads`` sets torch's CPU threads
    while training (1 by default: these small models train fastest on one thread; ``None``
    keeps torch's setting). With ``export`` the best checkpoint is exported for nn~ into
    ``<run>/export/`` at the end.
    """
    previous_threads = torch.get_num_threads()
    if threads is not None:
        if threads < 1:
            raise DemiurgeError(f"--threads must be at least 1, not {threads}")
        torch.set_num_threads(threads)
    try:
        run = _train(out=out, db=db, resume=resume, max_steps=max_steps, val_every=val_every,
                     device=device, log=log, progress=progress, options=options)
        if export:
            from demiurge.plugin.from_runs import export_finished_run

            export_finished_run(run, log=log)
        return run
    finally:
        torch.set_num_threads(previous_threads)


def _train(*, out, db, resume, max_steps, val_every, device, log, progress,
           options: Dict[str, Any]) -> Run:
    unknown = set(options) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown options {sorted(unknown)}")
    out = Path(out)
    stored = None
    if resume:
        run = Run.create(out, kind=RUN_KIND, config={}, resume=True)
        stored = run.config
        if db is not None and Path(db).resolve() != Path(stored["db"]):
            raise DemiurgeError(f"the run was trained on {stored['db']}, not {db}; resume without "
                                "--db or start a new run")
        db = stored["db"]
    elif db is None:
        raise DemiurgeError("--db is required: the descriptor DB to train on "
                            "(make one with `demiurge describe AUDIO_DIR -o DB_DIR`)")
    s = SimpleNamespace(**resolve_settings(options, stored=stored))
    previous = stored or {}
    max_steps = max_steps if max_steps is not None else previous.get("max_steps", 2000)
    val_every = val_every if val_every is not None else previous.get("val_every", 200)
    device = device if device is not None else previous.get("device", "auto")
    if s.model not in MODELS:
        raise DemiurgeError(f"unknown predictor {s.model!r}; choose one of {', '.join(MODELS)}")
    if max_steps < 1 or val_every < 1 or s.batch_size < 1:
        raise DemiurgeError("--max-steps, --val-every and --batch-size must be at least 1")
    dev = pick_device(device)

    # ---- data
    descriptors = DescriptorDB.open(db)
    length = s.window_size + s.forecast_size
    sequences = [(p, trim_silence(x, descriptors.config)) for p, x in descriptors.sequences()]
    usable = [(p, x) for p, x in sequences if x.shape[0] >= length]
    for p, x in sequences:
        if x.shape[0] < length:
            log(f"skipped {p}: {x.shape[0]} frames, fewer than window + forecast ({length})")
    if stored is None:
        train_idx, val_idx = split_files(len(usable), val_fraction=s.val_fraction, seed=s.seed)
        split = {"train": [usable[i][0] for i in train_idx], "val": [usable[i][0] for i in val_idx]}
    else:
        split = read_json(run.file("split"))
    by_path = dict(usable)
    missing = [p for p in split["train"] + split["val"] if p not in by_path]
    if missing:
        raise DemiurgeError(f"{db} no longer holds {missing[0]} (and {len(missing) - 1} more) "
                            "that this run was trained on; start a new run")
    train_seqs = [by_path[p] for p in split["train"]]
    val_seqs = [by_path[p] for p in split["val"]]
    mean, std = zscore_stats(train_seqs)
    train = Windows(train_seqs, length=length, mean=mean, std=std)
    val = Windows(val_seqs, length=length, mean=mean, std=std)
    val_indices = val.evenly(MAX_VAL_WINDOWS)

    # ---- run directory
    hyper = {k: getattr(s, k) for k in HYPERPARAMETERS[s.model]}
    model_config = {"model": s.model, "n_features": descriptors.n_features,
                    "window_size": s.window_size, "forecast_size": s.forecast_size,
                    "hyperparameters": hyper, "mfcc_config": descriptors.config.to_dict()}
    config = dict(vars(s), db=str(Path(db).resolve()), n_features=descriptors.n_features,
                  mfcc_config=descriptors.config.to_dict(), max_steps=max_steps,
                  val_every=val_every, device=device)
    if stored is None:
        run = Run.create(out, kind=RUN_KIND, config=config)
        write_json(run.record_file("split", "split.json", "training and held-out files"), split)
        with atomic_path(run.record_file("stats", "stats.npz",
                                         "z-score statistics of the training frames (mean, std)")) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, mean=mean, std=std)
    else:
        write_json(run.path / run.manifest["config"], dict(stored, max_steps=max_steps,
                                                           val_every=val_every, device=device))
    baselines = forecast_mse(None, val, val_indices, window_size=s.window_size, device=dev)
    run.update(model=s.model, data={"train_files": len(train_seqs), "val_files": len(val_seqs),
                                    "train_windows": len(train), "val_windows": len(val_indices)})
    log(f"{s.model}: {len(train)} training windows from {len(train_seqs)} files, "
        f"{len(val_indices)} held-out windows from {len(val_seqs)} files "
        f"(window {s.window_size} + forecast {s.forecast_size} frames)")

    # ---- model and optimiser
    torch.manual_seed(s.seed)
    model = build_predictor(s.model, n_features=descriptors.n_features,
                            window_size=s.window_size, forecast_size=s.forecast_size, **hyper).to(dev)
    optimiser = torch.optim.Adam(model.parameters(), lr=s.lr)
    order = torch.Generator().manual_seed(s.seed)
    step = epoch = position = 0
    best = math.inf
    if stored is not None:
        state = run.load_checkpoint("latest")
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        order.set_state(state["order_state"])
        step, epoch, position, best = state["step"], state["epoch"], state["position"], state["best"]
        log(f"resuming run {run.id} at step {step}, epoch {epoch}")
    stats = {"mean": mean.tolist(), "std": std.tolist()}

    def checkpoint(val_mse: Optional[float]) -> None:
        nonlocal best
        is_best = val_mse is not None and val_mse < best
        if is_best:
            best = val_mse
        run.save_checkpoint({"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                             "model_config": model_config, "stats": stats,
                             "order_state": epoch_state, "position": position, "best": best},
                            step=step, epoch=epoch, metric=val_mse, best=is_best)

    logger = RunLogger(run, project=WANDB_PROJECT, config=run.config)
    bar = progress_bar(total=max_steps, initial=step, desc=f"train {s.model}", unit="step",
                       disable=not progress)
    model.train()
    epoch_state = order.get_state()
    perm = torch.randperm(len(train), generator=order)
    started, steps_done, running = time.perf_counter(), 0, None
    if step >= max_steps:
        log(f"the run is already at step {step} (--max-steps {max_steps}); evaluating only")
    try:
        while step < max_steps:
            if position >= len(perm):
                epoch += 1
                position = 0
                epoch_state = order.get_state()
                perm = torch.randperm(len(train), generator=order)
            batch = train.batch(perm[position:position + s.batch_size]).to(dev)
            loss = training_loss(model, batch, s.window_size)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            position += s.batch_size
            step += 1
            steps_done += 1
            value = loss.item()
            running = value if running is None else 0.95 * running + 0.05 * value
            bar.update(1)
            bar.set_postfix(loss=f"{running:.4f}", best_val=f"{best:.4f}" if best < math.inf else "-")
            if step % 50 == 0:
                logger.log({"train/loss": value, "epoch": epoch}, step=step)
            if step % val_every == 0 or step == max_steps:
                errors = forecast_mse(model, val, val_indices, window_size=s.window_size, device=dev)
                logger.log({"val/mse": errors["model"]}, step=step)
                checkpoint(errors["model"])
    except KeyboardInterrupt:
        bar.close()
        checkpoint(None)
        logger.close()
        log(f"interrupted at step {step}: latest checkpoint saved in {run.path}; "
            "continue with --resume")
        raise
    finally:
        bar.close()
    elapsed = time.perf_counter() - started
    if steps_done:
        log(f"{steps_done} steps in {elapsed:.1f} s ({steps_done / elapsed:.1f} steps/s)")

    # ---- final report on held-out windows, with the best checkpoint
    if not run.has_checkpoint("best"):
        logger.close()
        raise DemiurgeError(f"{run.path} has no checkpoint yet; raise --max-steps")
    best_state = run.load_checkpoint("best")
    best_model = model_from_checkpoint(best_state).to(dev)
    errors = forecast_mse(best_model, val, val_indices, window_size=s.window_size, device=dev)
    evaluation = {
        "windows": len(val_indices), "files": len(val_seqs), "forecast_frames": s.forecast_size,
        "step": best_state["step"], "model_mse": errors["model"],
        "persistence_mse": errors["persistence"], "mean_mse": errors["mean"],
        "beats_persistence": errors["model"] < errors["persistence"],
        "beats_mean": errors["model"] < errors["mean"],
    }
    write_json(run.record_file("evaluation", "evaluation.json",
                               "held-out forecast MSE (z-scored) of the best checkpoint and the "
                               "persistence and mean baselines"), evaluation)
    run.update(evaluation=evaluation, baselines=baselines)
    logger.log({"eval/model_mse": errors["model"], "eval/persistence_mse": errors["persistence"],
                "eval/mean_mse": errors["mean"]}, step=step)
    logger.close()
    log(report(evaluation, model=s.model))
    log(f"run {run.id} in {run.path} (best checkpoint: {run.path / 'checkpoints/best.pt'})")
    return run


def report(evaluation: Dict[str, Any], *, model: str) -> str:
    """The end-of-training table: the model's held-out MSE next to the two baselines."""
    e = evaluation
    lines = [f"held-out forecast MSE (z-scored, {e['forecast_frames']} frames ahead, "
             f"{e['windows']} windows from {e['files']} files):",
             f"  {model + ' (step ' + str(e['step']) + ')':<28} {e['model_mse']:.4f}",
             f"  {'persistence baseline':<28} {e['persistence_mse']:.4f}"
             f"   model/persistence = {e['model_mse'] / max(e['persistence_mse'], 1e-12):.3f}",
             f"  {'mean baseline':<28} {e['mean_mse']:.4f}"
             f"   model/mean = {e['model_mse'] / max(e['mean_mse'], 1e-12):.3f}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- CLI
def register(train_subparsers) -> None:
    p = train_subparsers.add_parser(
        "predictor", help="train a descriptor predictor on a descriptor DB",
        description="Train one of the four descriptor predictors (lstm, lstm-encdec, "
                    "transformer-encoder, transformer) on a descriptor DB. Whole files are held "
                    "out for validation; the end report compares the model with the persistence "
                    "and mean baselines on them.")
    p.add_argument("--db", help="descriptor DB folder (from `demiurge describe`); "
                                "optional with --resume")
    p.add_argument("-o", "--out", required=True, help="run directory to create (or resume)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out (its step and epoch counters go on)")
    p.add_argument("--max-steps", type=int, help="total training steps to reach "
                   "(default: 2000; on --resume the stored value)")
    p.add_argument("--val-every", type=int, help="validate and checkpoint every N steps "
                   "(default: 200; on --resume the stored value)")
    p.add_argument("--device", help="auto, cpu or cuda (default: auto; on --resume the stored value)")
    p.add_argument("--threads", type=int, default=1,
                   help="CPU threads for torch (default: %(default)s: these small models train "
                        "fastest on one thread, and it leaves the other cores free)")
    for name, (default, kind, text) in SETTINGS.items():
        flag = "--" + name.replace("_", "-")
        extra = {"choices": list(MODELS)} if name == "model" else {}
        p.add_argument(flag, type=kind, default=None, help=f"{text} (default: {default})", **extra)
    p.add_argument("--no-export", dest="export", action="store_false",
                   help="do not export the best checkpoint for nn~ into RUN/export/ at the end")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    options = {name: getattr(args, name) for name in SETTINGS}
    train_predictor(out=args.out, db=args.db, resume=args.resume, max_steps=args.max_steps,
                    val_every=args.val_every, device=args.device, threads=args.threads,
                    export=args.export, **options)
    return 0
