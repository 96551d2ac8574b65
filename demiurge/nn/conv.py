"""Convolutions that cache their left context, so a signal can be processed block by block.

Offline, :class:`CachedConv1d` pads the signal on the left (causal) or on both sides (centred,
the original models' layout); streaming, it prepends the last ``(kernel - 1) * dilation``
input samples of the previous block instead, kept in the ``cache`` buffer. A causal
transposed convolution keeps the ``kernel - stride`` output samples that spill over into the
next block and adds them there. Causal versions add no latency.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class WeightNormed(nn.Module):
    """Weight normalisation (Salimans & Kingma) of ``self.conv.weight`` along dim 0, done by
    the layer itself so that :meth:`fold` can bake it into the weight of one copy of a model
    without touching the others (``torch.nn.utils.parametrize`` shares classes between copies)."""

    def _init_weight_norm(self, enabled: bool) -> None:
        self.normalised = enabled
        gain = self._norm(self.conv.weight.detach())
        if enabled:
            self.gain = nn.Parameter(gain)
        else:  # unused, but TorchScript compiles both branches of current_weight()
            self.register_buffer("gain", gain, persistent=False)

    @staticmethod
    def _norm(v: Tensor) -> Tensor:
        return v.square().sum(dim=[1, 2], keepdim=True).sqrt()

    def current_weight(self) -> Tensor:
        v = self.conv.weight
        if self.normalised:
            return self.gain * v / self._norm(v)
        return v

    @torch.jit.ignore
    def fold(self) -> None:
        """Bake the normalisation into the weight (same outputs, cheaper, scriptable)."""
        with torch.no_grad():
            self.conv.weight.copy_(self.current_weight())
        self.normalised = False


class CachedConv1d(WeightNormed):
    """``Tensor[B x in_ch x T] -> Tensor[B x out_ch x T]`` (stride 1, output length = input length).

    ``causal=True``: output sample t sees inputs t - (k-1)d ... t; no latency, streams.
    ``causal=False``: centred (zero padding both sides, as the originals); offline only.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, dilation: int = 1,
                 groups: int = 1, bias: bool = True, causal: bool = True, weight_norm: bool = True):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation, groups=groups,
                              bias=bias)
        self._init_weight_norm(weight_norm)
        self.dilation = dilation
        self.groups = groups
        self.in_channels = in_channels
        self.context = (kernel_size - 1) * dilation
        self.causal = causal
        self.streaming = False
        self.latency = 0
        self.register_buffer("cache", torch.zeros(1, in_channels, self.context), persistent=False)

    @torch.jit.export
    def reset(self) -> None:
        """Forget the stream (rebinds the buffer, so it is safe outside inference mode)."""
        self.cache = torch.zeros(1, self.in_channels, self.context, device=self.cache.device)

    def forward(self, x: Tensor) -> Tensor:
        if self.streaming:
            if self.cache.shape[0] != x.shape[0] or self.cache.device != x.device:
                self.cache = torch.zeros(x.shape[0], self.in_channels, self.context, device=x.device,
                                         dtype=x.dtype)
            padded = torch.cat([self.cache, x], dim=2)
            if self.context > 0:
                self.cache.copy_(padded[:, :, padded.shape[2] - self.context:].detach())
        elif self.causal:
            padded = F.pad(x, (self.context, 0))
        else:
            left = self.context // 2
            padded = F.pad(x, (left, self.context - left))
        return F.conv1d(padded, self.current_weight(), self.conv.bias, 1, 0, self.dilation, self.groups)


class CachedConvTranspose1d(WeightNormed):
    """Upsampling by ``stride``: ``Tensor[B x in_ch x T] -> Tensor[B x out_ch x T * stride]``.

    Needs ``kernel_size >= stride``. ``causal=True`` keeps the first ``T * stride`` samples of
    the full transposed convolution (output sample n depends on inputs up to n // stride);
    streaming, the ``kernel - stride`` samples that spill past the block are kept in
    ``overlap`` and added to the next block. ``causal=False`` centres the output (the
    originals' padding); offline only.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, *,
                 bias: bool = True, causal: bool = True, weight_norm: bool = True):
        super().__init__()
        if kernel_size < stride:
            raise ValueError(f"kernel_size ({kernel_size}) must be >= stride ({stride})")
        self.conv = nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride, bias=bias)
        self._init_weight_norm(weight_norm)
        self.out_channels = out_channels
        self.stride = stride
        self.spill = kernel_size - stride
        self.causal = causal
        self.streaming = False
        self.latency = 0
        self.register_buffer("overlap", torch.zeros(1, out_channels, self.spill), persistent=False)

    @torch.jit.export
    def reset(self) -> None:
        self.overlap = torch.zeros(1, self.out_channels, self.spill, device=self.overlap.device)

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[2] * self.stride
        full = F.conv_transpose1d(x, self.current_weight(), None, stride=self.stride)  # (T-1)s + k
        if self.streaming:
            if self.overlap.shape[0] != x.shape[0] or self.overlap.device != x.device:
                self.overlap = torch.zeros(x.shape[0], self.out_channels, self.spill, device=x.device,
                                           dtype=x.dtype)
            full = torch.cat([full[:, :, :self.spill] + self.overlap, full[:, :, self.spill:]], dim=2)
            self.overlap.copy_(full[:, :, n:].detach())
            out = full[:, :, :n]
        elif self.causal:
            out = full[:, :, :n]
        else:
            start = self.spill // 2
            out = full[:, :, start:start + n]
        bias = self.conv.bias
        if bias is not None:
            out = out + bias.unsqueeze(0).unsqueeze(2)
        return out
