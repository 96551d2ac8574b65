"""The descriptor database: every analysed frame of a set of audio files, with where it came from.

On disk a DB is a folder a user can inspect::

    DB_DIR/
      db.json                 format, MFCC config (with its floor, ``amin``), the files (path,
                              frame count, first row), skips
      features-<token>.npy    float32 [N x F]   (memory-mapped on open: scales to millions of frames)
      frames-<token>.npy      int64   [N x 2]   (file index, sample offset of the frame centre)

Writes are atomic: the arrays go to new ``<token>`` files first and ``db.json``, which names
them, is replaced last, so a reader sees the old DB or the new one, never a mix. The sample
offset of frame t of a file is ``t * hop_length`` (the centre of the analysis window), as the
original ``_sample`` field.
"""

from __future__ import annotations

import os
import secrets
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
                 features: np.ndarray, frames: np.ndarray, meta: dict):
        self.path = path
        self.config = config
        self.files = files
        self.features = features  # float32 [N x F]
        self.frames = frames      # int64 [N x 2]: file index, sample offset
        self.meta = meta

    # ------------------------------------------------------------------ reading
    @classmethod
    def open(cls, path: str | os.PathLike, *, mmap: bool = True) -> "DescriptorDB":
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
        return cls(path, config=config, files=files, features=features, frames=frames, meta=meta)

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
        """``(path, float32[n_i x F])`` for every file, frames in time order."""
        for i, f in enumerate(self.files):
            yield f.path, np.asarray(self.features[self.file_rows(i)])

    def audio_path(self, i: int) -> Path:
        """Absolute path of file ``i`` (stored paths may be relative to the DB folder)."""
        p = Path(self.files[i].path)
        return p if p.is_absolute() else (self.path / p).resolve()

    # ------------------------------------------------------------------ writing
    @staticmethod
    def write(path: str | os.PathLike, *, config: MFCCConfig,
              entries: Iterable[Tuple[str, np.ndarray]],
              skipped: Sequence[Tuple[str, str]] = (), extra: Optional[dict] = None) -> "DescriptorDB":
        """Write a DB from ``(audio path, float32[n_i x F])`` entries, atomically.

        Frame t of each entry gets sample offset ``t * config.hop_length``.
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        files, feats, rows = [], [], []
        first = 0
        for index, (audio_path, features) in enumerate(entries):
            features = np.asarray(features, dtype=np.float32)
            if features.ndim != 2 or features.shape[1] != config.n_features:
                raise DemiurgeError(f"{audio_path}: expected descriptors of shape [frames x "
                                    f"{config.n_features}], got {list(features.shape)}")
            n = features.shape[0]
            files.append(DBFile(path=str(audio_path), first=first, frames=n))
            feats.append(features)
            rows.append(np.stack([np.full(n, index, np.int64),
                                  np.arange(n, dtype=np.int64) * config.hop_length], axis=1))
            first += n
        if not files:
            raise DemiurgeError(f"no usable audio to put in the DB {path}; "
                                "check the skipped files listed above")
        features = np.concatenate(feats) if feats else np.zeros((0, config.n_features), np.float32)
        frames = np.concatenate(rows)
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
            "files": [f.__dict__ for f in files],
            "skipped": [list(s) for s in skipped],
            **(extra or {}),
        }
        write_json(path / "db.json", meta)
        for stale in old - set(names.values()):
            (path / stale).unlink(missing_ok=True)
        return DescriptorDB.open(path)


def _current_arrays(path: Path) -> set:
    try:
        meta = read_json(path / "db.json")
        return {meta["features"], meta["frames"]}
    except (OSError, ValueError, KeyError):
        return set()
