"""``demiurge demo``: the whole Demiurge chain on the embedded corpus (or on your folders).

    corpus ─▶ describe ─▶ predictor DB ─▶ train predictor        (recorded_chain)
    corpus ─▶ train vocoder + UNAGAN ─▶ generate RAW GENERATED AUDIO ─▶ describe ─▶ generated DB
    predictor ─▶ predict ─▶ render from the generated and the recorded DB
    trained runs ─▶ export .ts (nn~); corpus ─▶ live-preset DB + predictor ─▶ sequencer.ts (nn~)

The recorded chain is also demiurge-live's embedded default (built in a cache folder).

Every stage is the same function the stage's own sub-command calls; the demo only chooses
small settings so that the chain finishes in minutes on a laptop CPU, then prints where every
artifact went.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from demiurge.errors import DemiurgeError

# The default chain's predictor: small and quick to train on the demo corpus (2 CPU cores,
# minutes). The demo and demiurge-live's embedded default both train it (recorded_chain).
# Its window is 10 hops of the default preset (0.23 s); a preset with a shorter hop reads
# as many more frames, so the predictor sees the same stretch of time (context_frames).
DEFAULT_PREDICTOR = dict(window_size=10, forecast_size=4, hidden_size=64, num_layers=2)
DEFAULT_CONTEXT_SECONDS = 10 * 1024 / 44100
DEFAULT_PREDICTOR_STEPS = 600


@dataclass(frozen=True)
class RecordedChain:
    """What :func:`recorded_chain` leaves in its folder."""

    corpus: Path      # the recorded audio
    db: Path          # its descriptor DB (the predictor DB)
    predictor: Path   # the predictor run trained on it


def recorded_chain(out: str | Path, *, corpus: Optional[str | Path] = None, model: str = "lstm",
                   steps: Optional[int] = None, preset: str = "default",
                   log: Callable[[str], None] = print,
                   stage: Callable[[str], None] = lambda title: None) -> RecordedChain:
    """corpus ─▶ describe ─▶ predictor DB ─▶ train predictor, into ``out``.

    ``corpus`` is a folder of audio (default: the embedded demo corpus, synthesised into
    ``out/corpus``). The DB goes to ``out/db-recorded`` and the predictor run (``model`` with
    :data:`DEFAULT_PREDICTOR` and a window of :func:`context_frames`, ``steps`` steps, default :data:`DEFAULT_PREDICTOR_STEPS`) to
    ``out/runs/predictor-<model>``; the corpus is described with the descriptor preset
    ``preset`` (:data:`~demiurge.dsp.config.MFCC_PRESETS`). A trained predictor run already in
    ``out``, and the DB of the embedded corpus, are reused (delete them to rebuild); a DB that
    cannot be read (an older Demiurge's, say) or was described with other settings is
    described again and its predictor trained again, and an interrupted training starts
    again. ``stage`` announces each stage.
    """
    from demiurge.data.demo_corpus import make_demo_corpus
    from demiurge.dsp.config import mfcc_preset
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.sequencer.describe import describe_folder
    from demiurge.train.predictor import train_predictor
    from demiurge.runs import Run

    out = Path(out)
    steps = DEFAULT_PREDICTOR_STEPS if steps is None else steps
    db_dir, run_dir = out / "db-recorded", out / "runs" / f"predictor-{model}"
    embedded = corpus is None
    config = mfcc_preset(preset)
    reuse_db = embedded and _db_ready(db_dir, DescriptorDB, config)
    stage("corpus")
    if embedded:
        corpus = out / "corpus"
        if not reuse_db:
            make_demo_corpus(corpus, log=log)
    stage("describe the recorded audio")
    if reuse_db:
        log(f"descriptor DB {db_dir} of the embedded corpus exists; reusing it")
    else:
        describe_folder(corpus, db_dir, config=config, log=log)
    stage(f"train predictor ({model})")
    try:  # a predictor of the embedded corpus is kept only while its DB is
        ready = Run.open(run_dir).has_checkpoint("best") and (reuse_db or not embedded)
    except DemiurgeError:
        ready = False
    if ready:
        log(f"predictor run {run_dir} exists; reusing it (delete it to retrain)")
    else:
        if run_dir.exists():
            shutil.rmtree(run_dir)  # an interrupted training: start it again
        train_predictor(out=run_dir, db=db_dir, model=model, max_steps=steps,
                        eval_every=max(1, steps // 3), export=False, log=log,
                        **dict(DEFAULT_PREDICTOR, window_size=context_frames(config)))
    return RecordedChain(corpus=Path(corpus), db=db_dir, predictor=run_dir)


def context_frames(config) -> int:
    """The default predictor's window in frames of ``config`` (an MFCCConfig): about
    :data:`DEFAULT_CONTEXT_SECONDS` of audio (10 frames at hop 1024, 40 at hop 256)."""
    return max(DEFAULT_PREDICTOR["window_size"],
               round(DEFAULT_CONTEXT_SECONDS * config.sample_rate / config.hop_length))


def _sequencer_chain(out: Path, chain: RecordedChain, *, model: str, steps: int,
                     log: Callable[[str], None]) -> RecordedChain:
    """The chain ``sequencer.ts`` is exported from: the recorded corpus described with the
    ``live`` preset and its own predictor, in ``out/live`` (the lowest latency, as
    demiurge-live's embedded default), when that DB fits in a ``sequencer.ts``; else ``chain``
    itself, said in the log."""
    from demiurge.dsp.config import mfcc_preset, preset_text
    from demiurge.plugin.sequencer import check_sequencer_fits
    from demiurge.sequencer.db import DescriptorDB

    db = DescriptorDB.open(chain.db)
    live = mfcc_preset("live")
    seconds = len(db) * db.config.hop_length / db.config.sample_rate
    try:
        check_sequencer_fits(frames=round(seconds * live.sample_rate / live.hop_length),
                             seconds=seconds, what="the corpus described with the live preset")
    except DemiurgeError as too_big:
        log(f"sequencer.ts: {too_big}; exporting it from the predictor DB instead "
            f"({preset_text(db.config)})")
        return chain
    log("sequencer.ts: the corpus described with the live preset, and its own predictor "
        f"(the lowest latency), into {out / 'live'}")
    return recorded_chain(out / "live", corpus=chain.corpus, model=model, steps=steps,
                          preset="live", log=log)


def _db_ready(db_dir: Path, db_class, config) -> bool:
    try:
        return db_class.open(db_dir).config == config
    except DemiurgeError:
        return False


def run_demo(*, out: str | Path, corpus: Optional[str | Path] = None,
             model: str = "lstm", predictor_steps: int = DEFAULT_PREDICTOR_STEPS,
             length: int = 215, synthesis: bool = True, synthesis_steps: Optional[int] = None,
             export_dir: Optional[str | Path] = None,
             log: Callable[[str], None] = print) -> List[Tuple[str, Path]]:
    """Run every stage into ``out``; return ``(what, path)`` for each artifact written.

    ``corpus`` is a folder of audio (default: the embedded demo corpus, synthesised into
    ``out/corpus``); ``length`` is the number of frames forecast per input (215 ≈ 5 s);
    ``export_dir`` receives the nn~ files (default ``out/export``).
    """
    from demiurge.plugin.from_runs import export_run, export_sequencer
    from demiurge.sequencer.describe import describe_folder
    from demiurge.sequencer.predict import predict
    from demiurge.sequencer.render import render

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    artifacts: List[Tuple[str, Path]] = []
    started = time.perf_counter()
    stages = iter(range(1, 9))

    def stage(title: str) -> None:
        log(f"\n== {next(stages)}/8 {title}  [{time.perf_counter() - started:5.0f} s]")

    chain = recorded_chain(out, corpus=corpus, model=model, steps=predictor_steps, log=log,
                           stage=stage)
    artifacts += [("recorded audio (corpus)", chain.corpus),
                  ("predictor DB (descriptors of the corpus)", chain.db),
                  ("predictor run", chain.predictor)]

    sources = [("recorded", chain.db)]
    if synthesis:
        from demiurge.synthesis.demo import run_synthesis_demo

        stage("synthesis engine: vocoder + UNAGAN training, generation")
        generated = run_synthesis_demo(chain.corpus, out / "synthesis", steps=synthesis_steps,
                                       log=log)
        artifacts.append(("raw generated audio", Path(generated)))
        for run_dir in sorted((out / "synthesis").glob("runs/*")):
            artifacts.append((f"{run_dir.name} run", run_dir))
        stage("describe the generated audio")
        describe_folder(generated, out / "db-generated", log=log)
        artifacts.append(("descriptor DB of the generated audio", out / "db-generated"))
        sources.insert(0, ("generated", out / "db-generated"))
    else:
        stage("synthesis engine: skipped (--no-synthesis)")
        stage("describe the generated audio: skipped")

    stage(f"predict {length} frames after each recording")
    predictions = out / "predictions"
    predict(run=chain.predictor, source=chain.db, length=length, out=predictions, log=log)
    artifacts.append(("forecast descriptors (DB + original JSON)", predictions))
    stage("render the forecasts")
    for name, db_dir in sources:
        wav = out / f"demiurge-{name}.wav"
        render(predictions, db_dir, wav, log=log)
        artifacts.append((f"rendered forecast, segments from the {name} audio", wav))

    stage("export to nn~ (names the patches in patches/ load)")
    export_dir = Path(export_dir) if export_dir is not None else out / "export"
    exported = export_run(chain.predictor, export_dir, name="predictor")
    sequencer_chain = _sequencer_chain(out, chain, model=model, steps=predictor_steps, log=log)
    if sequencer_chain is not chain:
        artifacts += [("live-preset DB (inside sequencer.ts)", sequencer_chain.db),
                      ("its predictor run", sequencer_chain.predictor)]
    exported.append(export_sequencer(sequencer_chain.db, sequencer_chain.predictor, export_dir,
                                     name="sequencer"))
    if synthesis:
        vocoder = next(iter(sorted((out / "synthesis").glob("runs/vocoder*"))), None)
        unagan = next(iter(sorted((out / "synthesis").glob("runs/unagan*"))), None)
        if vocoder is not None:
            exported += export_run(vocoder, export_dir, name="vocoder")
            if unagan is not None:
                exported += export_run(unagan, export_dir, vocoder=vocoder, name="unagan")
    for path in exported:
        artifacts.append(("nn~ module", path))
        artifacts.append(("its model card", path.with_suffix(".json")))

    log(f"\n== done in {time.perf_counter() - started:.0f} s. Everything is in {out}:")
    width = max(len(what) for what, _ in artifacts)
    for what, path in artifacts:
        log(f"  {what:<{width}}  {path}")
    return artifacts
