"""The training loop's settings (:class:`TrainConfig`) and each trainer's defaults, without
torch, so ``demiurge train MODEL --help`` and its argument errors answer at once. The loop
itself is :mod:`demiurge.train.loop`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from demiurge.config_flags import flag_name
from demiurge.dsp.config import _Config, _help
from demiurge.errors import DemiurgeError


@dataclass(frozen=True)
class TrainConfig(_Config):
    """The loop's settings, stored in every run's ``config["train"]`` (beside the model's own
    training settings). Each trainer has its own defaults (:data:`DEFAULTS`)."""

    max_steps: int = field(default=1000, metadata=_help(
        "total optimisation steps to reach (--resume --max-steps N trains up to step N)"))
    eval_every: int = field(default=100, metadata=_help(
        "evaluate, log samples and checkpoint every N steps"))
    max_minutes: float = field(default=0.0, metadata=_help(
        "stop cleanly after M minutes of training in this session, keeping the best and latest "
        "checkpoints (0 = no limit)"))
    batch_size: int = field(default=16, metadata=_help("examples per mini-batch"))
    lr: Optional[float] = field(default=None, metadata=_help("learning rate ('none' = the model's)"))
    seed: int = field(default=0, metadata=_help("seed for the split, initialisation and batches"))
    val_fraction: float = field(default=0.1, metadata=_help(
        "fraction of the training files held out for validation"))
    device: str = field(default="auto", metadata=_help("auto (cuda if present), cpu, cuda, cuda:N"))
    threads: int = field(default=1, metadata=_help(
        "CPU threads for torch while training (0 = torch's default, one per core; 1 suits small "
        "models and machines busy with other jobs)"))

    def __post_init__(self):
        for name in ("max_steps", "eval_every", "batch_size"):
            if getattr(self, name) < 1:
                raise DemiurgeError(f"{flag_name('', name)} must be at least 1, not {getattr(self, name)}")
        if self.threads < 0:
            raise DemiurgeError(f"--threads must be 0 (torch's default) or more, not {self.threads}")
        if not 0.0 < self.val_fraction < 1.0:
            raise DemiurgeError(f"--val-fraction must be between 0 and 1, not {self.val_fraction}")
        if not self.max_minutes >= 0:
            raise DemiurgeError(f"--max-minutes must be 0 (no limit) or a positive number of minutes, "
                                f"not {self.max_minutes}")

    @classmethod
    def of(cls, train: Mapping[str, Any]) -> "TrainConfig":
        """The loop's settings within a run's ``config["train"]``."""
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in train.items() if k in names})


# Settings a resume may change; they are stored back so the next resume continues with them.
SCHEDULE = ("max_steps", "eval_every", "max_minutes", "device", "threads")
# Where the training material lives (absolute paths); a resume may point them elsewhere.
LOCATIONS = ("audio", "db")
TRAIN_FIELDS = tuple(TrainConfig.__dataclass_fields__)


# Each trainer's defaults (``Trainer.defaults``), by the model kind of ``demiurge train KIND``.
DEFAULTS = {
    # The original CLI's, except lr and batch size (see docs/predictors.md).
    "predictor": TrainConfig(max_steps=2000, eval_every=200, batch_size=64, lr=1e-3, seed=1234,
                             val_fraction=0.2),
    "vocoder": TrainConfig(max_steps=200_000, eval_every=1000, batch_size=16, seed=0, val_fraction=0.1),
    # Sized for two CPU cores; --size paper: the original's batch 5 (demiurge/train/unagan.py).
    "unagan": TrainConfig(max_steps=100_000, eval_every=500, batch_size=16, seed=0, val_fraction=0.1),
}
