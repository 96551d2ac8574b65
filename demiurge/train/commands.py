"""``demiurge train MODEL ...``: one sub-command per trainable model. Each trainer module
exposes ``register(train_subparsers)``; add it to TRAINERS."""

from __future__ import annotations

import importlib

TRAINERS = (
    "demiurge.train.predictor",
    "demiurge.train.vocoder",
    "demiurge.train.unagan",
)


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a model into a run directory",
                                   description="Train a model; the run directory holds its config, "
                                               "checkpoints, statistics and logs.")
    train_sub = parser.add_subparsers(dest="model", metavar="MODEL", required=True)
    for name in TRAINERS:
        importlib.import_module(name).register(train_sub)
