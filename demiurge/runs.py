"""The run layer: a training run is a directory a user can read, and the one way anything
reads it back.

    RUN_DIR/
      manifest.json      id, kind, counters, and every file below with what it is
      config.json        the full configuration (enough to rebuild the model)
      checkpoints/latest.pt, checkpoints/best.pt     written atomically
      metrics.jsonl      one line of logged values per logging step
      wandb/             the wandb run (offline by default), whose id is the run id
      ...                statistics, samples and exports that the trainer adds

Resuming is explicit (``resume=True``), never a surprise, and continues the step and epoch
counters stored in the latest checkpoint. A run's folder is absolute from the moment it is
created or opened, so a run can be resumed or exported from any folder.

Every checkpoint holds ``kind``, ``config`` (the run's full configuration), ``run_id``,
``step``, ``epoch``, ``metric``, ``stats`` and ``generator`` (the weights of the network used
after training) plus what its trainer needs to continue. Loading a trained model goes
through :func:`load`: the packages that define models register one loader per run kind
(:func:`register_loader`), each of which turns a :class:`Checkpoint` into a typed
``Trained...`` object; the choice of checkpoint (best, else latest) is made here only.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import secrets
import string
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

from demiurge.errors import DemiurgeError
from demiurge.fileio import read_json, torch_save, write_json

MANIFEST = "manifest.json"
CHECKPOINTS = ("best", "latest")
_ID_ALPHABET = string.ascii_lowercase + string.digits


def absolute(path: str | os.PathLike) -> Path:
    """``path`` made absolute (``~`` expanded) against the current folder, as every path a run
    stores must be."""
    return Path(path).expanduser().resolve()


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
        one.
        """
        path = absolute(path)
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
        path = absolute(path)
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

    def write_config(self, config: Dict[str, Any]) -> None:
        """Replace the stored configuration (a resume that changes the schedule)."""
        write_json(self.path / self.manifest["config"], config)

    def file(self, name: str) -> Path:
        """Path of a recorded file (see :meth:`record_file`)."""
        try:
            return self.path / self.manifest["files"][name]["path"]
        except KeyError:
            raise DemiurgeError(f"run {self.path} has no {name!r} file; was training finished?") from None

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, state: Dict[str, Any], *, step: int, epoch: int,
                        metric: Optional[float] = None, metric_name: Optional[str] = None,
                        best: bool = False) -> Path:
        """Write ``checkpoints/latest.pt`` (and ``best.pt`` if ``best``) atomically.

        ``state`` is whatever the trainer needs to continue (model and optimiser states); the
        counters and the metric (and the name of what it measures) are added to it and to the
        manifest.
        """
        state = dict(state, step=step, epoch=epoch, metric=metric)
        entry = {"step": step, "epoch": epoch, "metric": metric}
        if metric_name:
            entry["metric_name"] = metric_name
        names = ["latest"] + (["best"] if best else [])
        for name in names:
            rel = f"checkpoints/{name}.pt"
            torch_save(state, self.path / rel)
            self.manifest["checkpoints"][name] = dict(entry, path=rel)
        self._write_manifest()
        return self.path / "checkpoints/latest.pt"

    def load_checkpoint(self, which: str = "latest", *, map_location: str = "cpu") -> Dict[str, Any]:
        import torch

        entry = self.checkpoint_entry(which)
        if entry is None:
            have = ", ".join(w for w in self.manifest["checkpoints"] if self.has_checkpoint(w)) or "none"
            raise DemiurgeError(f"run {self.path} has no {which!r} checkpoint (has: {have}); "
                                "train it for at least one checkpoint interval")
        path = self.path / entry["path"]
        try:
            return torch.load(path, map_location=map_location, weights_only=False)
        except Exception as exc:
            raise DemiurgeError(f"{path}: cannot read checkpoint ({exc})") from None

    def has_checkpoint(self, which: str = "latest") -> bool:
        """True when the manifest lists checkpoint ``which`` and its file is there."""
        entry = self.manifest["checkpoints"].get(which)
        return entry is not None and (self.path / entry["path"]).is_file()

    def checkpoint_entry(self, which: str) -> Optional[Dict[str, Any]]:
        """``{"step", "epoch", "metric", "path"}`` (and ``"metric_name"``, what the metric
        measures, in runs that record it) of checkpoint ``which``, or None."""
        return self.manifest["checkpoints"].get(which) if self.has_checkpoint(which) else None

    def choose_checkpoint(self, which: str = "best") -> str:
        """The checkpoint to use for ``which``: ``best`` falls back to ``latest`` (a run
        stopped before its first evaluation, or whose best.pt was removed)."""
        if which not in CHECKPOINTS:
            raise DemiurgeError(f"checkpoint {which!r}: choose best or latest")
        if self.has_checkpoint(which):
            return which
        if which == "best" and self.has_checkpoint("latest"):
            return "latest"
        what = "checkpoint" if which == "best" else f"{which} checkpoint"
        raise DemiurgeError(f"run {self.path} has no {what} yet; train it for at least one "
                            "checkpoint interval")

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


def is_run(path: str | os.PathLike) -> bool:
    """True when ``path`` is a run directory (it holds a manifest)."""
    return (Path(path) / MANIFEST).is_file()


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
    if kind is not None and run.kind != kind:
        raise DemiurgeError(f"{run.path} is a {run.kind} run; a {kind} run is needed here")
    return run


def read_config(ref: str | os.PathLike) -> Dict[str, Any]:
    """A stored run configuration to start from: a run's folder (or id), or a ``config.json``."""
    path = Path(ref)
    if path.is_file():
        try:
            config = read_json(path)
        except (OSError, json.JSONDecodeError) as exc:
            raise DemiurgeError(f"--config {path}: cannot read it as JSON ({exc})") from None
        if not isinstance(config, dict):
            raise DemiurgeError(f"--config {path}: not a run configuration (a JSON object)")
        return config
    return resolve_run(ref).config


def _manifest_id(path: Path) -> Optional[str]:
    try:
        return read_json(path / MANIFEST).get("id")
    except (OSError, json.JSONDecodeError):
        return None


# ---------------------------------------------------------------------------- loading
@dataclass
class Checkpoint:
    """One checkpoint read back: ``state`` as its trainer saved it, the run it belongs to
    (``None`` for a bare ``.pt`` file), which checkpoint it is and where it came from."""

    state: Dict[str, Any]
    kind: str
    which: str
    source: Path
    run: Optional[Run] = None

    @property
    def step(self) -> int:
        return int(self.state["step"])

    @property
    def run_id(self) -> Optional[str]:
        return self.run.id if self.run is not None else self.state.get("run_id")

    def card(self) -> Dict[str, Any]:
        """The provenance part of a model card."""
        return {"run_id": self.run_id, "source": str(self.source), "checkpoint": self.which,
                "step": self.step, "epoch": self.state.get("epoch"), "metric": self.state.get("metric")}


Loader = Callable[[Checkpoint], Any]
LOADERS: Dict[str, Loader] = {}


def register_loader(kind: str, loader: Loader) -> Loader:
    """Declare how a checkpoint of run kind ``kind`` becomes a trained model (called by the
    package that defines the model, when it is imported)."""
    LOADERS[kind] = loader
    return loader


def read_checkpoint(ref: str | os.PathLike | Run, *, kind: Optional[str] = None,
                    which: str = "best") -> Checkpoint:
    """The checkpoint ``which`` (best, else latest) of a run (a :class:`Run`, its folder or
    its id), or a checkpoint file; ``kind`` refuses other kinds of run."""
    import torch

    if not isinstance(ref, Run) and Path(ref).is_file():
        path = absolute(ref)
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc:
            raise DemiurgeError(f"{path}: cannot read checkpoint ({exc})") from None
        found = state.get("kind") if isinstance(state, dict) else None
        if found is None or (kind is not None and found != kind):
            raise DemiurgeError(f"{path} is not a {kind or 'demiurge'} checkpoint; give a run "
                                "folder or a checkpoint from its checkpoints/ folder")
        return Checkpoint(state=state, kind=found, which=path.stem, source=path)
    run = ref if isinstance(ref, Run) else resolve_run(ref, kind=kind)
    if kind is not None and run.kind != kind:
        raise DemiurgeError(f"{run.path} is a {run.kind} run; a {kind} run is needed here")
    chosen = run.choose_checkpoint(which)
    return Checkpoint(state=run.load_checkpoint(chosen), kind=run.kind, which=chosen,
                      source=run.path, run=run)


def load(ref: str | os.PathLike | Run, *, kind: Optional[str] = None, which: str = "best") -> Any:
    """The trained model of a run or checkpoint file (see :func:`read_checkpoint`), as its
    kind's registered loader builds it."""
    checkpoint = read_checkpoint(ref, kind=kind, which=which)
    loader = LOADERS.get(checkpoint.kind)
    if loader is None:
        known = ", ".join(sorted(LOADERS)) or "none"
        raise DemiurgeError(f"{checkpoint.source} is a {checkpoint.kind} run, which demiurge "
                            f"cannot load (loaders are registered for: {known}; the package "
                            "that defines a model registers its loader when imported)")
    return loader(checkpoint)
