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

from dataclasses import dataclass
from typing import Tuple

import torch
from torch import Tensor, nn

from demiurge.dsp.config import _Config
from demiurge.errors import DemiurgeError
from demiurge.nn import CachedConv1d, CachedConvTranspose1d, LeakyReLU, Residual, Sequence, Tanh
from demiurge.models.vocoder import VocoderGenerator, check_upsampling


@dataclass(frozen=True)
class HiFiGANConfig(_Config):
    upsample_rates: Tuple[int, ...] = (8, 8, 2, 2)
    upsample_kernels: Tuple[int, ...] = (16, 16, 4, 4)
    channels: int = 512
    resblock: int = 1
    resblock_kernels: Tuple[int, ...] = (3, 7, 11)
    resblock_dilations: Tuple[Tuple[int, ...], ...] = ((1, 3, 5), (1, 3, 5), (1, 3, 5))
    causal: bool = True

    def __post_init__(self):
        object.__setattr__(self, "upsample_rates", tuple(int(r) for r in self.upsample_rates))
        object.__setattr__(self, "upsample_kernels", tuple(int(k) for k in self.upsample_kernels))
        object.__setattr__(self, "resblock_kernels", tuple(int(k) for k in self.resblock_kernels))
        object.__setattr__(self, "resblock_dilations",
                           tuple(tuple(int(d) for d in ds) for ds in self.resblock_dilations))
        if len(self.upsample_rates) != len(self.upsample_kernels):
            raise DemiurgeError("HiFi-GAN needs one upsample kernel per upsample rate")
        if len(self.resblock_kernels) != len(self.resblock_dilations):
            raise DemiurgeError("HiFi-GAN needs one dilation list per resblock kernel")
        if self.resblock not in (1, 2):
            raise DemiurgeError(f"HiFi-GAN resblock must be 1 or 2, not {self.resblock}")
        if self.channels >> len(self.upsample_rates) < 1:
            raise DemiurgeError(f"HiFi-GAN channels ({self.channels}) too small for "
                                f"{len(self.upsample_rates)} halving stages")


HIFIGAN_PRESETS = {
    "hifigan-v1": HiFiGANConfig(),
    "hifigan-v2": HiFiGANConfig(channels=128),
    "hifigan-v3": HiFiGANConfig(upsample_rates=(8, 8, 4), upsample_kernels=(16, 16, 8), channels=256,
                                resblock=2, resblock_kernels=(3, 5, 7),
                                resblock_dilations=((1, 2), (2, 6), (3, 12))),
}


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
