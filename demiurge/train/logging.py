"""Training logs: ``metrics.jsonl`` in the run directory plus a wandb run (offline unless the
user set ``WANDB_MODE``), whose id is the run id. Offline wandb runs cannot be read back by
newer wandb versions, so the run directory keeps its own copy of everything that matters."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict

from demiurge.runs import Run


class RunLogger:
    """Log scalars (and audio / images) for a run. ``close()`` when training ends."""

    def __init__(self, run: Run, *, project: str, config: Dict[str, Any], use_wandb: bool = True):
        self.run = run
        self.metrics_path = run.path / "metrics.jsonl"
        run.record_file("metrics", "metrics.jsonl", "logged values, one JSON object per line")
        self._wandb = None
        if use_wandb and os.environ.get("WANDB_MODE") != "disabled":
            os.environ.setdefault("WANDB_MODE", "offline")
            os.environ.setdefault("WANDB_SILENT", "true")
            os.environ.setdefault("WANDB_CONSOLE", "off")
            import wandb

            self._wandb = wandb.init(project=project, id=run.id, dir=str(run.path), config=config,
                                     resume="allow", reinit=True)
            self._wandb_module = wandb

    def log(self, values: Dict[str, Any], *, step: int) -> None:
        scalars = {k: float(v) for k, v in values.items()}
        with open(self.metrics_path, "a") as f:
            f.write(json.dumps(dict(step=step, **scalars)) + "\n")
        if self._wandb is not None:
            self._wandb.log(scalars, step=step)

    def log_audio(self, name: str, audio, *, sample_rate: int, step: int) -> None:
        if self._wandb is not None:
            self._wandb.log({name: self._wandb_module.Audio(audio, sample_rate=sample_rate)}, step=step)

    def log_image(self, name: str, path: Path, *, step: int) -> None:
        if self._wandb is not None:
            self._wandb.log({name: self._wandb_module.Image(str(path))}, step=step)

    def close(self) -> None:
        if self._wandb is not None:
            self._wandb.finish()
            self._wandb = None
