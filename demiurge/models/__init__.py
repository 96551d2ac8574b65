"""Pure model definitions: the vocoders (iSTFT, MelGAN, HiFi-GAN), UNAGAN, and their discriminators.

``VOCODER_ARCHS`` names every vocoder a user can train (``demiurge train vocoder --arch``):
``istft``, the iSTFT-head default (sized for CPUs, with CPU-sized discriminators), and
``istft-gpu`` (Vocos' size); ``hifigan-rt``, a small causal HiFi-GAN; and the papers'
configurations (with causal layers unless ``causal`` is set false). Importing this package
imports no torch (the settings are in :mod:`demiurge.models.configs`), so the command line
lists the architectures at once. Loading trained generators from a run:
:func:`demiurge.models.loading.load_vocoder` and :func:`~demiurge.models.loading.load_unagan`.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

from demiurge.dsp.config import MelConfig
from demiurge.errors import DemiurgeError
from demiurge.models.configs import (HIFIGAN_DISCRIMINATOR, HIFIGAN_PRESETS, ISTFT_DISCRIMINATOR,
                                     ISTFT_DISCRIMINATOR_GPU, MELGAN_DISCRIMINATOR, DiscriminatorConfig,
                                     HiFiGANConfig, ISTFTConfig, MelGANConfig)

# name -> (family, generator config, discriminator config)
VOCODER_ARCHS: Dict[str, Tuple[str, Any, DiscriminatorConfig]] = {
    "istft": ("istft", ISTFTConfig(), ISTFT_DISCRIMINATOR),
    "istft-gpu": ("istft", ISTFTConfig(channels=512, blocks=8), ISTFT_DISCRIMINATOR_GPU),
    "hifigan-rt": ("hifigan", HiFiGANConfig(upsample_rates=(8, 8, 4), upsample_kernels=(16, 16, 8),
                                            channels=128, resblock=2, resblock_kernels=(3,),
                                            resblock_dilations=((1, 3, 9),)),
                   HIFIGAN_DISCRIMINATOR),
    "melgan": ("melgan", MelGANConfig(), MELGAN_DISCRIMINATOR),
    "hifigan-v1": ("hifigan", HIFIGAN_PRESETS["hifigan-v1"], HIFIGAN_DISCRIMINATOR),
    "hifigan-v2": ("hifigan", HIFIGAN_PRESETS["hifigan-v2"], HIFIGAN_DISCRIMINATOR),
    "hifigan-v3": ("hifigan", HIFIGAN_PRESETS["hifigan-v3"], HIFIGAN_DISCRIMINATOR),
}
DEFAULT_VOCODER = "istft"


def vocoder_family(arch: str) -> str:
    try:
        return VOCODER_ARCHS[arch][0]
    except KeyError:
        raise DemiurgeError(f"unknown vocoder architecture {arch!r}; choose one of "
                            f"{', '.join(VOCODER_ARCHS)}") from None


def build_vocoder(*, arch: str, generator: Mapping[str, Any], mel: MelConfig):
    """A vocoder generator (a :class:`~demiurge.models.vocoder.VocoderGenerator`) from its
    stored settings (``generator``: the config dict)."""
    family = vocoder_family(arch)
    if family == "melgan":
        from demiurge.models.melgan import MelGANGenerator

        return MelGANGenerator(MelGANConfig.from_dict(generator), n_mels=mel.n_mels, hop_length=mel.hop_length)
    if family == "istft":
        from demiurge.models.istft import ISTFTGenerator

        return ISTFTGenerator(ISTFTConfig.from_dict(generator), mel=mel)
    from demiurge.models.hifigan import HiFiGANGenerator

    return HiFiGANGenerator(HiFiGANConfig.from_dict(generator), n_mels=mel.n_mels, hop_length=mel.hop_length)


__all__ = ["VOCODER_ARCHS", "DEFAULT_VOCODER", "build_vocoder", "vocoder_family"]
