"""A training run is a directory a user can read:

    RUN_DIR/
      manifest.json      id, kind, counters, and every file below with what it is
      config.json        the full configuration (enough to rebuild the model)
      checkpoints/latest.pt, checkpoints/best.pt     written atomically
      metrics.jsonl      one line of logged values per logging step
      wandb/             the wandb run (offline by default), whose id is the run id
      ...                statistics, samples and exports that the trainer adds

Resuming is explicit (``resume=True``), never a surprise, and continues the step and epoch
counters stored in the latest checkpoint.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import secrets
import string
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from demiurge.errors import DemiurgeError
from demiurge.fileio import read_json, torch_save, write_json

MANIFEST = "manifest.json"
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_run_id() -> str:
    """An 8-character id, like wandb's."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


class Run:
    """A run directory: create or resume it, save and load checkpoints, record files."""

    def __init__(self, path: Path, manifest: Dict[str, Any]):
        self.path = Path(path)
        self.manifest = manifest

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(cls, path: str | os.PathLike, *, kind: str, config: Dict[str, Any],
               resume: bool = False) -> "Run":
        """Start a new run in ``path``, or continue the one there if ``resume``.

        A new run refuses a folder that already holds a run; resuming refuses a folder without
        one, and a config whose model settings differ from the stored one.
        """
        path = Path(path)
        manifest_path = path / MANIFEST
        if resume:
            if not manifest_path.exists():
                raise DemiurgeError(f"{path}: no run to resume here (no {MANIFEST}); "
                                    "drop --resume to start a new run")
            run = cls.open(path)
            if run.kind != kind:
                raise DemiurgeError(f"{path} is a {run.kind} run, not a {kind} run")
            return run
        if manifest_path.exists():
            raise DemiurgeError(f"{path} already holds a run; pass --resume to continue it "
                                "or choose another output folder")
        if path.exists() and any(path.iterdir()):
            raise DemiurgeError(f"{path} exists and is not empty; choose a new output folder")
        path.mkdir(parents=True, exist_ok=True)
        import torch

        from demiurge import __version__

        manifest = {
            "id": new_run_id(),
            "kind": kind,
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
            "demiurge_version": __version__,
            "torch_version": torch.__version__,
            "config": "config.json",
            "checkpoints": {},
            "files": {},
        }
        write_json(path / "config.json", config)
        run = cls(path, manifest)
        run._write_manifest()
        return run

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Run":
        path = Path(path)
        try:
            manifest = read_json(path / MANIFEST)
        except FileNotFoundError:
            raise DemiurgeError(f"{path}: not a run directory (no {MANIFEST})") from None
        except json.JSONDecodeError as exc:
            raise DemiurgeError(f"{path / MANIFEST} is corrupt ({exc}); restore it") from None
        return cls(path, manifest)

    # ------------------------------------------------------------------ properties
    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def config(self) -> Dict[str, Any]:
        return read_json(self.path / self.manifest["config"])

    def file(self, name: str) -> Path:
        """Path of a recorded file (see :meth:`record_file`)."""
        try:
            return self.path / self.manifest["files"][name]["path"]
        except KeyError:
            raise DemiurgeError(f"run {self.path} has no {name!r} file; was training finished?") from None

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, state: Dict[str, Any], *, step: int, epoch: int,
                        metric: Optional[float] = None, best: bool = False) -> Path:
        """Write ``checkpoints/latest.pt`` (and ``best.pt`` if ``best``) atomically.

        ``state`` is whatever the trainer needs to continue (model and optimiser states); the
        counters and metric are added to it and to the manifest.
        """
        state = dict(state, step=step, epoch=epoch, metric=metric)
        entry = {"step": step, "epoch": epoch, "metric": metric}
        names = ["latest"] + (["best"] if best else [])
        for name in names:
            rel = f"checkpoints/{name}.pt"
            torch_save(state, self.path / rel)
            self.manifest["checkpoints"][name] = dict(entry, path=rel)
        self._write_manifest()
        return self.path / "checkpoints/latest.pt"

    def load_checkpoint(self, which: str = "latest", *, map_location: str = "cpu") -> Dict[str, Any]:
        import torch

        entry = self.manifest["checkpoints"].get(which)
        if entry is None:
            have = ", ".join(self.manifest["checkpoints"]) or "none"
            raise DemiurgeError(f"run {self.path} has no {which!r} checkpoint (has: {have}); "
                                "train it for at least one checkpoint interval")
        path = self.path / entry["path"]
        try:
            return torch.load(path, map_location=map_location, weights_only=False)
        except Exception as exc:
            raise DemiurgeError(f"{path}: cannot read checkpoint ({exc})") from None

    def has_checkpoint(self, which: str = "latest") -> bool:
        return which in self.manifest["checkpoints"]

    # ------------------------------------------------------------------ files
    def record_file(self, name: str, relpath: str, description: str) -> Path:
        """Note a file of the run in the manifest (statistics, samples, exports)."""
        self.manifest["files"][name] = {"path": relpath, "description": description}
        self._write_manifest()
        return self.path / relpath

    def update(self, **fields: Any) -> None:
        self.manifest.update(fields)
        self._write_manifest()

    def _write_manifest(self) -> None:
        write_json(self.path / MANIFEST, self.manifest)


def find_runs(roots: Iterable[str | os.PathLike], max_depth: int = 4) -> List[Path]:
    """Run directories (holding a manifest) below ``roots``."""
    found = []
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            depth = len(Path(dirpath).relative_to(root).parts)
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in
                           ("wandb", "checkpoints", "node_modules")]
            if depth >= max_depth:
                dirnames[:] = []
            if MANIFEST in filenames:
                found.append(Path(dirpath))
    return found


def resolve_run(ref: str | os.PathLike, *, kind: Optional[str] = None,
                roots: Optional[Iterable[str | os.PathLike]] = None) -> Run:
    """A run named by its directory or by its run id (searched below ``roots``, by default
    the current folder and ``$DEMIURGE_RUNS``)."""
    path = Path(ref)
    if (path / MANIFEST).exists():
        run = Run.open(path)
    else:
        if roots is None:
            roots = [Path.cwd()] + [Path(p) for p in os.environ.get("DEMIURGE_RUNS", "").split(os.pathsep) if p]
        matches = [p for p in find_runs(roots) if _manifest_id(p) == str(ref)]
        if not matches and path.is_dir():
            held = sorted(p.name for p in path.iterdir())
            what = f"it holds {', '.join(held[:4])}{' ...' if len(held) > 4 else ''} but" \
                if held else "it is empty: there is"
            raise DemiurgeError(f"{path} is a folder but not a training run: {what} no "
                                f"{MANIFEST}, which `demiurge train` writes first; give the folder "
                                "a training run wrote (or its run id), or train into it again")
        if not matches:
            raise DemiurgeError(f"no run directory or run id {str(ref)!r} found (searched "
                                f"{', '.join(str(r) for r in roots)}); give the run's folder")
        if len(matches) > 1:
            raise DemiurgeError(f"run id {ref!r} matches several folders: "
                                f"{', '.join(map(str, matches))}; give the folder instead")
        run = Run.open(matches[0])
    if kind is not None and not run.kind.startswith(kind):
        raise DemiurgeError(f"{run.path} is a {run.kind} run; a {kind} run is needed here")
    return run


def _manifest_id(path: Path) -> Optional[str]:
    try:
        return read_json(path / MANIFEST).get("id")
    except (OSError, json.JSONDecodeError):
        return None
