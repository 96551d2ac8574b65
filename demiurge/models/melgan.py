"""MelGAN (Kumar et al. 2019): generator with transposed-convolution upsampling and dilated
residual stacks, multi-scale discriminator (see :mod:`demiurge.models.discriminators`).

``MelGANConfig()`` is the paper's generator (ngf 32, ratios [8, 8, 2, 2] for hop 256, three
residual units with dilations 1, 3, 9 per stage) with causal layers; ``causal=False`` and
``gru=True`` give the buganart original (centred convolutions, a bidirectional GRU in the
first stage). See :mod:`demiurge.models.vocoder` for the input/streaming contract.
"""

from __future__ import annotations

from typing import List

from demiurge.models.configs import MelGANConfig
from demiurge.nn import (CachedConv1d, CachedConvTranspose1d, CachedGRU, LeakyReLU, Residual, Sequence,
                         Tanh)
from demiurge.models.vocoder import VocoderGenerator, check_upsampling


def residual_stack(channels: int, *, n_units: int, dilation_base: int, causal: bool) -> List:
    units = []
    for j in range(n_units):
        body = Sequence([
            LeakyReLU(0.2),
            CachedConv1d(channels, channels, 3, dilation=dilation_base ** j, causal=causal),
            LeakyReLU(0.2),
            CachedConv1d(channels, channels, 1, causal=causal),
        ])
        units.append(Residual(body, CachedConv1d(channels, channels, 1, causal=causal)))
    return units


class MelGANGenerator(VocoderGenerator):
    """``Tensor[B x n_mels x F]`` raw log-mel -> ``Tensor[B x 1 x F * prod(ratios)]``."""

    def __init__(self, config: MelGANConfig = MelGANConfig(), *, n_mels: int = 80, hop_length: int = 256):
        c = config
        check_upsampling(c.ratios, hop_length, what="MelGAN ratios")
        ch = c.channels
        layers = [CachedConv1d(n_mels, ch, c.kernel_size, causal=c.causal)]
        for i, r in enumerate(c.ratios):
            layers += [LeakyReLU(0.2),
                       CachedConvTranspose1d(ch, ch // 2, 2 * r, r, causal=c.causal)]
            ch //= 2
            if i == 0 and c.gru:
                layers.append(Residual(CachedGRU(ch, causal=c.causal)))
            layers += residual_stack(ch, n_units=c.n_residual, dilation_base=c.dilation_base,
                                     causal=c.causal)
        layers += [LeakyReLU(0.2), CachedConv1d(ch, 1, c.kernel_size, causal=c.causal), Tanh()]
        super().__init__(n_mels=n_mels, hop_length=hop_length, net=Sequence(layers))
        self.config = config
