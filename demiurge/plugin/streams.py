"""Helpers for plugins whose methods each need their own streaming state."""

from __future__ import annotations

import copy

from torch import nn


def state_copy(module: nn.Module) -> nn.Module:
    """A copy of ``module`` with its own buffers (streaming state) but the SAME parameters, so
    two methods can stream independently without storing the weights twice in the ``.ts``."""
    return copy.deepcopy(module, memo={id(p): p for p in module.parameters()})
