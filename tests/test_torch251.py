"""Every exported model loads and plays identically in torch 2.5.1 (the libtorch of nn~
v1.6.0) and in the current torch.

A side virtualenv ``.venv-torch251/`` (repo root, gitignored) with ``torch==2.5.1 numpy`` is
built on first use (``make torch251`` does the same; about 3 GB and 1-2 minutes) and reused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from demiurge.cli import main
from demiurge.errors import DemiurgeError
from demiurge.plugin.other_torch import compare_in_other_torch
from export_fixtures import exported_models  # noqa: F401  (fixture)

pytestmark = pytest.mark.torch251

REPO = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("DEMIURGE_TORCH251_VENV", REPO / ".venv-torch251"))
PYTHON = VENV / "bin" / "python"


@pytest.fixture(scope="module")
def torch251() -> Path:
    """The side virtualenv's Python with torch 2.5.1, built once (marker ``.installed``)."""
    marker = VENV / ".installed"
    if not marker.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "torch==2.5.1", "numpy"],
                       check=True, timeout=1800)
        marker.touch()
    return PYTHON


def test_exports_play_identically_in_torch_2_5_1(exported_models, torch251):  # noqa: F811
    assert len(exported_models) == 9     # 4 vocoders, UNAGAN + vocoder, 4 predictors
    assert compare_in_other_torch(torch251, exported_models).startswith("2.5.1")


def test_check_replays_in_another_torch_and_names_what_differs(exported_models, torch251, tmp_path,
                                                               capsys):  # noqa: F811
    """`demiurge check --torch PYTHON`; and a file whose method uses a newer op fails there."""
    assert main(["check", str(exported_models[0]), "--bufsize", "4096", "--seconds", "0.2",
                 "--torch", str(torch251)]) == 0
    assert "plays identically in torch 2.5.1" in capsys.readouterr().out

    class _Newer(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("forward_params", torch.tensor([1, 1, 1, 1]))

        def forward(self, x: Tensor) -> Tensor:    # aten::stft gained an argument after 2.5.1
            spec = torch.stft(x[0], 64, hop_length=64, window=torch.ones(64), return_complex=True)
            return x + spec.abs().sum() * 0.0

    path = tmp_path / "newer.ts"
    torch.jit.script(_Newer()).save(str(path))
    with pytest.raises(DemiurgeError, match="could not load or play the files"):
        compare_in_other_torch(torch251, [path])


def test_the_sequencer_plays_identically_in_torch_2_5_1(torch251, tmp_path):
    """sequencer.ts (the engine core, a DB of steady tones and a predictor inside): every
    buffer and setter as in the current torch, after the self-check of its export."""
    from export_fixtures import make_predictor_run
    from live_fixtures import TONES, write_tone_db

    db = write_tone_db(tmp_path / "tones", TONES)
    run = make_predictor_run(tmp_path / "pred", "lstm")
    assert main(["export", str(db), "--predictor", str(run.path), "-o", str(tmp_path)]) == 0
    assert compare_in_other_torch(torch251, [tmp_path / "sequencer.ts"]).startswith("2.5.1")
