"""Small trained-looking runs of every exportable kind, and their exports (shared by the
export, torch 2.5.1 and patch tests). Weights are random but seeded; the run folders are real
(manifest, config, checkpoint) and are read back by the real loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import torch

from conftest import tone
from demiurge.dsp import Descriptors, LogMel, MelConfig, MFCCConfig
from demiurge.models import build_vocoder
from demiurge.models.configs import UNAGANConfig
from demiurge.models.unagan import UNAGANGenerator
from demiurge.sequencer.predictors import build_predictor
from demiurge.runs import Run

PREDICTOR_HP = {
    "lstm": {"hidden_size": 16, "num_layers": 2, "dropout": 0.0},
    "lstm-encdec": {"hidden_size": 16, "num_layers": 1, "dim_pos_encoding": 6, "dropout": 0.0},
    "transformer-encoder": {"num_layers": 1, "dim_pos_encoding": 6, "nhead": 3,
                            "dim_feedforward": 16, "dropout": 0.0},
    "transformer": {"num_layers": 1, "dim_pos_encoding": 6, "nhead": 3, "dim_feedforward": 16,
                    "dropout": 0.0},
}


def make_predictor_run(path: Path, model: str, *, mfcc: MFCCConfig = MFCCConfig(),
                       window_size: int = 6, forecast_size: int = 2, seed: int = 0) -> Run:
    """A predictor run whose best checkpoint is a seeded random ``model`` with real stats."""
    torch.manual_seed(seed)
    n = mfcc.n_features
    hp = dict(PREDICTOR_HP[model])
    if "nhead" in hp:   # keep d_model = n + dim_pos divisible by nhead
        hp["dim_pos_encoding"] = hp["dim_pos_encoding"] + (-(n + hp["dim_pos_encoding"])) % hp["nhead"]
    net = build_predictor(model, n_features=n, window_size=window_size,
                          forecast_size=forecast_size, **hp)
    with torch.no_grad():   # the zero-initialised output layer would forecast persistence only
        net.out.weight.normal_(0.0, 0.3)
    feats = Descriptors(mfcc)(torch.from_numpy(tone(2.0, sr=mfcc.sample_rate))[None])[0]
    spec = {"model": model, "n_features": n, "window_size": window_size,
            "forecast_size": forecast_size, "hyperparameters": hp, "mfcc_config": mfcc.to_dict()}
    run = Run.create(path, kind="predictor", config={"predictor": spec, "lr": 1e-4})
    run.save_checkpoint({"model": net.state_dict(), "model_config": spec,
                         "stats": {"mean": feats.mean(1).tolist(),
                                   "std": (feats.std(1) + 1e-3).tolist()}},
                        step=7, epoch=1, metric=0.5, best=True)
    return run


# Tiny generators of each family (the architectures of the papers, narrow).
VOCODER_CONFIGS = {
    "hifigan-rt": {"upsample_rates": [8, 8, 4], "upsample_kernels": [16, 16, 8], "channels": 16,
                   "resblock": 2, "resblock_kernels": [3], "resblock_dilations": [[1, 3]]},
    "hifigan-v1": {"upsample_rates": [8, 8, 2, 2], "upsample_kernels": [16, 16, 4, 4],
                   "channels": 16, "resblock": 1, "resblock_kernels": [3, 7],
                   "resblock_dilations": [[1, 3, 5], [1, 3, 5]]},
    "melgan": {"ratios": [8, 8, 2, 2], "channels": 32, "n_residual": 2, "gru": True},
    "istft": {"channels": 16, "blocks": 2, "mlp_ratio": 2, "kernel_size": 7, "n_fft": 1024},
}
TINY_UNAGAN = UNAGANConfig(channels=16, groups=4, d_channels=8, d_channels_2d=2)


def _mel_stats(mel: MelConfig):
    logmel = LogMel(mel)(torch.from_numpy(tone(2.0, sr=mel.sample_rate))[None])[0]
    return logmel.mean(1), logmel.std(1) + 1e-3


def _perturb(module: torch.nn.Module, seed: int) -> None:
    """Random but seeded weights everywhere (untrained layers are often initialised to zero)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=gen))


def make_vocoder_run(path: Path, arch: str = "hifigan-rt", *, mel: MelConfig = MelConfig(),
                     seed: int = 0) -> Run:
    """A vocoder run (kind ``vocoder``) whose best checkpoint holds a seeded tiny ``arch``."""
    torch.manual_seed(seed)
    generator = build_vocoder(arch=arch, generator=VOCODER_CONFIGS[arch], mel=mel)
    _perturb(generator, seed)
    mean, std = _mel_stats(mel)
    generator.set_stats(mean, std)
    config = {"arch": arch, "generator": VOCODER_CONFIGS[arch], "mel": mel.to_dict()}
    run = Run.create(path, kind="vocoder", config=config)
    run.save_checkpoint({"kind": "vocoder", "config": config, "generator": generator.state_dict(),
                         "stats": {"mean": mean.tolist(), "std": std.tolist()}},
                        step=11, epoch=1, metric=0.9, best=True)
    return run


def make_unagan_run(path: Path, *, mel: MelConfig = MelConfig(), config: UNAGANConfig = TINY_UNAGAN,
                    seed: int = 0) -> Run:
    """A UNAGAN run (kind ``unagan``) whose best checkpoint holds a seeded tiny generator."""
    torch.manual_seed(seed)
    generator = UNAGANGenerator(config, n_mels=mel.n_mels, hop_length=mel.hop_length)
    _perturb(generator, seed)
    mean, std = _mel_stats(mel)
    generator.set_stats(mean, std)
    run_config = {"unagan": config.to_dict(), "mel": mel.to_dict()}
    run = Run.create(path, kind="unagan", config=run_config)
    run.save_checkpoint({"kind": "unagan", "config": run_config, "generator": generator.state_dict(),
                         "stats": {"mean": mean.tolist(), "std": std.tolist()}},
                        step=13, epoch=2, metric=0.4, best=True)
    return run


_EXPORTS: Dict[str, List[Path]] = {}


def export_all(root: Path) -> List[Path]:
    """Export one run of each kind (default configs) into ``root/export``, once per session."""
    from demiurge.plugin.from_runs import export_run

    key = str(root)
    if key not in _EXPORTS:
        out = root / "export"
        runs = root / "runs"
        vocoder = make_vocoder_run(runs / "vocoder")
        paths = export_run(vocoder, out)
        paths += export_run(make_unagan_run(runs / "unagan"), out, vocoder=vocoder)
        for arch in ("hifigan-v1", "melgan", "istft"):
            paths += export_run(make_vocoder_run(runs / f"vocoder-{arch}", arch), out)
        for model in PREDICTOR_HP:
            paths += export_run(make_predictor_run(root / "runs" / f"predictor-{model}", model), out)
        _EXPORTS[key] = paths
    return _EXPORTS[key]


@pytest.fixture(scope="session")
def exported_models(tmp_path_factory) -> List[Path]:
    return export_all(tmp_path_factory.getbasetemp() / "exported-models")


def held(frames: torch.Tensor, ratio: int) -> torch.Tensor:
    """Frames ``[B x C x F]`` as nn~ carries them between objects: each held ``ratio`` samples."""
    return frames.repeat_interleave(ratio, dim=2)


def signal(seconds: float, *, sr: int = 44100, batch: int = 1) -> torch.Tensor:
    """Seeded test audio ``Tensor[B x 1 x T]`` (different tones per batch item)."""
    return torch.from_numpy(np.stack([tone(seconds, sr=sr, freq=220.0 * (1 + b), seed=b)
                                      for b in range(batch)]))[:, None]
