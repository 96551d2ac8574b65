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
from demiurge.dsp import Descriptors, MFCCConfig
from demiurge.sequencer.predictors import build_predictor
from demiurge.train.run import Run

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


_EXPORTS: Dict[str, List[Path]] = {}


def export_all(root: Path) -> List[Path]:
    """Export one run of each kind (default configs) into ``root/export``, once per session."""
    from demiurge.plugin.from_runs import export_run

    key = str(root)
    if key not in _EXPORTS:
        out = root / "export"
        paths = []
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
