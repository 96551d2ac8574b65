"""``export_run``: the one way a trained run becomes ``.ts`` files (used by ``demiurge export``
and by the trainers at the end of training); ``export_sequencer``: a descriptor DB with a
predictor run as one ``sequencer.ts``.

Each run kind has a builder that loads the run's checkpoint and returns the plugin module,
the sample rate and a description of its source for the model card.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from demiurge.errors import DemiurgeError
from demiurge.models.loading import load_unagan, load_vocoder
from demiurge.plugin.base import NNModule
from demiurge.plugin.exporter import model_card, save_export
from demiurge.runs import Run, resolve_run
from demiurge.sequencer.forecast import load_predictor

Built = Tuple[NNModule, int, Dict[str, Any]]


def _source(run: Run, step: int, which: str) -> Dict[str, Any]:
    return {"run_id": run.id, "run_dir": str(run.path), "kind": run.kind,
            "checkpoint": which, "training_steps": int(step), "config": run.config}


def _build_predictor(run: Run, which: str, vocoder: Optional[Run]) -> Built:
    from demiurge.dsp.config import preset_name
    from demiurge.plugin.predictor import PredictorPlugin

    trained = load_predictor(run, which=which)
    plugin = PredictorPlugin(forecaster=trained.forecaster(), mfcc_config=trained.mfcc_config)
    source = dict(_source(run, trained.step, trained.checkpoint.which),
                  mfcc_config=trained.mfcc_config.to_dict(),
                  descriptor_preset=preset_name(trained.mfcc_config))
    return plugin, trained.mfcc_config.sample_rate, source


def _build_vocoder(run: Run, which: str, vocoder: Optional[Run]) -> Built:
    from demiurge.plugin.vocoder import VocoderPlugin

    trained = load_vocoder(run, which=which)
    plugin = VocoderPlugin(generator=trained.generator, mel_config=trained.mel)
    source = dict(_source(run, trained.step, trained.checkpoint.which), arch=trained.card["arch"],
                  mel_config=trained.mel.to_dict())
    return plugin, trained.mel.sample_rate, source


def _build_unagan(run: Run, which: str, vocoder: Optional[Run]) -> Built:
    from demiurge.plugin.unagan import UNAGANPlugin

    if vocoder is None:
        raise DemiurgeError(f"{run.path} is a UNAGAN run: it makes mels, so nn~ needs a vocoder "
                            "with it; add --vocoder RUN (a vocoder trained on the same mel)")
    if vocoder.kind != "vocoder":
        raise DemiurgeError(f"--vocoder {vocoder.path} is a {vocoder.kind} run, not a vocoder run")
    unagan, voc = load_unagan(run, which=which), load_vocoder(vocoder, which=which)
    mel = unagan.mel
    mel.check_compatible(voc.mel, what=f"UNAGAN run {run.path}", other_what=f"vocoder run {vocoder.path}")
    plugin = UNAGANPlugin(unagan=unagan.generator, vocoder=voc.generator, mel_config=mel)
    source = dict(_source(run, unagan.step, unagan.checkpoint.which), mel_config=mel.to_dict(),
                  vocoder=dict(_source(vocoder, voc.step, voc.checkpoint.which), arch=voc.card["arch"]))
    return plugin, mel.sample_rate, source


# Run kind -> builder.
BUILDERS: Dict[str, Callable[[Run, str, Optional[Run]], Built]] = {
    "predictor": _build_predictor,
    "vocoder": _build_vocoder,
    "unagan": _build_unagan,
}


def export_run(run: str | os.PathLike | Run, out_dir: str | os.PathLike, *,
               vocoder: str | os.PathLike | Run | None = None, checkpoint: str = "best",
               name: Optional[str] = None) -> List[Path]:
    """Export one run (a :class:`Run`, its folder or its id) to ``out_dir/<name>.ts`` and
    ``<name>.json``, self-checked; returns the ``.ts`` paths written.

    ``name`` defaults to the run folder's name. ``vocoder`` (a vocoder run) is required for a
    UNAGAN run. ``checkpoint`` is ``best`` (falling back to ``latest``) or ``latest``. When
    ``out_dir`` is inside the run folder the export is recorded in the run's manifest.
    """
    run = run if isinstance(run, Run) else resolve_run(run)
    voc = None if vocoder is None else (vocoder if isinstance(vocoder, Run) else resolve_run(vocoder))
    builder = BUILDERS.get(run.kind)
    if builder is None:
        raise DemiurgeError(f"{run.path} is a {run.kind} run; demiurge can export "
                            f"{', '.join(BUILDERS)} runs to nn~")
    module, sample_rate, source = builder(run, checkpoint, voc)
    name = name or run.path.name
    out_dir = Path(out_dir)
    card = model_card(module, name=name, kind=run.kind, sample_rate=sample_rate, source=source)
    path = save_export(module, path=out_dir / f"{name}.ts", card=card)
    try:
        rel = path.resolve().relative_to(run.path)
    except ValueError:
        rel = None
    if rel is not None:
        run.record_file(f"nn~ export {name}", str(rel), "TorchScript model for nn~ (Max/Pd)")
    return [path]


def export_sequencer(db_dir: str | os.PathLike, predictor: str | os.PathLike | Run,
                     out_dir: str | os.PathLike, *, name: str = "sequencer",
                     checkpoint: str = "best",
                     audio_root: str | os.PathLike | None = None) -> Path:
    """Export a descriptor DB (its descriptors and audio) with a predictor run as one nn~
    model, ``out_dir/<name>.ts`` (:class:`~demiurge.plugin.sequencer.SequencerPlugin`) plus its
    card, self-checked; returns the ``.ts`` path.

    Raises :class:`DemiurgeError` if the DB is more than a ``.ts`` holds, if the predictor
    was trained on other descriptors than the DB's, or if the DB's audio is missing
    (``audio_root``: where it lies now, if it moved).
    """
    import torch

    from demiurge.dsp import Descriptors
    from demiurge.plugin.sequencer import SequencerPlugin, check_sequencer_fits
    from demiurge.sequencer.answer import Answerer
    from demiurge.sequencer.controls import default_xfade_ms
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.sequencer.playback import crossfade_samples

    db = DescriptorDB.open(db_dir, audio_root=audio_root, need_audio=True)
    cfg = db.config
    seconds = len(db) * cfg.hop_length / cfg.sample_rate
    check_sequencer_fits(frames=len(db), seconds=seconds, what=f"the DB {db_dir}")
    run = predictor if isinstance(predictor, Run) else resolve_run(predictor)
    if run.kind != "predictor":
        raise DemiurgeError(f"--predictor {run.path} is a {run.kind} run, not a predictor run")
    trained = load_predictor(run, which=checkpoint)
    if trained.mfcc_config != cfg:
        raise DemiurgeError(
            f"the predictor {run.path} forecasts descriptors described with other settings "
            f"({_mfcc_text(trained.mfcc_config)}) than the DB {db_dir} ({_mfcc_text(cfg)}); "
            "train the predictor on a DB described with the DB's settings, or describe the "
            "audio again with the predictor's")
    xfade_ms = default_xfade_ms(sample_rate=cfg.sample_rate, hop_length=cfg.hop_length)
    crossfade = crossfade_samples(xfade_ms, sample_rate=cfg.sample_rate, hop_length=cfg.hop_length)
    answerer = Answerer.build(db=db, crossfade=crossfade, search="exact",
                              audio_dtype=torch.float16)
    block = cfg.hop_length // 4
    module = SequencerPlugin(descriptors=Descriptors(cfg), forecaster=trained.forecaster(),
                             answerer=answerer, block=block)
    source = {"db": {"path": str(Path(db_dir).resolve()), "frames": len(db),
                     "files": len(db.files), "audio_seconds": round(seconds, 3),
                     "audio_dtype": "float16", "mfcc_config": cfg.to_dict()},
              "predictor": _source(run, trained.step, trained.checkpoint.which),
              "search": "exact", "block": block, "crossfade_ms": xfade_ms,
              "batch": module.max_batch}
    card = model_card(module, name=name, kind="sequencer", sample_rate=cfg.sample_rate,
                      source=source)
    return save_export(module, path=Path(out_dir) / f"{name}.ts", card=card)


def _mfcc_text(config) -> str:
    return (f"{config.n_features} features, {config.n_mfcc} MFCC, delta orders "
            f"{config.delta_orders}, hop {config.hop_length}, {config.sample_rate} Hz")


def is_descriptor_db(ref: str | os.PathLike) -> bool:
    """True if ``ref`` is a descriptor DB folder (it has a ``db.json``)."""
    return (Path(ref) / "db.json").is_file()


def export_runs(refs: Sequence[str], out_dir: str | os.PathLike, *, vocoder: Optional[str] = None,
                predictor: Optional[str] = None, checkpoint: str = "best",
                name: Optional[str] = None) -> List[Path]:
    """``demiurge export``: every run in ``refs`` (folders or ids) into ``out_dir``, and a
    descriptor DB among them with ``predictor`` as the whole sequencer (``sequencer.ts``, see
    :func:`export_sequencer`); ``name`` only with a single export."""
    if name is not None and len(refs) != 1:
        raise DemiurgeError(f"--name names one export, but {len(refs)} runs were given; "
                            "export them one at a time to name each")
    dbs = [ref for ref in refs if is_descriptor_db(ref)]
    if dbs and predictor is None:
        raise DemiurgeError(f"{dbs[0]} is a descriptor DB: add --predictor RUN (a predictor run "
                            "trained on descriptors like the DB's) to export the whole sequencer")
    if predictor is not None and len(dbs) != 1:
        raise DemiurgeError("--predictor exports a sequencer with one descriptor DB: give one DB "
                            f"folder (got {len(dbs)})")
    written: List[Path] = []
    for ref in refs:
        if is_descriptor_db(ref):
            written.append(export_sequencer(ref, predictor, out_dir, name=name or "sequencer",
                                            checkpoint=checkpoint))
        else:
            written += export_run(ref, out_dir, vocoder=vocoder, checkpoint=checkpoint, name=name)
    return written


def export_finished_run(run: Run, *, vocoder: str | os.PathLike | Run | None = None,
                        log: Callable[[str], None] = print) -> List[Path]:
    """What a trainer calls when a run ends (or on request during training): export the best
    checkpoint into ``<run>/export/`` so the run is playable in nn~ at once.

    An export problem never spoils the training: it is logged (with what to do) and nothing
    is returned. A UNAGAN run without ``vocoder`` is skipped with a hint.
    """
    if run.kind == "unagan" and vocoder is None:
        log(f"nn~ export: UNAGAN makes mels; export it with a vocoder: demiurge export "
            f"{run.path} --vocoder VOCODER_RUN")
        return []
    try:
        paths = export_run(run, run.path / "export", vocoder=vocoder)
    except DemiurgeError as exc:
        log(f"nn~ export of {run.path} failed: {exc}")
        return []
    for path in paths:
        log(f"nn~ model: {path} (card: {path.with_suffix('.json')})")
    return paths
