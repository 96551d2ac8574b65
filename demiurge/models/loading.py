"""Trained generators from a run, ready for generation or export.

``load_vocoder(run_or_path)`` and ``load_unagan(run_or_path)`` take a run directory, a run id
(see :func:`demiurge.train.run.resolve_run`) or a checkpoint file, read the BEST checkpoint,
and return ``(generator, mel_config, stats, card)``:

- ``generator``: the trained module in eval mode (offline; ``generator.streaming()`` gives the
  streaming, TorchScript-able copy with ``reset()``, ``latency_samples``, ``latency_frames``).
  Vocoder: raw log-mel ``Tensor[B x n_mels x F]`` -> audio ``Tensor[B x 1 x F * hop]``.
  UNAGAN: z ``Tensor[B x 20 x T_z]`` -> z-scored mel ``Tensor[B x n_mels x 16 * T_z]``.
- ``mel_config``: the :class:`~demiurge.dsp.MelConfig` the run was trained with.
- ``stats``: ``dict(mean=Tensor[n_mels], std=Tensor[n_mels])``, the per-bin statistics of the
  training mels (raw log-mel = z-scored * std + mean).
- ``card``: a JSON-able dict describing the model (kind, arch, run id, step, epoch, metric,
  sample rate, hop, latency, configs).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Tuple

import torch
from torch import nn

from demiurge.dsp.config import MelConfig
from demiurge.errors import DemiurgeError
from demiurge.models import build_vocoder
from demiurge.models.unagan import UNAGANConfig, UNAGANGenerator

Loaded = Tuple[nn.Module, MelConfig, Dict[str, torch.Tensor], Dict[str, Any]]


def _read_best(run_or_path, kind: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The best checkpoint's state and a card skeleton (run id where there is a run)."""
    from demiurge.train.run import resolve_run

    path = Path(run_or_path)
    if path.is_file():
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc:
            raise DemiurgeError(f"{path}: cannot read checkpoint ({exc})") from None
        if not isinstance(state, dict) or state.get("kind") != kind:
            raise DemiurgeError(f"{path} is not a {kind} checkpoint")
        return state, {"run_id": state.get("run_id"), "source": str(path)}
    run = resolve_run(run_or_path, kind=kind)
    which = "best" if run.has_checkpoint("best") else "latest"
    state = run.load_checkpoint(which)
    return state, {"run_id": run.id, "source": str(run.path), "checkpoint": which}


def _stats(state: Dict[str, Any]) -> Dict[str, torch.Tensor]:
    return {k: torch.tensor(state["stats"][k], dtype=torch.float32) for k in ("mean", "std")}


def load_vocoder(run_or_path: str | os.PathLike) -> Loaded:
    """(generator, mel_config, stats, card) of a trained vocoder (see the module docstring)."""
    state, card = _read_best(run_or_path, "vocoder")
    config = state["config"]
    mel = MelConfig.from_dict(config["mel"])
    generator = build_vocoder(arch=config["arch"], generator=config["generator"], mel=mel)
    generator.load_state_dict(state["generator"])
    generator.eval()
    card.update(kind="vocoder", arch=config["arch"], step=state["step"], epoch=state["epoch"],
                metric=state.get("metric"), metric_name="validation mel L1",
                sample_rate=mel.sample_rate, hop_length=mel.hop_length, n_mels=mel.n_mels,
                latency_samples=generator.latency_samples, causal=generator.causal,
                input="raw log10 mel (demiurge.dsp.LogMel)", generator=config["generator"],
                mel=mel.to_dict())
    return generator, mel, _stats(state), card


def load_unagan(run_or_path: str | os.PathLike) -> Loaded:
    """(generator, mel_config, stats, card) of a trained UNAGAN (see the module docstring)."""
    state, card = _read_best(run_or_path, "unagan")
    config = state["config"]
    mel = MelConfig.from_dict(config["mel"])
    generator = UNAGANGenerator(UNAGANConfig.from_dict(config["unagan"]), n_mels=mel.n_mels,
                                hop_length=mel.hop_length)
    generator.load_state_dict(state["generator"])
    generator.eval()
    card.update(kind="unagan", step=state["step"], epoch=state["epoch"], metric=state.get("metric"),
                metric_name="BEGAN convergence M", sample_rate=mel.sample_rate,
                hop_length=mel.hop_length, n_mels=mel.n_mels, z_channels=generator.z_channels,
                frames_per_z=generator.frames_per_z, latency_frames=generator.latency_frames,
                causal=generator.causal, output="z-scored log10 mel", unagan=config["unagan"],
                mel=mel.to_dict())
    return generator, mel, _stats(state), card
