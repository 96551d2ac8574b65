"""``demiurge describe``: analyse a folder of audio into a descriptor DB.

Every file below the folder (wav, flac, aiff, ogg, mp3; any rate and channel count: mixed down
and resampled to the configured rate) is described by the one MFCC module
(:class:`~demiurge.dsp.mfcc.Descriptors`). Unreadable, empty, silent and too-short files are
skipped with one line each and a summary; the DB is written atomically.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, List, Tuple

import numpy as np
import torch
from tqdm import tqdm

from demiurge.data.audio import SkipReport, find_audio, iter_corpus
from demiurge.dsp.config import MFCCConfig
from demiurge.dsp.mfcc import Descriptors
from demiurge.progress import progress_bar
from demiurge.sequencer.db import DescriptorDB


def min_samples(config: MFCCConfig) -> int:
    """Shortest usable file in samples: enough for ``delta_width`` frames.

    A signal of T samples gives ``T // hop + 1`` frames; the deltas need a full window of
    ``delta_width`` frames (the original crashed below that), so T >= (delta_width - 1) * hop
    (8192 samples = 0.186 s with the defaults).
    """
    return (config.delta_width - 1) * config.hop_length


def describe_audio(descriptors: Descriptors, audio: np.ndarray) -> np.ndarray:
    """``float32[T]`` mono audio -> ``float32[(T // hop + 1) x n_features]`` descriptors."""
    with torch.no_grad():
        feats = descriptors(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[None])
    return feats[0].t().contiguous().numpy()


def describe_folder(audio_dir: str | os.PathLike, db_dir: str | os.PathLike, *,
                    config: MFCCConfig = MFCCConfig(), write_json: bool = False,
                    log: Callable[[str], None] = print) -> DescriptorDB:
    """Describe every audio file below ``audio_dir`` into the DB folder ``db_dir``.

    Returns the opened :class:`DescriptorDB`. With ``write_json`` the DB is also exported in
    the original Demiurge JSON layout, one ``<stem>.json`` per audio file inside ``db_dir``
    (see :mod:`demiurge.sequencer.json_layout`). Raises
    :class:`~demiurge.errors.DemiurgeError` if no file is usable.
    """
    from demiurge.sequencer.json_layout import export_json

    db_dir = Path(db_dir)
    total = len(find_audio(audio_dir))
    descriptors = Descriptors(config).eval()
    report = SkipReport()
    entries: List[Tuple[str, np.ndarray]] = []
    frames = 0

    def say(line: str) -> None:
        with tqdm.external_write_mode(file=sys.stdout):
            log(line)

    with progress_bar(total=total, desc="describe", unit="file") as bar:
        def skipped(line: str) -> None:
            say(line)
            bar.update(1)

        for path, audio in iter_corpus(audio_dir, sample_rate=config.sample_rate,
                                       min_samples=min_samples(config), report=report,
                                       log=skipped):
            feats = describe_audio(descriptors, audio)
            entries.append((str(path.resolve()), feats))
            frames += feats.shape[0]
            bar.update(1)
            bar.set_postfix(frames=frames)
    log(f"describe: {report.summary(used=len(entries))}, {frames} frames of "
        f"{config.n_features} descriptors")
    root = Path(audio_dir).resolve()
    db = DescriptorDB.write(db_dir, config=config, entries=entries, skipped=report.skipped,
                            audio_root=root if root.is_dir() else root.parent)
    log(f"descriptor DB written to {db_dir}")
    if write_json:
        paths = export_json(db, db_dir)
        log(f"{len(paths)} JSON file(s) in the original layout written to {db_dir}")
    return db
