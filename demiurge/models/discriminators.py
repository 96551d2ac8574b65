"""GAN discriminators for the vocoders (training only, so not streaming).

Each discriminator maps audio ``Tensor[B x 1 x T]`` to a list with one entry per
sub-discriminator: ``(score, features)`` where ``score`` is a tensor of logits and
``features`` the list of intermediate activations used by the feature-matching loss.

- :class:`MultiScaleDiscriminator` (MelGAN; also HiFi-GAN's MSD): the same convolutional
  discriminator on the audio average-pooled 1x, 2x, 4x.
- :class:`MultiPeriodDiscriminator` (HiFi-GAN's MPD): 2-D convolutions over the audio folded
  into ``period`` columns, for periods 2, 3, 5, 7, 11.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from demiurge.dsp.config import _Config

Scores = List[Tuple[Tensor, List[Tensor]]]


@dataclass(frozen=True)
class DiscriminatorConfig(_Config):
    """``msd_*``: multi-scale discriminator (first width, cap, number of scales).
    ``mpd_*``: multi-period discriminator (periods, first width; widths grow x4 to 32x);
    no periods = no MPD (MelGAN)."""

    msd_scales: int = 3
    msd_channels: int = 16
    msd_max_channels: int = 1024
    mpd_periods: Tuple[int, ...] = ()
    mpd_channels: int = 32
    slope: float = 0.2

    def __post_init__(self):
        object.__setattr__(self, "mpd_periods", tuple(int(p) for p in self.mpd_periods))


MELGAN_DISCRIMINATOR = DiscriminatorConfig()
HIFIGAN_DISCRIMINATOR = DiscriminatorConfig(msd_channels=128, mpd_periods=(2, 3, 5, 7, 11), slope=0.1)


class ScaleDiscriminator(nn.Module):
    """MelGAN's discriminator block: conv k15, four grouped strided convs (x4), conv k5, conv k3."""

    def __init__(self, channels: int, max_channels: int, *, slope: float, spectral: bool = False):
        super().__init__()
        norm = spectral_norm if spectral else weight_norm
        layers = [norm(nn.Conv1d(1, channels, 15, padding=7))]
        ch = channels
        for _ in range(4):
            out = min(ch * 4, max_channels)
            groups = max(1, ch // 4)
            while ch % groups or out % groups:
                groups //= 2
            layers.append(norm(nn.Conv1d(ch, out, 41, stride=4, padding=20, groups=groups)))
            ch = out
        out = min(ch * 2, max_channels)
        layers.append(norm(nn.Conv1d(ch, out, 5, padding=2)))
        self.layers = nn.ModuleList(layers)
        self.post = norm(nn.Conv1d(out, 1, 3, padding=1))
        self.slope = slope

    def forward(self, x: Tensor) -> Tuple[Tensor, List[Tensor]]:
        features = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), self.slope)
            features.append(x)
        x = self.post(x)
        features.append(x)
        return x, features


class MultiScaleDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.discriminators = nn.ModuleList([
            ScaleDiscriminator(config.msd_channels, config.msd_max_channels, slope=config.slope,
                               spectral=(i == 0 and bool(config.mpd_periods)))
            for i in range(config.msd_scales)])

    def forward(self, audio: Tensor) -> Scores:
        out = []
        for i, disc in enumerate(self.discriminators):
            if i > 0:
                audio = F.avg_pool1d(audio, 4, stride=2, padding=1, count_include_pad=False)
            out.append(disc(audio))
        return out


class PeriodDiscriminator(nn.Module):
    def __init__(self, period: int, channels: int, *, slope: float):
        super().__init__()
        self.period = period
        widths = [1, channels, channels * 4, channels * 16, channels * 32]
        self.layers = nn.ModuleList(
            [weight_norm(nn.Conv2d(a, b, (5, 1), (3, 1), padding=(2, 0))) for a, b in zip(widths, widths[1:])]
            + [weight_norm(nn.Conv2d(widths[-1], widths[-1], (5, 1), 1, padding=(2, 0)))])
        self.post = weight_norm(nn.Conv2d(widths[-1], 1, (3, 1), 1, padding=(1, 0)))
        self.slope = slope

    def forward(self, x: Tensor) -> Tuple[Tensor, List[Tensor]]:
        b, c, t = x.shape
        if t % self.period:
            x = F.pad(x, (0, self.period - t % self.period), mode="reflect")
        x = x.reshape(b, c, x.shape[2] // self.period, self.period)
        features = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), self.slope)
            features.append(x)
        x = self.post(x)
        features.append(x)
        return x.flatten(1, -1), features


class MultiPeriodDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.discriminators = nn.ModuleList(
            [PeriodDiscriminator(p, config.mpd_channels, slope=config.slope) for p in config.mpd_periods])

    def forward(self, audio: Tensor) -> Scores:
        return [disc(audio) for disc in self.discriminators]


class VocoderDiscriminator(nn.Module):
    """MSD, plus MPD when ``config.mpd_periods`` is set: ``Tensor[B x 1 x T] -> Scores``."""

    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.msd = MultiScaleDiscriminator(config)
        self.mpd = MultiPeriodDiscriminator(config) if config.mpd_periods else None

    def forward(self, audio: Tensor) -> Scores:
        out = self.msd(audio)
        if self.mpd is not None:
            out = out + self.mpd(audio)
        return out
