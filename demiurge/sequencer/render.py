"""``demiurge render``: forecast descriptors -> nearest DB frames -> a wav.

Each predicted frame is matched to a DB frame by the query engine
(:class:`~demiurge.sequencer.query.NearestFrames`) and played for exactly one hop by the
playback engine (:class:`~demiurge.sequencer.playback.Playback`): N predicted frames give
N * hop samples. Several prediction sequences are rendered one after another into one file,
scaled down as a whole if the crossfades would put a sample beyond +-1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Union

import numpy as np
import torch

from demiurge.data.audio import write_audio
from demiurge.errors import DemiurgeError
from demiurge.progress import progress_bar
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.json_layout import ID_KEY, SAMPLE_KEY, write_layout
from demiurge.sequencer.playback import playback_for_db
from demiurge.sequencer.query import FaissSearch, QuerySettings, index_db

DBLike = Union[DescriptorDB, str, os.PathLike]


def _open(db: DBLike, **options) -> DescriptorDB:
    return db if isinstance(db, DescriptorDB) else DescriptorDB.open(db, **options)


def check_same_descriptors(predictions: DescriptorDB, db: DescriptorDB) -> None:
    """Raise unless the predictions and the DB were described with the same MFCC settings."""
    mine, theirs = predictions.config.to_dict(), db.config.to_dict()
    diff = [f"{k}: {mine[k]} vs {theirs[k]}" for k in mine if mine[k] != theirs[k]]
    if diff:
        raise DemiurgeError(f"the predictions in {predictions.path} and the DB {db.path} use "
                            f"different descriptor settings ({'; '.join(diff)}); describe the DB "
                            "audio with the settings the predictor was trained on")


def render(predictions_db: DBLike, db: DBLike, out_wav: str | os.PathLike, *,
           settings: QuerySettings = QuerySettings(), ignore: str = "",
           metric: str = "euclidean", standardize: bool = True, crossfade: int = -1,
           use_faiss: bool = False, audio_root: str | os.PathLike | None = None,
           log: Callable[[str], None] = print) -> Path:
    """Render every sequence of ``predictions_db`` with audio of ``db`` into ``out_wav``.

    ``settings`` (k, avoid_repeats, continuity, weights), ``ignore`` (descriptors given
    weight 0), ``metric`` and ``standardize`` configure the query (see
    :class:`~demiurge.sequencer.query.NearestFrames`); ``crossfade`` is the
    playback crossfade in samples (-1: one hop). ``use_faiss`` screens candidates with a faiss
    HNSW index (approximate; for very large DBs). ``audio_root`` is where the DB's audio lies
    now if it moved after it was described (checked before anything is computed). Also writes
    ``<out_wav stem>.json`` with the matched ``_id`` / ``_sample`` of every frame (the
    original query-result layout).
    Returns the wav path.
    """
    if not isinstance(predictions_db, DescriptorDB) and not (Path(predictions_db) / "db.json").exists():
        raise DemiurgeError(f"{predictions_db}: no predictions here (no db.json); make them with "
                            f"`demiurge predict RUN --input AUDIO_OR_DB --length N -o {predictions_db}`")
    predictions = _open(predictions_db)
    db = _open(db, audio_root=audio_root, need_audio=True)
    check_same_descriptors(predictions, db)
    query = index_db(db, settings=settings, metric=metric, standardize=standardize,
                     ignore=ignore)
    choose = FaissSearch(query) if use_faiss else query
    playback = playback_for_db(db, crossfade=crossfade)
    hop, rate = db.config.hop_length, db.config.sample_rate
    pieces, matched = [], []
    with torch.no_grad():
        for name, feats in progress_bar(list(predictions.sequences()), desc="render",
                                        unit="sequence"):
            query.reset()
            rows = choose(torch.from_numpy(np.array(feats, dtype=np.float32)))
            pieces.append(playback(rows).numpy())
            matched.append(rows.numpy())
    audio = np.concatenate(pieces)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 1.0:  # equal-power crossfades of loud (or offset) audio can add up past 1
        audio = np.clip(audio * np.float32(1.0 / peak), -1.0, 1.0)
        log(f"render: the crossfades peaked at {20 * np.log10(peak):+.1f} dBFS; scaled the output "
            f"by -{20 * np.log10(peak):.1f} dB to stay within +-1")
    out_wav = write_audio(out_wav, audio, sample_rate=rate)
    rows = np.concatenate(matched)
    layout = {ID_KEY: [str(db.audio_path(int(i))) for i in db.file_index[rows]],
              SAMPLE_KEY: db.sample[rows].tolist()}
    matches = write_layout(Path(out_wav).with_suffix(".json"), layout)
    n = rows.shape[0]
    log(f"rendered {n} frames of {len(pieces)} sequence(s) = {n} x {hop} samples "
        f"({audio.shape[0] / rate:.2f} s) to {out_wav}; matched frames in {matches}")
    return Path(out_wav)
