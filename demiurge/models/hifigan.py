"""HiFi-GAN (Kong et al. 2020): generator with transposed-convolution upsampling followed by a
multi-receptive-field fusion (MRF: the average of residual blocks with different kernels and
dilations); multi-period + multi-scale discriminators (:mod:`demiurge.models.discriminators`).

``HIFIGAN_PRESETS`` holds the paper's V1, V2 and V3 generators for hop 256 (V1/V2: rates
[8, 8, 2, 2], kernels [16, 16, 4, 4], ResBlock1 kernels 3/7/11 dilations 1/3/5, 512 or 128
channels; V3: rates [8, 8, 4], kernels [16, 16, 8], ResBlock2 kernels 3/5/7, 256 channels),
with causal layers by default (``causal=False`` gives the paper's centred convolutions). See
:mod:`demiurge.models.vocoder` for the input/streaming contract.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor, nn

from demiurge.models.configs import HiFiGANConfig
from demiurge.nn import CachedConv1d, CachedConvTranspose1d, LeakyReLU, Residual, Sequence, Tanh
from demiurge.models.vocoder import VocoderGenerator, check_upsampling


def resblock(channels: int, kernel: int, dilations: Tuple[int, ...], *, kind: int, causal: bool) -> Sequence:
    """ResBlock1: per dilation, lrelu -> conv(d) -> lrelu -> conv(1), residual.
    ResBlock2: per dilation, lrelu -> conv(d), residual."""
    units = []
    for d in dilations:
        body = [LeakyReLU(0.1), CachedConv1d(channels, channels, kernel, dilation=d, causal=causal)]
        if kind == 1:
            body += [LeakyReLU(0.1), CachedConv1d(channels, channels, kernel, causal=causal)]
        units.append(Residual(Sequence(body)))
    return Sequence(units)


class MRF(nn.Module):
    """Multi-receptive-field fusion: the mean of several residual blocks applied to one input."""

    def __init__(self, blocks: list):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.scale = 1.0 / len(blocks)
        self.latency = int(getattr(blocks[0], "latency", 0))
        self.causal = all(bool(getattr(b, "causal", True)) for b in blocks)

    @torch.jit.export
    def reset(self) -> None:
        for block in self.blocks:
            block.reset()

    def forward(self, x: Tensor) -> Tensor:
        out = torch.zeros_like(x)
        for block in self.blocks:
            out = out + block(x)
        return out * self.scale


class HiFiGANGenerator(VocoderGenerator):
    """``Tensor[B x n_mels x F]`` raw log-mel -> ``Tensor[B x 1 x F * prod(upsample_rates)]``."""

    def __init__(self, config: HiFiGANConfig = HiFiGANConfig(), *, n_mels: int = 80, hop_length: int = 256):
        c = config
        check_upsampling(c.upsample_rates, hop_length, what="HiFi-GAN upsample rates")
        ch = c.channels
        layers = [CachedConv1d(n_mels, ch, 7, causal=c.causal)]
        for r, k in zip(c.upsample_rates, c.upsample_kernels):
            layers += [LeakyReLU(0.1), CachedConvTranspose1d(ch, ch // 2, k, r, causal=c.causal)]
            ch //= 2
            layers.append(MRF([resblock(ch, rk, rd, kind=c.resblock, causal=c.causal)
                               for rk, rd in zip(c.resblock_kernels, c.resblock_dilations)]))
        layers += [LeakyReLU(0.01), CachedConv1d(ch, 1, 7, causal=c.causal), Tanh()]
        super().__init__(n_mels=n_mels, hop_length=hop_length, net=Sequence(layers))
        self.config = config
