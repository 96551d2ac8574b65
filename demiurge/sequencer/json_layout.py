"""The original Demiurge JSON layout, for import and export.

One JSON object of parallel lists per audio file (``<stem>.json``)::

    {"_id": [path, path, ...],          # the audio file, repeated for every frame
     "_sample": [0, 1024, 2048, ...],   # frame index x hop: sample offset of the frame centre
     "mfcc0": [...], ..., "mfcc38": [...]}

Keys starting with ``_`` are metadata. A combined DB (the original ``AUDIOS_database.json``)
concatenates the lists of several files; frames are grouped back into files by ``_id``.
Predictions carry the feature keys only (no ``_id`` / ``_sample``). Numbers are written with
full float32 precision, so DB -> JSON -> DB is exact.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from demiurge.dsp.config import MFCCConfig
from demiurge.errors import DemiurgeError
from demiurge.fileio import atomic_path
from demiurge.sequencer.db import DescriptorDB

ID_KEY = "_id"
SAMPLE_KEY = "_sample"
RESERVED_STEMS = ("db",)  # db.json is the DB's own metadata file


def to_layout(features: np.ndarray, *, feature_names: Sequence[str], audio_id: Optional[str] = None,
              hop_length: Optional[int] = None) -> Dict[str, list]:
    """``float32[n x F]`` -> a dict of parallel lists in the original layout.

    With ``audio_id`` (and ``hop_length``) the metadata keys ``_id`` and ``_sample`` are
    included; without, only the feature keys (the layout of predictions).
    """
    features = np.asarray(features, dtype=np.float32)
    if features.ndim != 2 or features.shape[1] != len(feature_names):
        raise DemiurgeError(f"expected descriptors of shape [frames x {len(feature_names)}], "
                            f"got {list(features.shape)}")
    out: Dict[str, list] = {}
    if audio_id is not None:
        if hop_length is None:
            raise DemiurgeError("hop_length is needed to write _sample offsets")
        n = features.shape[0]
        out[ID_KEY] = [str(audio_id)] * n
        out[SAMPLE_KEY] = [i * int(hop_length) for i in range(n)]
    for j, name in enumerate(feature_names):
        # float32 -> Python float (float64) is exact, and json writes the shortest repr that
        # reads back as the same float64, hence as the same float32.
        out[name] = features[:, j].astype(np.float64).tolist()
    return out


def write_layout(path: str | os.PathLike, layout: Dict[str, list]) -> Path:
    """Write one layout dict as compact JSON, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(layout, separators=(",", ":")) + "\n")
    return path


def json_names(paths: Iterable[str]) -> List[str]:
    """One distinct ``<stem>.json`` file name per audio path (``-1``, ``-2``... on clashes)."""
    used, names = set(), []
    for p in paths:
        stem = Path(p).stem
        name, i = stem, 0
        while name.lower() in used or name.lower() in RESERVED_STEMS:
            i += 1
            name = f"{stem}-{i}"
        used.add(name.lower())
        names.append(f"{name}.json")
    return names


def export_json(db: DescriptorDB, out_dir: str | os.PathLike) -> List[Path]:
    """Write every file of ``db`` as ``<stem>.json`` into ``out_dir``; return the paths.

    A DB of predictions (``db.meta["kind"] == "predictions"``) is written with feature keys
    only, as the original predictions were.
    """
    out_dir = Path(out_dir)
    with_meta = db.meta.get("kind") != "predictions"
    names = json_names(f.path for f in db.files)
    written = []
    for name, (audio_path, feats) in zip(names, db.sequences()):
        layout = to_layout(feats, feature_names=db.config.feature_names,
                           audio_id=audio_path if with_meta else None,
                           hop_length=db.config.hop_length)
        written.append(write_layout(out_dir / name, layout))
    return written


def read_layout(path: str | os.PathLike, *, n_features: Optional[int] = None
                ) -> List[Tuple[str, np.ndarray, np.ndarray]]:
    """Read a per-file or combined JSON DB: ``[(id, int64[n] samples, float32[n x F])]``.

    Frames are grouped by ``_id`` in order of first appearance. A file without ``_id`` (e.g.
    predictions) is one sequence named after the JSON file, with samples ``-1``.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DemiurgeError(f"{path}: cannot read JSON descriptors ({exc}); "
                            "check the file or export it again") from None
    if not isinstance(data, dict):
        raise DemiurgeError(f"{path}: expected a JSON object of parallel lists "
                            "(_id, _sample, mfcc0 ...)")
    names = feature_keys(data, path=path)
    if n_features is not None and len(names) != n_features:
        raise DemiurgeError(f"{path}: has {len(names)} feature keys, expected {n_features} "
                            f"(mfcc0 ... mfcc{n_features - 1})")
    lengths = {k: len(v) if isinstance(v, list) else -1 for k, v in data.items()}
    n = lengths[names[0]]
    bad = sorted(k for k, m in lengths.items() if m != n)
    if bad:
        raise DemiurgeError(f"{path}: lists {', '.join(bad)} do not have the {n} entries of "
                            f"{names[0]}; every key must hold one value per frame")
    try:
        feats = np.asarray([data[k] for k in names], dtype=np.float32).T.reshape(n, len(names))
    except (TypeError, ValueError):
        raise DemiurgeError(f"{path}: feature lists must hold numbers only") from None
    if not np.all(np.isfinite(feats)):
        raise DemiurgeError(f"{path}: descriptors contain NaN or infinite values")
    if ID_KEY not in data:
        return [(path.stem, np.full(n, -1, np.int64), feats)]
    if SAMPLE_KEY not in data:
        raise DemiurgeError(f"{path}: has {ID_KEY} but no {SAMPLE_KEY}; both are needed")
    ids = [str(i) for i in data[ID_KEY]]
    samples = np.asarray(data[SAMPLE_KEY], dtype=np.int64)
    groups: Dict[str, List[int]] = {}
    for row, audio_id in enumerate(ids):
        groups.setdefault(audio_id, []).append(row)
    return [(audio_id, samples[rows], feats[rows]) for audio_id, rows in groups.items()]


def feature_keys(data: dict, *, path: Path) -> List[str]:
    """The feature keys ``mfcc0 .. mfccN-1`` of a layout dict, in order (contiguous)."""
    keys = [k for k in data if not k.startswith("_")]
    if not keys:
        raise DemiurgeError(f"{path}: no feature keys (mfcc0 ...) in the JSON")
    expected = [f"mfcc{i}" for i in range(len(keys))]
    if sorted(keys) != sorted(expected):
        raise DemiurgeError(f"{path}: feature keys must be mfcc0 ... mfcc{len(keys) - 1}, "
                            f"found {', '.join(sorted(keys)[:5])}...")
    return expected


def import_json(paths: Sequence[str | os.PathLike], db_dir: str | os.PathLike, *,
                config: Optional[MFCCConfig] = None, extra: Optional[dict] = None) -> DescriptorDB:
    """Build a DB in ``db_dir`` from JSON files in the original layout (per-file or combined).

    ``config`` defaults to the original settings with ``n_mfcc`` taken from the number of
    feature keys (a third of them) and ``hop_length`` from the ``_sample`` spacing. Each
    sequence's ``_sample`` must be ``0, hop, 2*hop, ...`` (what ``describe`` writes).
    """
    sequences = []
    for p in paths:
        sequences.extend(read_layout(p, n_features=config.n_features if config else None))
    if not sequences:
        raise DemiurgeError("no JSON files given to import")
    if config is None:
        n_features = sequences[0][2].shape[1]
        if n_features % 3:
            raise DemiurgeError(f"cannot infer the MFCC settings from {n_features} features "
                                "(not 3 x n_mfcc); pass the config explicitly")
        hop = _infer_hop(sequences) or MFCCConfig().hop_length
        n_fft = MFCCConfig().n_fft if (MFCCConfig().n_fft // 2) % hop == 0 else 2 * hop
        config = MFCCConfig(n_mfcc=n_features // 3, hop_length=hop, n_fft=n_fft)
    entries = []
    for audio_id, samples, feats in sequences:
        if feats.shape[1] != config.n_features:
            raise DemiurgeError(f"{audio_id}: {feats.shape[1]} features, expected {config.n_features}")
        if samples.size and samples[0] >= 0 and not np.array_equal(
                samples, np.arange(samples.size, dtype=np.int64) * config.hop_length):
            raise DemiurgeError(f"{audio_id}: _sample offsets are not 0, {config.hop_length}, "
                                f"{2 * config.hop_length}, ...; frames must be consecutive hops")
        entries.append((audio_id, feats))
    return DescriptorDB.write(db_dir, config=config, entries=entries, extra=extra)


def import_json_folder(json_dir: str | os.PathLike, db_dir: str | os.PathLike, *,
                       config: Optional[MFCCConfig] = None,
                       log: Callable[[str], None] = print) -> DescriptorDB:
    """``describe --from-json``: :func:`import_json` of every ``*.json`` in ``json_dir`` (sorted,
    not recursive; a DB's own ``db.json`` is left out)."""
    json_dir = Path(json_dir)
    if not json_dir.is_dir():
        raise DemiurgeError(f"{json_dir}: no such folder; give the folder of JSON files")
    paths = sorted(p for p in json_dir.glob("*.json")
                   if p.is_file() and p.stem.lower() not in RESERVED_STEMS)
    if not paths:
        raise DemiurgeError(f"{json_dir}: no JSON files (*.json) in the original layout here")
    db = import_json(paths, db_dir, config=config)
    log(f"descriptor DB of {len(db.files)} file(s), {len(db)} frames, written to {db_dir} from "
        f"{len(paths)} JSON file(s) in {json_dir}")
    return db


def _infer_hop(sequences) -> Optional[int]:
    for _, samples, _ in sequences:
        if samples.size > 1 and samples[0] >= 0:
            return int(samples[1] - samples[0])
    return None
