"""GAN discriminators for the vocoders (training only, so not streaming).

Each discriminator maps audio ``Tensor[B x 1 x T]`` to a list with one entry per
sub-discriminator: ``(score, features)`` where ``score`` is a tensor of logits and
``features`` the list of intermediate activations used by the feature-matching loss.

- :class:`MultiScaleDiscriminator` (MelGAN; also HiFi-GAN's MSD): the same convolutional
  discriminator on the audio average-pooled 1x, 2x, 4x.
- :class:`MultiPeriodDiscriminator` (HiFi-GAN's MPD): 2-D convolutions over the audio folded
  into ``period`` columns, for periods 2, 3, 5, 7, 11.
- :class:`MultiResolutionDiscriminator` (UnivNet's MRD, as Vocos uses it): 2-D convolutions
  over the log-magnitude STFT at several frame sizes, which judges the spectrum that an
  iSTFT vocoder writes directly.
"""

from __future__ import annotations

from typing import List, Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from demiurge.models.configs import DiscriminatorConfig

Scores = List[Tuple[Tensor, List[Tensor]]]


def conv_stack(x: Tensor, layers: nn.ModuleList, post: nn.Module, slope: float) -> Tuple[Tensor, List[Tensor]]:
    """Every sub-discriminator's body: each layer then a leaky ReLU, and the output layer;
    returns the output and every activation (the features of the feature-matching loss)."""
    features = []
    for layer in layers:
        x = F.leaky_relu(layer(x), slope)
        features.append(x)
    x = post(x)
    features.append(x)
    return x, features


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
        return conv_stack(x, self.layers, self.post, self.slope)


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
        x, features = conv_stack(x, self.layers, self.post, self.slope)
        return x.flatten(1, -1), features


class MultiPeriodDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.discriminators = nn.ModuleList(
            [PeriodDiscriminator(p, config.mpd_channels, slope=config.slope) for p in config.mpd_periods])

    def forward(self, audio: Tensor) -> Scores:
        return [disc(audio) for disc in self.discriminators]


class ResolutionDiscriminator(nn.Module):
    """2-D convolutions over the log-magnitude STFT ``[B x 1 x frames x bins]`` of one frame size."""

    def __init__(self, n_fft: int, channels: int, *, slope: float):
        super().__init__()
        self.n_fft = n_fft
        self.hop = n_fft // 4
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        c = channels
        self.layers = nn.ModuleList(
            [weight_norm(nn.Conv2d(1, c, (3, 9), padding=(1, 4)))]
            + [weight_norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))) for _ in range(3)]
            + [weight_norm(nn.Conv2d(c, c, (3, 3), padding=(1, 1)))])
        self.post = weight_norm(nn.Conv2d(c, 1, (3, 3), padding=(1, 1)))
        self.slope = slope

    def forward(self, audio: Tensor) -> Tuple[Tensor, List[Tensor]]:
        spec = torch.stft(audio[:, 0], self.n_fft, self.hop, window=self.window, return_complex=True)
        x = torch.log(spec.abs().clamp(min=1e-5)).transpose(1, 2).unsqueeze(1)
        x, features = conv_stack(x, self.layers, self.post, self.slope)
        return x.flatten(1, -1), features


class MultiResolutionDiscriminator(nn.Module):
    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.discriminators = nn.ModuleList(
            [ResolutionDiscriminator(n, config.mrd_channels, slope=config.slope)
             for n in config.mrd_resolutions])

    def forward(self, audio: Tensor) -> Scores:
        return [disc(audio) for disc in self.discriminators]


class VocoderDiscriminator(nn.Module):
    """MSD (``msd_scales`` > 0), MPD (``mpd_periods``) and MRD (``mrd_resolutions``), those the
    config asks for: ``Tensor[B x 1 x T] -> Scores``."""

    def __init__(self, config: DiscriminatorConfig):
        super().__init__()
        self.msd = MultiScaleDiscriminator(config) if config.msd_scales > 0 else None
        self.mpd = MultiPeriodDiscriminator(config) if config.mpd_periods else None
        self.mrd = MultiResolutionDiscriminator(config) if config.mrd_resolutions else None
        if self.msd is None and self.mpd is None and self.mrd is None:
            raise ValueError("a vocoder discriminator needs at least one of MSD, MPD and MRD")

    def forward(self, audio: Tensor) -> Scores:
        out: Scores = []
        for part in (self.msd, self.mpd, self.mrd):
            if part is not None:
                out = out + part(audio)
        return out
