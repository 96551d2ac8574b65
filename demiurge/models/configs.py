"""The settings of every model: plain dataclasses, no torch, so the command line can show them
(choices, defaults, ``--help``) without importing torch. Each is stored with the runs made from
it (``config.json``) and rebuilt from there with ``from_dict``; the models that use them live
beside this module (:mod:`~demiurge.models.istft`, :mod:`~demiurge.models.hifigan`,
:mod:`~demiurge.models.melgan`, :mod:`~demiurge.models.unagan`,
:mod:`~demiurge.models.discriminators`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from demiurge.dsp.config import _Config
from demiurge.errors import DemiurgeError


# ---- vocoder generators

ISTFT_PHASES = ("integrated", "absolute")


@dataclass(frozen=True)
class ISTFTConfig(_Config):
    """``channels`` wide, ``blocks`` ConvNeXt blocks; ``n_fft``: the synthesis frame (a multiple
    of the mel hop; 4 x hop by default). The default (2.0 M parameters, about 2 M multiply-adds
    per frame) is sized for real time on one CPU core with room to spare.

    ``phase``: ``integrated`` (the default) predicts each bin's phase advance per frame and
    adds it up, so a held note keeps its pitch; ``absolute`` predicts each frame's phase
    outright (Vocos), which makes any steady input hop-periodic: a steady 440 Hz tone comes out
    at multiples of sample_rate / hop (172 Hz). Runs stored without the setting are
    ``absolute``, the only head there was (see :class:`~demiurge.models.istft.ISTFTHead`).

    ``mel_fit``: how many times each frame's magnitudes are rescaled, band by band, so that
    their mel is the input mel before the inverse FFT (:class:`~demiurge.models.istft.MelFit`;
    0 = never). It needs the mel's n_fft and causal framing; runs stored without the setting
    have 0."""

    channels: int = 192
    blocks: int = 8
    mlp_ratio: int = 3
    kernel_size: int = 7
    n_fft: int = 1024
    phase: str = "integrated"
    mel_fit: int = 3

    def __post_init__(self):
        if self.blocks < 1 or self.channels < 1 or self.mlp_ratio < 1:
            raise DemiurgeError("the iSTFT vocoder needs at least one block, channel and MLP ratio")
        if not 0 <= self.mel_fit <= 20:
            raise DemiurgeError(f"the iSTFT mel_fit must be 0 (off) to 20 iterations, not {self.mel_fit}")
        if self.phase not in ISTFT_PHASES:
            raise DemiurgeError(f"the iSTFT phase must be one of {', '.join(ISTFT_PHASES)}, "
                                f"not {self.phase!r}")

    @classmethod
    def from_dict(cls, data):
        return super().from_dict({"phase": "absolute", "mel_fit": 0, **dict(data)})


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


@dataclass(frozen=True)
class MelGANConfig(_Config):
    """``channels`` is the width after the input convolution; each stage halves it."""

    ratios: Tuple[int, ...] = (8, 8, 2, 2)
    channels: int = 512
    n_residual: int = 3
    dilation_base: int = 3
    kernel_size: int = 7
    gru: bool = False
    causal: bool = True

    def __post_init__(self):
        object.__setattr__(self, "ratios", tuple(int(r) for r in self.ratios))
        if self.channels >> len(self.ratios) < 1:
            raise DemiurgeError(f"MelGAN channels ({self.channels}) too small for "
                                f"{len(self.ratios)} halving stages")


# ---- vocoder discriminators

@dataclass(frozen=True)
class DiscriminatorConfig(_Config):
    """``msd_*``: multi-scale discriminator (number of scales, 0 = none; first width, cap).
    ``mpd_*``: multi-period discriminator (periods, first width; widths grow x4 to 32x);
    no periods = no MPD (MelGAN). ``mrd_*``: multi-resolution STFT discriminator (frame sizes,
    hop a quarter of each; width); no sizes = no MRD."""

    msd_scales: int = 3
    msd_channels: int = 16
    msd_max_channels: int = 1024
    mpd_periods: Tuple[int, ...] = ()
    mpd_channels: int = 32
    mrd_resolutions: Tuple[int, ...] = ()
    mrd_channels: int = 32
    slope: float = 0.2

    def __post_init__(self):
        object.__setattr__(self, "mpd_periods", tuple(int(p) for p in self.mpd_periods))
        object.__setattr__(self, "mrd_resolutions", tuple(int(n) for n in self.mrd_resolutions))


MELGAN_DISCRIMINATOR = DiscriminatorConfig()
HIFIGAN_DISCRIMINATOR = DiscriminatorConfig(msd_channels=128, mpd_periods=(2, 3, 5, 7, 11), slope=0.1)
# Sized for training on a CPU (the paper-size MPD is 16x wider): MPD + MRD, no MSD.
ISTFT_DISCRIMINATOR = DiscriminatorConfig(msd_scales=0, mpd_periods=(2, 3, 5, 7, 11), mpd_channels=4,
                                          mrd_resolutions=(512, 1024, 2048), mrd_channels=8, slope=0.1)
# The size Vocos trains with on GPUs (MPD at HiFi-GAN's width, MRD at 32 channels).
ISTFT_DISCRIMINATOR_GPU = DiscriminatorConfig(msd_scales=0, mpd_periods=(2, 3, 5, 7, 11), mpd_channels=32,
                                              mrd_resolutions=(512, 1024, 2048), mrd_channels=32, slope=0.1)


# ---- UNAGAN

@dataclass(frozen=True)
class UNAGANConfig(_Config):
    """Generator: ``channels`` wide, ``groups`` for norms and the grouped conv.
    Discriminator/encoder: ``d_channels`` wide after a ``d_channels_2d`` 2-D front end.

    The defaults are sized for a CPU with two cores (about 0.1 s per training step at the
    trainer's default batch); :data:`UNAGAN_PAPER_SIZE` holds the original's widths, for GPUs."""

    z_channels: int = 20
    channels: int = 64
    groups: int = 8
    kernel_size: int = 3
    n_stages: int = 4
    causal: bool = True
    d_channels: int = 32
    d_channels_2d: int = 4
    d_dilations: Tuple[int, ...] = (1, 2, 4, 8)

    def __post_init__(self):
        object.__setattr__(self, "d_dilations", tuple(int(d) for d in self.d_dilations))
        if self.channels % self.groups:
            raise DemiurgeError(f"UNAGAN channels ({self.channels}) must be a multiple of groups "
                                f"({self.groups})")

    @property
    def frames_per_z(self) -> int:
        return 2 ** self.n_stages


UNAGAN_PAPER_SIZE = {"channels": 512, "d_channels": 128, "d_channels_2d": 8}
"""The original's generator width (and a discriminator to match it): ``--size paper``, for GPUs."""
