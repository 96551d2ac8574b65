"""UNAGAN (Liu et al. 2020): an unconditional generator of mel spectrograms, trained as a
BEGAN with cycle regularisation.

Contract (relied on by generation and export):

- ``generator(z)``: noise ``Tensor[B x z_channels x T_z]`` (z_channels 20, N(0, 1)) to a
  Z-SCORED log-mel ``Tensor[B x n_mels x 16 * T_z]``: one z vector per 16 mel frames (4 stages
  of x2). ``generator.denormalise(mel)`` turns it into the raw log-mel a vocoder takes, with
  the per-bin training statistics the generator carries (buffers ``mel_mean``, ``mel_std``).
- ``generator.streaming()``: a TorchScript-able copy that takes consecutive blocks of z
  vectors and returns 16 frames per vector, equal to the one-shot output delayed by
  ``latency_frames`` frames (0 with the default causal layers); ``reset()`` starts anew.

Generator: z -> conv -> norm -> LeakyReLU -> residual GRU + grouped conv -> conv (the body);
a conv makes the first mel estimate (the head); then four stages each upsample body and head
x2 (repeat), refine the body with a residual block and add a conv of the body to the head.
``causal=False`` gives the original layers (bidirectional GRU, centred convolutions, group
norm over time), offline only.

Discriminator (:class:`MelAutoencoder`, BEGAN): a mel autoencoder whose reconstruction error
is low on real mels; 2-D convolutional front end with spectral norm, dilated 1-D residual
convolutions. Encoder (:class:`MelEncoder`): the same front end and x16 downsampling to
``z_channels``, used for the cycle losses ``|E(G(z)) - z|`` and ``|G(E(x)) - x|``.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.parametrizations import spectral_norm

from demiurge.models.configs import UNAGANConfig
from demiurge.nn import (CachedConv1d, CachedGRU, FrameNorm, GroupNormOverTime, LeakyReLU, Repeat,
                         Residual, Sequence, make_streaming)


def _norm(channels: int, groups: int, causal: bool):
    return FrameNorm(groups, channels) if causal else GroupNormOverTime(groups, channels)


def _conv(cin: int, cout: int, k: int, causal: bool, groups: int = 1) -> CachedConv1d:
    return CachedConv1d(cin, cout, k, groups=groups, causal=causal, weight_norm=False)


class Stage(nn.Module):
    """x2 upsampling of body and head; ``body += block(body)``; ``head += conv(body)``."""

    def __init__(self, channels: int, n_mels: int, *, groups: int, kernel: int, causal: bool):
        super().__init__()
        self.up = Repeat(2)
        self.block = Sequence([_conv(channels, channels, kernel, causal), _norm(channels, groups, causal),
                               LeakyReLU(0.2), _conv(channels, channels, kernel, causal)])
        self.to_head = _conv(channels, n_mels, kernel, causal)
        self.causal = causal

    @torch.jit.export
    def reset(self) -> None:
        self.block.reset()
        self.to_head.reset()

    def forward(self, body: Tensor, head: Tensor) -> Tuple[Tensor, Tensor]:
        body = self.up(body)
        head = self.up(head)
        body = body + self.block(body)
        head = head + self.to_head(body)
        return body, head


class UNAGANGenerator(nn.Module):
    """``Tensor[B x z_channels x T_z]`` -> z-scored mel ``Tensor[B x n_mels x 2**n_stages * T_z]``."""

    __jit_ignored_attributes__ = ["config"]

    def __init__(self, config: UNAGANConfig = UNAGANConfig(), *, n_mels: int = 80, hop_length: int = 256):
        super().__init__()
        c = config
        self.config = config
        self.n_mels = n_mels
        self.z_channels = c.z_channels
        self.hop_length = hop_length
        self.frames_per_z = c.frames_per_z
        ch = c.channels
        self.body = Sequence([
            _conv(c.z_channels, ch, c.kernel_size, c.causal), _norm(ch, c.groups, c.causal), LeakyReLU(0.2),
            Residual(Sequence([CachedGRU(ch, causal=c.causal),
                               _conv(ch, ch, c.kernel_size, c.causal, groups=c.groups)])),
            _conv(ch, ch, c.kernel_size, c.causal),
        ])
        self.head = _conv(ch, n_mels, c.kernel_size, c.causal)
        self.stages = nn.ModuleList([Stage(ch, n_mels, groups=c.groups, kernel=c.kernel_size, causal=c.causal)
                                     for _ in range(c.n_stages)])
        self.register_buffer("mel_mean", torch.zeros(n_mels))
        self.register_buffer("mel_std", torch.ones(n_mels))
        self.latency_frames = 0
        self.latency_samples = 0
        self.causal = c.causal

    def set_stats(self, mean: Tensor, std: Tensor) -> None:
        with torch.no_grad():
            self.mel_mean.copy_(mean)
            self.mel_std.copy_(std)

    def forward(self, z: Tensor) -> Tensor:
        body = self.body(z)
        head = self.head(body)
        for stage in self.stages:
            body, head = stage(body, head)
        return head

    @torch.jit.export
    def denormalise(self, mel: Tensor) -> Tensor:
        """z-scored ``Tensor[B x n_mels x F]`` -> raw log-mel (what a vocoder takes)."""
        return mel * self.mel_std.unsqueeze(1) + self.mel_mean.unsqueeze(1)

    @torch.jit.export
    def reset(self) -> None:
        self.body.reset()
        self.head.reset()
        for stage in self.stages:
            stage.reset()

    @torch.jit.ignore
    def streaming(self) -> "UNAGANGenerator":
        return make_streaming(self, what="this UNAGAN generator")


class MelFrontEnd(nn.Module):
    """2-D convolutions over (mel bin x frame), spectral norm, then flattened to 1-D channels:
    ``Tensor[B x n_mels x F] -> Tensor[B x out x F]``."""

    def __init__(self, n_mels: int, channels_2d: int, out_channels: int):
        super().__init__()
        self.conv1 = spectral_norm(nn.Conv2d(1, channels_2d, 3, padding=1))
        self.conv2 = spectral_norm(nn.Conv2d(channels_2d, channels_2d, 3, padding=1))
        self.project = nn.Conv1d(channels_2d * n_mels, out_channels, 1)

    def forward(self, mel: Tensor) -> Tensor:
        x = F.leaky_relu(self.conv1(mel.unsqueeze(1)), 0.2)
        x = F.leaky_relu(self.conv2(x), 0.2)
        return self.project(x.flatten(1, 2))


class MelAutoencoder(nn.Module):
    """BEGAN discriminator: ``Tensor[B x n_mels x F] -> Tensor[B x n_mels x F]`` (reconstruction)."""

    def __init__(self, config: UNAGANConfig = UNAGANConfig(), *, n_mels: int = 80):
        super().__init__()
        c = config
        self.front = MelFrontEnd(n_mels, c.d_channels_2d, c.d_channels)
        self.dilated = nn.ModuleList([nn.Conv1d(c.d_channels, c.d_channels, 3, dilation=d, padding=d)
                                      for d in c.d_dilations])
        self.mix = nn.ModuleList([nn.Conv1d(c.d_channels, c.d_channels, 1) for _ in c.d_dilations])
        self.out = nn.Conv1d(c.d_channels, n_mels, 1)

    def forward(self, mel: Tensor) -> Tensor:
        x = self.front(mel)
        for conv, mix in zip(self.dilated, self.mix):
            x = x + mix(F.leaky_relu(conv(F.leaky_relu(x, 0.2)), 0.2))
        return self.out(F.leaky_relu(x, 0.2))


class MelEncoder(nn.Module):
    """Cycle encoder: ``Tensor[B x n_mels x 16 * T_z] -> Tensor[B x z_channels x T_z]``."""

    def __init__(self, config: UNAGANConfig = UNAGANConfig(), *, n_mels: int = 80):
        super().__init__()
        c = config
        self.front = MelFrontEnd(n_mels, c.d_channels_2d, c.d_channels)
        self.down = nn.ModuleList([nn.Conv1d(c.d_channels, c.d_channels, 4, stride=2, padding=1)
                                   for _ in range(c.n_stages)])
        self.out = nn.Conv1d(c.d_channels, c.z_channels, 1)

    def forward(self, mel: Tensor) -> Tensor:
        x = self.front(mel)
        for conv in self.down:
            x = F.leaky_relu(conv(x), 0.2)
        return self.out(x)
