"""Convolutions that cache their left context, so a signal can be processed block by block.

Offline, :class:`CachedConv1d` pads the signal on the left (causal) or on both sides (centred,
the original models' layout); streaming, it prepends the last ``(kernel - 1) * dilation``
input samples of the previous block instead, kept by :class:`LeftContext`. The transposed
convolution is computed in polyphase form, as a convolution with such a cache. Causal
versions add no latency.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class LeftContext(nn.Module):
    """The last ``size`` steps of a stream, kept between blocks in a buffer updated in place:
    ``forward(x[B x C x T]) -> Tensor[B x C x size + T]`` (the kept steps, then ``x``)."""

    def __init__(self, channels: int, size: int):
        super().__init__()
        self.channels = channels
        self.size = size
        self.register_buffer("cache", torch.zeros(1, channels, size), persistent=False)

    @torch.jit.export
    def reset(self) -> None:
        """Forget the stream (rebinds the buffer, so it is safe outside inference mode)."""
        self.cache = torch.zeros(1, self.channels, self.size, device=self.cache.device)

    def forward(self, x: Tensor) -> Tensor:
        if self.cache.shape[0] != x.shape[0] or self.cache.device != x.device:
            self.cache = torch.zeros(x.shape[0], self.channels, self.size, device=x.device,
                                     dtype=x.dtype)
        padded = torch.cat([self.cache, x], dim=2)
        if self.size > 0:
            self.cache.copy_(padded[:, :, padded.shape[2] - self.size:].detach())
        return padded


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
        self.kernel_size = kernel_size
        self.out_channels = out_channels
        self.in_channels = in_channels
        self.context = (kernel_size - 1) * dilation
        self.causal = causal
        self.streaming = False
        self.latency = 0
        self.left = LeftContext(in_channels, self.context)

    @torch.jit.export
    def reset(self) -> None:
        """Forget the stream."""
        self.left.reset()

    def forward(self, x: Tensor) -> Tensor:
        if self.streaming:
            padded = self.left(x)
        elif self.causal:
            padded = F.pad(x, (self.context, 0))
        else:
            left = self.context // 2
            padded = F.pad(x, (left, self.context - left))
        weight = self.current_weight()
        if self.dilation == 1 or self.groups != 1:
            return F.conv1d(padded, weight, self.conv.bias, 1, 0, self.dilation, self.groups)
        # Dilated: gather the taps and multiply once (CPU conv1d takes a slow path for dilation).
        length = padded.shape[2] - self.context
        taps = torch.cat([padded[:, :, j * self.dilation:j * self.dilation + length]
                          for j in range(self.kernel_size)], dim=1)
        out = torch.matmul(weight.permute(0, 2, 1).reshape(self.out_channels, -1), taps)
        bias = self.conv.bias
        if bias is not None:
            out = out + bias.unsqueeze(1)
        return out


class CachedConvTranspose1d(WeightNormed):
    """Upsampling by ``stride``: ``Tensor[B x in_ch x T] -> Tensor[B x out_ch x T * stride]``.

    A transposed convolution (weights stored as ``nn.ConvTranspose1d``'s) computed in polyphase
    form: a causal convolution with ``ceil(kernel / stride)`` taps and ``out_ch * stride``
    channels whose phases are interleaved. It is faster on CPU than ``conv_transpose1d``, and
    streams like :class:`CachedConv1d` (the last ``taps - 1`` input frames in ``cache``).
    ``causal=True`` gives the first ``T * stride`` samples of the full transposed convolution
    (output sample n depends on inputs up to n // stride); ``causal=False`` centres the output
    (the originals' padding); offline only.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, *,
                 bias: bool = True, causal: bool = True, weight_norm: bool = True):
        super().__init__()
        if kernel_size < stride:
            raise ValueError(f"kernel_size ({kernel_size}) must be >= stride ({stride})")
        self.conv = nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride, bias=bias)
        self._init_weight_norm(weight_norm)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.taps = (kernel_size + stride - 1) // stride
        self.context = self.taps - 1
        self.centre_shift = (kernel_size - stride) // 2
        self.causal = causal
        self.streaming = False
        self.latency = 0
        self.folded = False
        self.left = LeftContext(in_channels, self.context)
        self.register_buffer("poly", torch.zeros(0), persistent=False)

    def polyphase(self, weight: Tensor) -> Tensor:
        """``[in, out, kernel]`` transposed-conv weight -> ``[out * stride, in, taps]`` conv weight
        (channel ``o * stride + r`` makes output phase r of channel o)."""
        w = F.pad(weight, (0, self.taps * self.stride - weight.shape[2]))
        w = w.reshape(self.in_channels, self.out_channels, self.taps, self.stride).flip(2)
        return w.permute(1, 3, 0, 2).reshape(self.out_channels * self.stride, self.in_channels, self.taps)

    @torch.jit.ignore
    def fold(self) -> None:
        super().fold()
        with torch.no_grad():
            self.poly = self.polyphase(self.conv.weight).contiguous()
        self.folded = True

    @torch.jit.export
    def reset(self) -> None:
        """Forget the stream."""
        self.left.reset()

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[2] * self.stride
        extra = 0
        if self.streaming:
            padded = self.left(x)
        elif self.causal:
            padded = F.pad(x, (self.context, 0))
        else:
            extra = (self.centre_shift + self.stride - 1) // self.stride
            padded = F.pad(x, (self.context, extra))
        weight = self.poly if self.folded else self.polyphase(self.current_weight())
        phases = F.conv1d(padded, weight)  # [B, out * stride, L]
        b, length = phases.shape[0], phases.shape[2]
        out = phases.reshape(b, self.out_channels, self.stride, length).transpose(2, 3)
        out = out.reshape(b, self.out_channels, length * self.stride)
        if extra > 0:
            out = out[:, :, self.centre_shift:self.centre_shift + n]
        bias = self.conv.bias
        if bias is not None:
            out = out + bias.unsqueeze(0).unsqueeze(2)
        return out
