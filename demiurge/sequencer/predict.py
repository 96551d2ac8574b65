"""``demiurge predict RUN --input AUDIO_OR_DB --length N -o OUT``: forecast descriptors.

For every input file, the trained predictor reads ``window_size`` descriptor frames that end
with the file's last sounding frame (leading and trailing silence trimmed, see
:mod:`~demiurge.sequencer.context`; ``--context-end SECONDS`` picks another end) and rolls out
``N`` future frames (one-step models frame by frame, seq2seq models in
blocks of ``forecast_size``), through the same :class:`~demiurge.sequencer.forecast.Forecaster`
that the live host and the nn~ export use. The de-normalised forecasts are written as a
descriptor DB folder (``db.json`` with ``"kind": "predictions"``, readable with
:meth:`DescriptorDB.open <demiurge.sequencer.db.DescriptorDB.open>` and by ``demiurge render
--predictions``) plus one ``<stem>.json`` per input in the original layout (feature keys only).

The input is a descriptor DB folder (its MFCC settings must be the run's) or audio: one file
or a folder, described with the run's MFCC settings by the one descriptor module.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch

from demiurge.data.audio import SkipReport, iter_corpus
from demiurge.dsp.config import MFCCConfig
from demiurge.dsp.mfcc import Descriptors
from demiurge.errors import DemiurgeError
from demiurge.sequencer.context import SILENCE_DB, check_context_end, find_context
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.forecast import TrainedPredictor, load_predictor

BATCH = 256  # input files forecast together


def read_inputs(source: str | os.PathLike, *, config: MFCCConfig, report: SkipReport,
                log: Callable[[str], None] = print) -> List[Tuple[str, np.ndarray]]:
    """``[(path, float32[n_i x F])]`` descriptor sequences of a DB folder or of audio.

    Audio (a file or a folder, recursive) is described with ``config``; unusable audio files
    are skipped into ``report``. A DB must have been described with ``config``.
    """
    from demiurge.sequencer.describe import describe_audio, min_samples

    source = Path(source)
    if (source / "db.json").exists():
        db = DescriptorDB.open(source)
        if db.config != config:
            mine, theirs = config.to_dict(), db.config.to_dict()
            diff = "; ".join(f"{k}: {theirs[k]} vs {mine[k]}" for k in mine if mine[k] != theirs[k])
            raise DemiurgeError(f"{source} was described with other MFCC settings than the run "
                                f"({diff}); describe the audio again with the run's settings "
                                "or give the audio itself as --input")
        return [(path, frames) for path, frames in db.sequences()]
    descriptors = Descriptors(config).eval()
    return [(str(path), describe_audio(descriptors, audio))
            for path, audio in iter_corpus(source, sample_rate=config.sample_rate,
                                           min_samples=min_samples(config), report=report, log=log)]


def forecast_sequences(trained: TrainedPredictor, sequences: List[Tuple[str, np.ndarray]], *,
                       length: int, temperature: float = 0.0) -> List[np.ndarray]:
    """``length`` frames after the end of each sequence: ``[float32[length x F]]`` (raw units).

    Every sequence must have at least ``window_size`` frames; its last ``window_size`` frames
    are the context.
    """
    forecaster = trained.forecaster(temperature=temperature).eval()
    w = trained.window_size
    out = []
    for i in range(0, len(sequences), BATCH):
        chunk = sequences[i:i + BATCH]
        context = torch.from_numpy(np.stack([frames[-w:].T for _, frames in chunk]).astype(np.float32))
        forecaster.reset(len(chunk))
        forecaster.push(context)
        predicted = forecaster.forecast(length)  # [B x F x length]
        out.extend(p.T.contiguous().numpy() for p in predicted)
    return out


def predict(*, run: str | os.PathLike, source: str | os.PathLike, length: int,
            out: str | os.PathLike, temperature: float = 0.0, seed: int = 0,
            context_end: Optional[float] = None,
            log: Callable[[str], None] = print) -> DescriptorDB:
    """Forecast ``length`` frames after each input of ``source`` with ``run``; write ``out``.

    The context of each input ends with its last sounding frame, or at ``context_end``
    seconds from its start (see :func:`~demiurge.sequencer.context.find_context`); inputs
    without a usable context are skipped and reported. Returns the predictions DB (one file
    per usable input, ``length`` frames each).
    """
    from demiurge.sequencer.json_layout import export_json

    if length < 1:
        raise DemiurgeError(f"--length must be at least 1 frame, not {length}")
    if temperature < 0:
        raise DemiurgeError(f"--temperature must be >= 0, not {temperature}")
    check_context_end(context_end)
    out = Path(out)
    if (out / "db.json").exists():
        kind = DescriptorDB.open(out).meta.get("kind")
        if kind != "predictions":
            raise DemiurgeError(f"{out} holds a descriptor DB, not predictions; choose another "
                                "output folder")
    trained = load_predictor(run)
    report = SkipReport()
    sequences = read_inputs(source, config=trained.mfcc_config, report=report, log=log)
    usable, contexts = [], []
    for path, frames in sequences:
        try:
            context = find_context(frames, trained.mfcc_config, window=trained.window_size,
                                   context_end=context_end)
        except DemiurgeError as exc:
            report.skipped.append((path, str(exc)))
            log(f"skipped {path}: {exc}")
            continue
        log(f"{path}: {context.describe(trained.mfcc_config)}")
        usable.append((path, frames[context.start: context.end + 1]))
        contexts.append(dict(path=path, **context.to_dict()))
    if not usable:
        detail = f" ({report.skipped[0][0]}: {report.skipped[0][1]})" if report.skipped else ""
        raise DemiurgeError(f"no usable input in {source} to forecast from{detail}")
    torch.manual_seed(seed)
    predictions = forecast_sequences(trained, usable, length=length, temperature=temperature)
    db = DescriptorDB.write(
        out, config=trained.mfcc_config,
        entries=[(path, p) for (path, _), p in zip(usable, predictions)],
        skipped=report.skipped,
        extra={"kind": "predictions", "run": trained.run.id, "run_path": str(trained.run.path.resolve()),
               "model": trained.name, "checkpoint_step": trained.step,
               "length": length, "window_size": trained.window_size,
               "temperature": temperature, "seed": seed, "silence_db": SILENCE_DB,
               "context_end_seconds": context_end, "contexts": contexts})
    export_json(db, out)
    log(f"predict: {len(usable)} input(s) forecast {length} frames each "
        f"({report.summary(used=len(usable))}); predictions DB and JSON written to {out}")
    return db
