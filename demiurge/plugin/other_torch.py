"""Play exported files in another torch installation (nn~ v1.6.0 ships libtorch 2.5.1) and
compare every method's output with the current torch.

The other Python only needs torch and numpy: it runs :mod:`demiurge.plugin.replay` as a script;
inputs and outputs travel as ``.npy`` files.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from demiurge.errors import DemiurgeError
from demiurge.plugin.host import NNHost

REPLAY = Path(__file__).with_name("replay.py")


def compare_in_other_torch(python: str | Path, paths: Sequence[str | Path], *,
                           tolerance: float = 1e-4) -> str:
    """Load every ``.ts`` of ``paths`` with ``python`` (another torch), call every method on two
    consecutive seeded buffers (batch 2) under inference mode and every setter, and compare
    with the current torch. Returns the other torch's version; raises :class:`DemiurgeError`
    naming the first file and method that fails or differs by more than ``tolerance``."""
    with tempfile.TemporaryDirectory(prefix="demiurge-other-torch-") as tmp:
        tmp = Path(tmp)
        files, expected = [], {}
        hosts = {str(p): NNHost(p) for p in paths}
        for path, host in hosts.items():
            calls = []
            for name, m in host.methods.items():
                bufsize = max(4096, host.highest_ratio)
                rng = np.random.default_rng(0)
                audio = torch.from_numpy(rng.uniform(-0.5, 0.5, (2, m.in_channels, 2 * bufsize))
                                         .astype(np.float32))
                inputs, outputs = [], []
                for i in range(2):   # two consecutive buffers: state must carry in both torches
                    x = audio[:, :, i * bufsize:(i + 1) * bufsize][:, :, m.in_ratio - 1::m.in_ratio]
                    with torch.inference_mode():
                        y = getattr(host.model, name)(x.contiguous())
                    stem = tmp / f"{len(files)}.{name}.{i}"
                    np.save(f"{stem}.in.npy", x.numpy())
                    inputs.append(f"{stem}.in.npy")
                    outputs.append(f"{stem}.out.npy")
                    expected[outputs[-1]] = (path, name, y.numpy().copy())
                calls.append({"method": name, "inputs": inputs, "outputs": outputs})
            files.append({"path": path, "calls": calls})
        job = tmp / "job.json"
        job.write_text(json.dumps({"files": files, "result": str(tmp / "result.json")}))
        try:
            proc = subprocess.run([str(python), str(REPLAY), str(job)], capture_output=True,
                                  text=True, timeout=1800)
        except OSError as exc:
            raise DemiurgeError(f"cannot run {python} ({exc}); give a Python with torch installed") from None
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            raise DemiurgeError(f"{python} could not load or play the files: "
                                f"{lines[-1] if lines else 'exit status ' + str(proc.returncode)}")
        result = json.loads((tmp / "result.json").read_text())
        version = result["torch"]
        for path, host in hosts.items():
            info = result["files"][path]
            if info["methods"] != list(host.methods):
                raise DemiurgeError(f"{path}: torch {version} lists methods {info['methods']}, "
                                    f"torch {torch.__version__} {list(host.methods)}")
            for name, code in info["setters"].items():
                if code != 0 or info["getters"][name] != host.get_attribute(name):
                    raise DemiurgeError(f"{path}: attribute {name} behaves differently in torch {version}")
        for out, (path, name, want) in expected.items():
            got = np.load(out)
            err = float(np.abs(got - want).max()) if got.shape == want.shape else float("inf")
            if err > tolerance:
                raise DemiurgeError(f"{path}: method `{name}` differs in torch {version} "
                                    f"(max difference {err:.3g}, shape {got.shape} vs {want.shape})")
        return version
