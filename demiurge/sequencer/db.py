"""The descriptor database: every analysed frame of a set of audio files, with where it came from.

On disk a DB is a folder a user can inspect::

    DB_DIR/
      db.json                 format, MFCC config (with its floor, ``amin``), the audio root,
                              the files (path, frame count, first row), skips
      features-<token>.npy    float32 [N x F]   (memory-mapped on open: scales to millions of frames)
      frames-<token>.npy      int64   [N x 2]   (file index, sample offset of the frame centre)

Writes are atomic: the arrays go to new ``<token>`` files first and ``db.json``, which names
them, is replaced last, so a reader sees the old DB or the new one, never a mix. The sample
offset of frame t of a file is ``t * hop_length`` (the centre of the analysis window), as the
original ``_sample`` field.

Audio paths are stored relative to the *audio root*, the folder that holds all the described
files (the folder given to ``describe``). The root itself is stored relative to the DB folder
when the two lie below a common folder other than ``/``, so a project folder holding both can
be moved or copied; ``described_from`` keeps the root's absolute path at describe time. A DB
whose audio moved on its own is pointed at it with ``audio_root=`` (``--audio-root DIR``).
DBs written before audio roots existed hold absolute paths; their root is the files' common
folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from demiurge.dsp.config import MFCCConfig, StaleFloorError
from demiurge.errors import DemiurgeError
from demiurge.fileio import atomic_path, read_json, write_json

FORMAT = "demiurge-descriptor-db"
VERSION = 1


@dataclass(frozen=True)
class DBFile:
    """One described audio file: rows ``[first, first + frames)`` of the DB."""

    path: str
    first: int
    frames: int


class DescriptorDB:
    """Read access to a descriptor DB (see module docstring for the layout)."""

    def __init__(self, path: Path, *, config: MFCCConfig, files: List[DBFile],
                 features: np.ndarray, frames: np.ndarray, meta: dict,
                 audio_root: Optional[Path] = None):
        self.path = path
        self.audio_root_override = audio_root
        self._audio_paths: Optional[List[Path]] = None
        self.config = config
        self.files = files
        self.features = features  # float32 [N x F]
        self.frames = frames      # int64 [N x 2]: file index, sample offset
        self.meta = meta

    # ------------------------------------------------------------------ reading
    @classmethod
    def open(cls, path: str | os.PathLike, *, mmap: bool = True,
             audio_root: Optional[str | os.PathLike] = None,
             need_audio: bool = False) -> "DescriptorDB":
        """Open the DB folder ``path``.

        ``audio_root`` is the folder its audio lies in now, when the audio moved after it was
        described. With ``need_audio`` (render, live) every audio file must exist, else a
        :class:`DemiurgeError` names the first missing one and where it was described from.
        """
        path = Path(path)
        meta_path = path / "db.json"
        if not meta_path.exists():
            raise DemiurgeError(f"{path}: not a descriptor DB (no db.json); "
                                "create one with `demiurge describe AUDIO_DIR -o DB_DIR`")
        try:
            meta = read_json(meta_path)
        except ValueError as exc:
            raise DemiurgeError(f"{meta_path} is corrupt ({exc}); describe the audio again") from None
        if meta.get("format") != FORMAT:
            raise DemiurgeError(f"{meta_path} is not a {FORMAT} file")
        if meta.get("version", 0) > VERSION:
            raise DemiurgeError(f"{path} was written by a newer Demiurge (DB version "
                                f"{meta['version']}); upgrade Demiurge")
        mode = "r" if mmap else None
        try:
            features = np.load(path / meta["features"], mmap_mode=mode)
            frames = np.load(path / meta["frames"], mmap_mode=mode)
        except (OSError, ValueError) as exc:
            raise DemiurgeError(f"{path}: cannot read DB arrays ({exc}); describe the audio again") from None
        try:
            config = MFCCConfig.from_dict(meta["mfcc_config"])
        except StaleFloorError as exc:
            raise DemiurgeError(f"{path} {exc}; describe the audio again with "
                                "`demiurge describe AUDIO_DIR -o DB_DIR`") from None
        files = [DBFile(**f) for f in meta["files"]]
        if features.shape != (meta["n_frames"], config.n_features) or frames.shape != (meta["n_frames"], 2):
            raise DemiurgeError(f"{path}: DB arrays do not match db.json; describe the audio again")
        db = cls(path, config=config, files=files, features=features, frames=frames, meta=meta,
                 audio_root=Path(audio_root) if audio_root is not None else None)
        if need_audio:
            db.check_audio()
        return db

    def __len__(self) -> int:
        return int(self.features.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.features.shape[1])

    @property
    def file_index(self) -> np.ndarray:
        """``int64[N]``: which file each frame belongs to."""
        return self.frames[:, 0]

    @property
    def sample(self) -> np.ndarray:
        """``int64[N]``: sample offset of each frame's centre in its file."""
        return self.frames[:, 1]

    def file_rows(self, i: int) -> slice:
        f = self.files[i]
        return slice(f.first, f.first + f.frames)

    def sequences(self) -> Iterator[Tuple[str, np.ndarray]]:
        """``(audio path, float32[n_i x F])`` for every file, frames in time order."""
        for i in range(len(self.files)):
            yield str(self.audio_path(i)), np.asarray(self.features[self.file_rows(i)])

    def audio_path(self, i: int) -> Path:
        """Absolute path of file ``i``: below :meth:`audio_root` when there is one."""
        if self._audio_paths is None:
            root = self.audio_root()
            if root is not None:
                self._audio_paths = [(root / n).resolve() for n in self._names_below_root()]
            else:
                stored = (Path(f.path) for f in self.files)
                self._audio_paths = [p if p.is_absolute() else (self.path / p).resolve()
                                     for p in stored]
        return self._audio_paths[i]

    def audio_root(self) -> Optional[Path]:
        """The folder the audio is read from: ``audio_root`` given to :meth:`open`, else the
        stored root (relative to the DB folder, or absolute). None for an old DB whose paths
        are absolute and no root was given."""
        if self.audio_root_override is not None:
            return self.audio_root_override.resolve()
        stored = self.meta.get("audio_root")
        return None if stored is None else (self.path / stored).resolve()

    def described_from(self, i: int) -> Path:
        """Where file ``i`` was when it was described."""
        origin = self.meta.get("described_from")
        p = Path(self.files[i].path)
        return Path(origin) / p if origin is not None else p if p.is_absolute() else self.path / p

    def _names_below_root(self) -> List[Path]:
        """Each file's path below the folder ``audio_root`` stands for: as stored, or, in an
        old DB with absolute paths, below the files' common folder."""
        stored = [Path(f.path) for f in self.files]
        if "audio_root" in self.meta or not all(p.is_absolute() for p in stored):
            return stored
        common = _common_folder(stored)
        return [p.relative_to(common) for p in stored]

    def check_audio(self) -> None:
        """Raise :class:`DemiurgeError` unless every audio file of the DB exists."""
        missing = [i for i in range(len(self.files)) if not self.audio_path(i).is_file()]
        if not missing:
            return
        i = missing[0]
        more = f" (and {len(missing) - 1} more files)" if len(missing) > 1 else ""
        raise DemiurgeError(
            f"the DB {self.path}'s audio {self.audio_path(i)} is missing; it was described from "
            f"{self.described_from(i)}{more}; if the audio moved, give the folder it is in now "
            f"with --audio-root DIR (this file as DIR/{self._names_below_root()[i]}), "
            "or describe the audio again")

    # ------------------------------------------------------------------ writing
    @staticmethod
    def write(path: str | os.PathLike, *, config: MFCCConfig,
              entries: Iterable[Tuple[str, np.ndarray]],
              skipped: Sequence[Tuple[str, str]] = (), extra: Optional[dict] = None,
              audio_root: Optional[str | os.PathLike] = None) -> "DescriptorDB":
        """Write a DB from ``(audio path, float32[n_i x F])`` entries, atomically.

        Frame t of each entry gets sample offset ``t * config.hop_length``. Paths are stored
        relative to ``audio_root`` (default: the entries' common folder when every path is
        absolute; relative names, such as those of predictions, are stored as given).
        """
        path = Path(path)
        entries = list(entries)
        if audio_root is None and entries and all(Path(p).is_absolute() for p, _ in entries):
            audio_root = _common_folder(Path(p) for p, _ in entries)
        root = Path(audio_root).resolve() if audio_root is not None else None
        files, feats, rows = [], [], []
        first = 0
        for index, (audio_path, features) in enumerate(entries):
            features = np.asarray(features, dtype=np.float32)
            if features.ndim != 2 or features.shape[1] != config.n_features:
                raise DemiurgeError(f"{audio_path}: expected descriptors of shape [frames x "
                                    f"{config.n_features}], got {list(features.shape)}")
            n = features.shape[0]
            stored = audio_path if root is None else Path(audio_path).resolve().relative_to(root)
            files.append(DBFile(path=str(stored), first=first, frames=n))
            feats.append(features)
            rows.append(np.stack([np.full(n, index, np.int64),
                                  np.arange(n, dtype=np.int64) * config.hop_length], axis=1))
            first += n
        if not files:
            raise DemiurgeError(f"no usable audio to put in the DB {path}; "
                                "check the skipped files listed above")
        features = np.concatenate(feats) if feats else np.zeros((0, config.n_features), np.float32)
        frames = np.concatenate(rows)
        created = next((p for p in reversed(path.absolute().parents) if not p.exists()),
                       None if path.exists() else path)
        try:
            _write_arrays(path, features=features, frames=frames, files=files, skipped=skipped,
                          config=config, extra=extra, root=root)
        except BaseException:
            if created is not None:  # a failed first write leaves nothing behind
                shutil.rmtree(created, ignore_errors=True)
            raise
        return DescriptorDB.open(path)


def _write_arrays(path: Path, *, features: np.ndarray, frames: np.ndarray, files: List[DBFile],
                  skipped: Sequence[Tuple[str, str]], config: MFCCConfig, extra: Optional[dict],
                  root: Optional[Path]) -> None:
    """The arrays under a new token, then ``db.json`` naming them, then the old arrays go."""
    token = secrets.token_hex(4)
    names = {"features": f"features-{token}.npy", "frames": f"frames-{token}.npy"}
    for key, array in (("features", features), ("frames", frames)):
        with atomic_path(path / names[key]) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, array)
    old = _current_arrays(path)
    meta = {
        "format": FORMAT, "version": VERSION,
        "mfcc_config": config.to_dict(),
        "n_frames": int(features.shape[0]), "n_features": config.n_features,
        "feature_names": config.feature_names,
        **names,
        **(_root_fields(root, path) if root is not None else {}),
        "files": [f.__dict__ for f in files],
        "skipped": [list(s) for s in skipped],
        **(extra or {}),
    }
    write_json(path / "db.json", meta)
    for stale in old - set(names.values()):
        (path / stale).unlink(missing_ok=True)


def _common_folder(paths: Iterable[Path]) -> Path:
    """The deepest folder holding every one of ``paths`` (absolute)."""
    return Path(os.path.commonpath([str(p.parent) for p in paths]))


def _root_fields(root: Path, db_dir: Path) -> dict:
    """``audio_root`` relative to the DB folder when both lie below a common folder other
    than the file system's root (else absolute), and ``described_from``, absolute."""
    db_dir = db_dir.resolve()
    common = Path(os.path.commonpath([str(root), str(db_dir)]))
    stored = os.path.relpath(root, db_dir) if common != Path(common.anchor) else str(root)
    return {"audio_root": Path(stored).as_posix(), "described_from": str(root)}


def _current_arrays(path: Path) -> set:
    try:
        meta = read_json(path / "db.json")
        return {meta["features"], meta["frames"]}
    except (OSError, ValueError, KeyError):
        return set()
