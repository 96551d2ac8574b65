"""Every exported model loads and plays identically in torch 2.5.1 (the libtorch of nn~
v1.6.0) and in the current torch.

A side virtualenv ``.venv-torch251/`` (repo root, gitignored) with ``torch==2.5.1 numpy`` is
built on first use (``make torch251`` does the same; about 3 GB and 1-2 minutes) and reused.
Inputs and outputs travel as ``.npy`` files; ``tests/torch251_replay.py`` runs there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from demiurge.plugin.host import NNHost
from export_fixtures import exported_models  # noqa: F401  (fixture)

pytestmark = pytest.mark.torch251

REPO = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("DEMIURGE_TORCH251_VENV", REPO / ".venv-torch251"))
PYTHON = VENV / "bin" / "python"


def _ensure_venv() -> Path:
    """The side virtualenv with torch 2.5.1, built once (marker file ``.installed``)."""
    marker = VENV / ".installed"
    if not marker.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "torch==2.5.1", "numpy"],
                       check=True, timeout=1800)
        marker.touch()
    return PYTHON


def test_exports_play_identically_in_torch_2_5_1(exported_models, tmp_path):  # noqa: F811
    python = _ensure_venv()
    files, expected = [], {}
    for path in exported_models:
        host = NNHost(path)
        calls = []
        for name, m in host.methods.items():
            bufsize = max(4096, host.highest_ratio)
            rng = np.random.default_rng(0)
            audio = torch.from_numpy(rng.uniform(-0.5, 0.5, (2, m.in_channels, 2 * bufsize))
                                     .astype(np.float32))
            fn = getattr(host.model, name)
            inputs, outputs = [], []
            for i in range(2):   # two consecutive buffers: state must carry in both torches
                x = audio[:, :, i * bufsize:(i + 1) * bufsize][:, :, m.in_ratio - 1::m.in_ratio]
                with torch.inference_mode():
                    y = fn(x.contiguous())
                stem = tmp_path / f"{path.stem}.{name}.{i}"
                np.save(f"{stem}.in.npy", x.numpy())
                inputs.append(f"{stem}.in.npy")
                outputs.append(f"{stem}.out251.npy")
                expected[outputs[-1]] = y.numpy().copy()
            calls.append({"method": name, "inputs": inputs, "outputs": outputs})
        files.append({"path": str(path), "calls": calls})
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"files": files, "result": str(tmp_path / "result.json")}))
    proc = subprocess.run([str(python), str(REPO / "tests" / "torch251_replay.py"), str(job)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["torch"].startswith("2.5.1")
    for path in exported_models:
        info = result["files"][str(path)]
        host = NNHost(path)
        assert info["methods"] == list(host.methods)
        assert info["attributes"] == list(host.attributes)
        assert all(code == 0 for code in info["setters"].values()), info["setters"]
        for name in host.attributes:
            assert info["getters"][name] == host.get_attribute(name)
    for out, want in expected.items():
        got = np.load(out)
        assert got.shape == want.shape, out
        np.testing.assert_allclose(got, want, atol=1e-4, rtol=0, err_msg=out)
