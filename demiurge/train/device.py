"""Choosing the torch device for training (``--device``)."""

from __future__ import annotations

import torch

from demiurge.errors import DemiurgeError


def pick_device(name: str) -> torch.device:
    """``auto`` (cuda when present, else cpu), ``cpu``, ``cuda`` or ``cuda:N``."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DemiurgeError(f"--device {name}: no CUDA device is available here; use --device cpu")
    try:
        return torch.device(name)
    except RuntimeError:
        raise DemiurgeError(f"--device {name!r} is not a device; use auto, cpu or cuda") from None
