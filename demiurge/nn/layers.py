"""Stateless pieces and containers that follow the streaming-layer interface
(``forward``, ``reset()``, ``latency``, ``streaming``, ``causal``)."""

from __future__ import annotations

from typing import List, Optional

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class Stateless(nn.Module):
    """Base of the layers without state or delay: ``latency`` 0 and a ``reset()`` with
    nothing to forget. ``causal`` says whether a frame depends only on the past."""

    def __init__(self, *, causal: bool = True):
        super().__init__()
        self.latency = 0
        self.causal = causal

    @torch.jit.export
    def reset(self) -> None:
        pass


class LeakyReLU(Stateless):
    def __init__(self, slope: float = 0.2):
        super().__init__()
        self.slope = slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.slope)


class Tanh(Stateless):
    def __init__(self):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return torch.tanh(x)


class GELU(Stateless):
    def __init__(self):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x)


class Repeat(Stateless):
    """Nearest-neighbour upsampling in time: ``Tensor[B x C x T] -> Tensor[B x C x T * factor]``
    (``repeat_interleave``, which loads in older TorchScript runtimes; ``interpolate`` does not)."""

    def __init__(self, factor: int):
        super().__init__()
        self.factor = factor

    def forward(self, x: Tensor) -> Tensor:
        return torch.repeat_interleave(x, self.factor, dim=2)


class FrameNorm(Stateless):
    """Group normalisation of each time step on its own (over channel groups only): causal,
    so it streams. ``Tensor[B x C x T] -> Tensor[B x C x T]``."""

    def __init__(self, groups: int, channels: int, eps: float = 1e-5):
        super().__init__()
        if channels % groups:
            raise ValueError(f"channels ({channels}) must be a multiple of groups ({groups})")
        self.groups = groups
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        b, c, t = x.shape
        g = x.reshape(b, self.groups, c // self.groups, t)
        mean = g.mean(dim=2, keepdim=True)
        var = (g - mean).square().mean(dim=2, keepdim=True)
        g = (g - mean) / torch.sqrt(var + self.eps)
        return g.reshape(b, c, t) * self.weight.unsqueeze(1) + self.bias.unsqueeze(1)


class GroupNormOverTime(Stateless):
    """The originals' ``GroupNorm``: statistics over channel groups AND the whole time axis,
    so a frame depends on the future. Offline only."""

    def __init__(self, groups: int, channels: int):
        super().__init__(causal=False)
        self.norm = nn.GroupNorm(groups, channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x)


class Identity(Stateless):
    def __init__(self):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Residual(nn.Module):
    """``shortcut(x) + body(x)`` (shortcut: identity unless given, e.g. a 1x1 convolution)."""

    def __init__(self, body: nn.Module, shortcut: Optional[nn.Module] = None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else Identity()
        if int(getattr(self.body, "latency", 0)) != int(getattr(self.shortcut, "latency", 0)):
            raise ValueError("residual branches must have equal latency")
        self.latency = int(getattr(self.body, "latency", 0))
        self.causal = bool(getattr(body, "causal", True)) and bool(getattr(self.shortcut, "causal", True))

    @torch.jit.export
    def reset(self) -> None:
        self.body.reset()
        self.shortcut.reset()

    def forward(self, x: Tensor) -> Tensor:
        return self.shortcut(x) + self.body(x)


class Sequence(nn.Module):
    """Layers applied in order; ``reset()`` resets them all; latencies add up."""

    def __init__(self, layers: List[nn.Module]):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.latency = sum(int(getattr(layer, "latency", 0)) for layer in layers)
        self.causal = all(bool(getattr(layer, "causal", True)) for layer in layers)

    @torch.jit.export
    def reset(self) -> None:
        for layer in self.layers:
            layer.reset()

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    @torch.jit.export
    def prefix(self, x: Tensor, stop: int) -> Tensor:
        """The first ``stop`` layers applied in order."""
        for i, layer in enumerate(self.layers):
            if i < stop:
                x = layer(x)
        return x
