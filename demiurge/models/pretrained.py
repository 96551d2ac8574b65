"""The base vocoder that ships inside the package: an ``istft`` vocoder trained by the project
on a broad synthesised corpus (``tools/train_base_vocoder.py``; its recipe, steps, CPU time and
data are in the card beside the weights, ``weights/istft-base.json``).

``demiurge train vocoder`` fine-tunes from it by default whenever the run's architecture and
mel are the base's (``--from-scratch`` opts out), so a user's corpus starts from a vocoder that
already makes sound rather than from noise; the demo uses it the same way.

The weights file holds ``config`` (arch, generator, discriminator, mel), ``stats`` (the mel
statistics the generator normalises with), ``generator`` and ``discriminator`` (state dicts in
float16, to keep the package small; loaded back as float32).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import torch

WEIGHTS = Path(__file__).resolve().parent / "weights"
BASE_VOCODER = WEIGHTS / "istft-base.pt"
BASE_CARD = WEIGHTS / "istft-base.json"


@dataclass
class BaseVocoder:
    """The packaged base vocoder's weights and settings (see the module docstring)."""

    config: Dict[str, Any]
    stats: Dict[str, list]
    generator: Dict[str, torch.Tensor]
    discriminator: Dict[str, torch.Tensor]
    card: Dict[str, Any]

    def matches(self, *, arch: str, generator: Dict[str, Any], mel: Dict[str, Any]) -> bool:
        """True when a run with these settings can start from the base's weights (the stored
        generator settings read as the arch reads them, so a setting added since means its
        old value)."""
        from demiurge.models import VOCODER_ARCHS

        if arch != self.config["arch"] or mel != self.config["mel"]:
            return False
        settings = type(VOCODER_ARCHS[arch][1])
        return settings.from_dict(generator) == settings.from_dict(self.config["generator"])


def base_vocoder(path: Path = BASE_VOCODER) -> Optional[BaseVocoder]:
    """The packaged base vocoder (or another weights file of its format at ``path``), or None
    when there is none."""
    if not path.exists():
        return None
    state = torch.load(path, map_location="cpu", weights_only=True)
    as_float = lambda weights: {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
    return BaseVocoder(config=state["config"], stats=state["stats"], generator=as_float(state["generator"]),
                       discriminator=as_float(state["discriminator"]), card=base_card())


def base_card() -> Dict[str, Any]:
    """The base vocoder's card (recipe, steps, CPU time, data); empty when there is none."""
    return json.loads(BASE_CARD.read_text()) if BASE_CARD.exists() else {}


def base_generator(path: Path = BASE_VOCODER) -> torch.nn.Module:
    """The base vocoder's generator (or that of another weights file of its format) in eval
    mode: raw log-mel ``Tensor[B x n_mels x F]`` -> audio ``Tensor[B x 1 x F * hop]`` (see
    :mod:`demiurge.models.vocoder`)."""
    from demiurge.dsp.config import MelConfig
    from demiurge.errors import DemiurgeError
    from demiurge.models import build_vocoder

    base = base_vocoder(path)
    if base is None:
        raise DemiurgeError(f"this installation has no base vocoder ({path} is missing); "
                            "reinstall demiurge, or train one with tools/train_base_vocoder.py")
    c = base.config
    generator = build_vocoder(arch=c["arch"], generator=c["generator"], mel=MelConfig.from_dict(c["mel"]))
    generator.load_state_dict(base.generator)
    return generator.eval()
