"""``demiurge train predictor``: train one of the four descriptor predictors on a descriptor DB.

Data: every file of the DB, without its leading and trailing silence (the rule of
:mod:`demiurge.sequencer.context`: forecasts start from sounding frames, so the model learns
from them), is cut into sliding windows of ``window_size + forecast_size``
frames (stride 1). Whole files are held out for validation (``--val-fraction``, chosen with
the seed), so validation measures forecasts of material the model never saw. Features are
z-scored with the mean and standard deviation of the training files' frames; the statistics
are stored with the run (``stats.json`` and inside every checkpoint).

Training runs on the one loop of every model (:class:`demiurge.train.loop.Trainer`): the
same flags, resume, checkpoints, time budget and export. Shuffled mini-batches of windows,
Adam, MSE on z-scored frames. One-step models
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

import math
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError
from demiurge.fileio import read_json, write_json
from demiurge.runs import Run, absolute
from demiurge.sequencer.context import trim_silence
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.forecast import RUN_KIND, load_predictor
from demiurge.sequencer.predictor_config import PredictorConfig
from demiurge.sequencer.predictors import ONE_STEP
from demiurge.train.loop import Trainer
from demiurge.train.settings import DEFAULTS

MAX_VAL_WINDOWS = 4096  # held-out windows evaluated (evenly spaced) when there are more

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
class PredictorTrainer(Trainer):
    """Options: ``db`` (descriptor DB folder) and the fields of
    :class:`~demiurge.sequencer.predictor_config.PredictorConfig`, with the loop's options."""

    kind = RUN_KIND
    project = "descriptor_model"
    best_by = "val/mse"
    defaults = DEFAULTS["predictor"]
    options = ("db",) + tuple(PredictorConfig.__dataclass_fields__)
    prefixes = {"predictor": ""}

    def make_config(self, base: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        base = base or {}
        given = dict(self.given)
        db_path = given.pop("db", None)
        db_path = str(absolute(db_path)) if db_path is not None else base.get("db")
        if db_path is None:
            raise DemiurgeError("--db is required: the descriptor DB to train on "
                                "(make one with `demiurge describe AUDIO_DIR -o DB_DIR`)")
        db = DescriptorDB.open(db_path)
        model = PredictorConfig.from_dict(dict(base.get("predictor", {}), **given))
        return {"model": "predictor", "predictor": model.to_dict(), "n_features": db.n_features,
                "mfcc": db.config.to_dict(), "db": db_path, "train": self.train_section(base.get("train"))}

    def build(self, config, state, run) -> None:
        train, dev = config["train"], self.device
        self.model_config = c = PredictorConfig.from_dict(config["predictor"])
        db = DescriptorDB.open(config["db"])
        length = c.window_size + c.forecast_size
        sequences = [(p, trim_silence(x, db.config)) for p, x in db.sequences()]
        usable = [(p, x) for p, x in sequences if x.shape[0] >= length]
        for p, x in sequences:
            if x.shape[0] < length:
                self.log_main(f"skipped {p}: {x.shape[0]} frames, fewer than window + forecast ({length})")
        if run is None:
            train_idx, val_idx = split_files(len(usable), val_fraction=train["val_fraction"], seed=train["seed"])
            self.split = {"train": [usable[i][0] for i in train_idx], "val": [usable[i][0] for i in val_idx]}
        else:
            self.split = read_json(run.file("split"))
        by_path = dict(usable)
        missing = [p for p in self.split["train"] + self.split["val"] if p not in by_path]
        if missing:
            raise DemiurgeError(f"{config['db']} no longer holds {missing[0]} (and {len(missing) - 1} more) "
                                "that this run was trained on; start a new run")
        train_seqs = [by_path[p] for p in self.split["train"]]
        val_seqs = [by_path[p] for p in self.split["val"]]
        self.mean, self.std = zscore_stats(train_seqs)
        self.train = Windows(train_seqs, length=length, mean=self.mean, std=self.std)
        self.val = Windows(val_seqs, length=length, mean=self.mean, std=self.std)
        self.val_indices = self.val.evenly(MAX_VAL_WINDOWS)
        self.files = {"train_files": len(train_seqs), "val_files": len(val_seqs),
                      "train_windows": len(self.train), "val_windows": len(self.val_indices)}
        self.log_main(f"{c.model}: {len(self.train)} training windows from {len(train_seqs)} files, "
                      f"{len(self.val_indices)} held-out windows from {len(val_seqs)} files "
                      f"(window {c.window_size} + forecast {c.forecast_size} frames)")

        self.model = c.build(n_features=config["n_features"]).to(dev)
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=train["lr"])
        self.order = torch.Generator().manual_seed(train["seed"])
        self.position = 0
        if state is not None:
            self.model.load_state_dict(state["generator"])
            self.optimiser.load_state_dict(state["optimiser"])
            self.order.set_state(state["order_state"])
            self.position = state["position"]
        self.epoch_state = self.order.get_state()
        self.perm = torch.randperm(len(self.train), generator=self.order)
        self.steps_per_epoch = math.ceil(len(self.train) / train["batch_size"])
        self.model.train()

    def on_run(self, run: Run, *, new: bool) -> None:
        super().on_run(run, new=new)
        if new:
            write_json(run.record_file("split", "split.json", "training and held-out files"), self.split)
        run.update(model=self.model_config.model, data=self.files)

    def train_step(self, step: int, generator: torch.Generator) -> Dict[str, float]:
        batch_size = self.config["train"]["batch_size"]
        if self.position >= len(self.perm):   # a new epoch: a new order of the windows
            self.position = 0
            self.epoch_state = self.order.get_state()
            self.perm = torch.randperm(len(self.train), generator=self.order)
        batch = self.train.batch(self.perm[self.position:self.position + batch_size]).to(self.device)
        loss = training_loss(self.model, batch, self.model_config.window_size)
        self.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimiser.step()
        self.position += batch_size
        return {"loss": loss.item()}

    def evaluate(self, step, run, logger) -> Tuple[float, Dict[str, float]]:
        errors = forecast_mse(self.model, self.val, self.val_indices,
                              window_size=self.model_config.window_size, device=self.device)
        return errors["model"], {"val/mse": errors["model"]}

    def statistics(self) -> Dict[str, Any]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    def state(self) -> Dict[str, Any]:
        return {"generator": self.model.state_dict(), "optimiser": self.optimiser.state_dict(),
                "order_state": self.epoch_state, "position": self.position, "stats": self.statistics()}

    def finish(self, run: Run, logger) -> None:
        """The final report on the held-out windows, with the best checkpoint."""
        c = self.model_config
        best = load_predictor(run, which="best")
        errors = forecast_mse(best.model.to(self.device), self.val, self.val_indices,
                              window_size=c.window_size, device=self.device)
        evaluation = {
            "windows": len(self.val_indices), "files": self.files["val_files"],
            "forecast_frames": c.forecast_size, "step": best.step, "model_mse": errors["model"],
            "persistence_mse": errors["persistence"], "mean_mse": errors["mean"],
            "beats_persistence": errors["model"] < errors["persistence"],
            "beats_mean": errors["model"] < errors["mean"],
        }
        write_json(run.record_file("evaluation", "evaluation.json",
                                   "held-out forecast MSE (z-scored) of the best checkpoint and the "
                                   "persistence and mean baselines"), evaluation)
        run.update(evaluation=evaluation,
                   baselines={"persistence": errors["persistence"], "mean": errors["mean"]})
        logger.log({"eval/model_mse": errors["model"], "eval/persistence_mse": errors["persistence"],
                    "eval/mean_mse": errors["mean"]}, step=int(run.checkpoint_entry("latest")["step"]))
        self.log(report(evaluation, model=c.model))


def train_predictor(*, out: str | Path, resume: bool = False, config: Optional[Dict[str, Any]] = None,
                    log: Callable[[str], None] = print, progress: bool = True, export: bool = True,
                    use_wandb: bool = True, **options: Any) -> Run:
    """Train (or, with ``resume``, continue) a predictor run in ``out``; return the run.

    ``options`` are ``db``, the fields of :class:`PredictorConfig` (``model``,
    ``window_size``, ...) and of :class:`TrainConfig` (``max_steps``, ``eval_every``,
    ``max_minutes``, ``device``, ``threads``, ...); unset ones take the defaults, or on resume
    the stored values. With ``export`` the best checkpoint is exported for nn~ into
    ``<run>/export/`` at the end.
    """
    PredictorTrainer(out=out, resume=resume, config=config, log=log, progress=progress,
                     export=export, use_wandb=use_wandb, **options).fit()
    return Run.open(out)


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
