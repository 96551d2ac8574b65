"""Turning a trained model into its streaming, scriptable form."""

from __future__ import annotations

import copy

from torch import nn

from demiurge.errors import DemiurgeError


def fold_weight_norm(model: nn.Module) -> nn.Module:
    """Bake every layer's weight normalisation into its weight, in place (same outputs)."""
    for module in model.modules():
        fold = getattr(module, "fold", None)
        if callable(fold):
            fold()
    return model


def is_causal(model: nn.Module) -> bool:
    """True when no layer of ``model`` looks into the future (so it can stream)."""
    return all(bool(getattr(m, "causal", True)) for m in model.modules())


def reset_streaming(model: nn.Module) -> None:
    """Forget the state of every streaming layer (start a new signal)."""
    for module in model.modules():
        if hasattr(module, "streaming") and hasattr(module, "reset"):
            module.reset()


def make_streaming(model: nn.Module, *, what: str = "this model") -> nn.Module:
    """A streaming copy of ``model`` in eval mode: weight norm folded, every layer's
    ``streaming`` flag set and its state reset. Raises if a layer is non-causal."""
    offenders = sorted({type(m).__name__ for m in model.modules() if not getattr(m, "causal", True)})
    if offenders:
        raise DemiurgeError(
            f"{what} uses the originals' non-causal layers ({', '.join(offenders)}), which cannot "
            "run block by block; train it with causal layers (the default) to stream or export it")
    stream = fold_weight_norm(copy.deepcopy(model)).eval()
    for module in stream.modules():
        if hasattr(module, "streaming"):
            module.streaming = True
    reset_streaming(stream)
    return stream
