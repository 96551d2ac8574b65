"""Trained generators from a run, ready for generation or export.

``load_vocoder(ref)`` and ``load_unagan(ref)`` take a run directory, a run id (see
:func:`demiurge.runs.resolve_run`) or a checkpoint file, read its BEST checkpoint (else the
latest; ``which="latest"`` for the latest) through :func:`demiurge.runs.load`, and return a
:class:`TrainedGenerator`:

- ``generator``: the trained module in eval mode (offline; ``generator.streaming()`` gives the
  streaming, TorchScript-able copy with ``reset()``, ``latency_samples``, ``latency_frames``).
  Vocoder: raw log-mel ``Tensor[B x n_mels x F]`` -> audio ``Tensor[B x 1 x F * hop]``.
  UNAGAN: z ``Tensor[B x 20 x T_z]`` -> z-scored mel ``Tensor[B x n_mels x 16 * T_z]``.
- ``mel``: the :class:`~demiurge.dsp.MelConfig` the run was trained with.
- ``stats``: ``dict(mean=Tensor[n_mels], std=Tensor[n_mels])``, the per-bin statistics of the
  training mels (raw log-mel = z-scored * std + mean).
- ``card``: a JSON-able dict describing the model (kind, arch, run id, step, epoch, metric,
  sample rate, hop, latency, configs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict

import torch
from torch import nn

from demiurge.dsp.config import MelConfig
from demiurge.models import build_vocoder
from demiurge.models.configs import UNAGANConfig
from demiurge.models.unagan import UNAGANGenerator
from demiurge.runs import Checkpoint, Run, load, register_loader


@dataclass
class TrainedGenerator:
    """A vocoder or UNAGAN generator loaded from a run (see the module docstring)."""

    generator: nn.Module
    mel: MelConfig
    stats: Dict[str, torch.Tensor]
    card: Dict[str, Any]
    checkpoint: Checkpoint

    @property
    def step(self) -> int:
        return self.checkpoint.step


def _stats(state: Dict[str, Any]) -> Dict[str, torch.Tensor]:
    return {k: torch.tensor(state["stats"][k], dtype=torch.float32) for k in ("mean", "std")}


def _vocoder(checkpoint: Checkpoint) -> TrainedGenerator:
    state = checkpoint.state
    config = state["config"]
    mel = MelConfig.from_dict(config["mel"])
    generator = build_vocoder(arch=config["arch"], generator=config["generator"], mel=mel)
    generator.load_state_dict(state["generator"])
    generator.eval()
    card = dict(checkpoint.card(), kind="vocoder", arch=config["arch"],
                metric_name="validation mel L1", sample_rate=mel.sample_rate,
                hop_length=mel.hop_length, n_mels=mel.n_mels,
                latency_samples=generator.latency_samples, causal=generator.causal,
                input="raw log10 mel (demiurge.dsp.LogMel)", generator=config["generator"],
                mel=mel.to_dict())
    return TrainedGenerator(generator, mel, _stats(state), card, checkpoint)


def _unagan(checkpoint: Checkpoint) -> TrainedGenerator:
    state = checkpoint.state
    config = state["config"]
    mel = MelConfig.from_dict(config["mel"])
    generator = UNAGANGenerator(UNAGANConfig.from_dict(config["unagan"]), n_mels=mel.n_mels,
                                hop_length=mel.hop_length)
    generator.load_state_dict(state["generator"])
    generator.eval()
    card = dict(checkpoint.card(), kind="unagan", metric_name="BEGAN convergence M",
                sample_rate=mel.sample_rate, hop_length=mel.hop_length, n_mels=mel.n_mels,
                z_channels=generator.z_channels, frames_per_z=generator.frames_per_z,
                latency_frames=generator.latency_frames, causal=generator.causal,
                output="z-scored log10 mel", unagan=config["unagan"], mel=mel.to_dict())
    return TrainedGenerator(generator, mel, _stats(state), card, checkpoint)


register_loader("vocoder", _vocoder)
register_loader("unagan", _unagan)


def load_vocoder(ref: str | os.PathLike | Run, *, which: str = "best") -> TrainedGenerator:
    """The trained vocoder of a run or checkpoint file (see the module docstring)."""
    return load(ref, kind="vocoder", which=which)


def load_unagan(ref: str | os.PathLike | Run, *, which: str = "best") -> TrainedGenerator:
    """The trained UNAGAN of a run or checkpoint file (see the module docstring)."""
    return load(ref, kind="unagan", which=which)
