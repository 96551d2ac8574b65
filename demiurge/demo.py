"""``demiurge demo``: the whole Demiurge chain on the embedded corpus (or on your folders).

    corpus ─▶ train vocoder + UNAGAN ─▶ generate RAW GENERATED AUDIO ─▶ describe ─▶ generated DB
    corpus ─▶ describe ─▶ predictor DB ─▶ train predictor ─▶ predict ─▶ render from generated DB
    trained runs ─▶ export .ts (nn~)

Every stage is the same function the stage's own sub-command calls; the demo only chooses
small settings so that the chain finishes in minutes on a laptop CPU, then prints where every
artifact went.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple


def run_demo(*, out: str | Path, corpus: Optional[str | Path] = None,
             model: str = "lstm", predictor_steps: int = 600, length: int = 215,
             synthesis: bool = True, synthesis_steps: Optional[int] = None,
             export_dir: Optional[str | Path] = None,
             log: Callable[[str], None] = print) -> List[Tuple[str, Path]]:
    """Run every stage into ``out``; return ``(what, path)`` for each artifact written.

    ``corpus`` is a folder of audio (default: the embedded demo corpus, synthesised into
    ``out/corpus``); ``length`` is the number of frames forecast per input (215 ≈ 5 s);
    ``export_dir`` receives the nn~ files (default ``out/export``).
    """
    from demiurge.data.demo_corpus import make_demo_corpus
    from demiurge.plugin.from_runs import export_run
    from demiurge.runs import is_run
    from demiurge.sequencer.describe import describe_folder
    from demiurge.sequencer.predict import predict
    from demiurge.sequencer.render import render
    from demiurge.train.predictor import train_predictor

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    artifacts: List[Tuple[str, Path]] = []
    started = time.perf_counter()

    def stage(title: str) -> None:
        log(f"\n== {title}  [{time.perf_counter() - started:5.0f} s]")

    stage("1/6 corpus")
    if corpus is None:
        corpus = out / "corpus"
        make_demo_corpus(corpus, log=log)
    corpus = Path(corpus)
    artifacts.append(("recorded audio (corpus)", corpus))

    sources = [("recorded", out / "db-recorded")]
    if synthesis:
        from demiurge.synthesis.demo import run_synthesis_demo

        stage("2/6 synthesis engine: vocoder + UNAGAN training, generation")
        generated = run_synthesis_demo(corpus, out / "synthesis", steps=synthesis_steps, log=log)
        artifacts.append(("raw generated audio", Path(generated)))
        for run_dir in sorted((out / "synthesis").glob("runs/*")):
            artifacts.append((f"{run_dir.name} run", run_dir))
    else:
        stage("2/6 synthesis engine: skipped (--no-synthesis)")

    stage("3/6 describe")
    describe_folder(corpus, out / "db-recorded", log=log)
    artifacts.append(("predictor DB (descriptors of the corpus)", out / "db-recorded"))
    if synthesis:
        describe_folder(generated, out / "db-generated", log=log)
        artifacts.append(("descriptor DB of the generated audio", out / "db-generated"))
        sources.insert(0, ("generated", out / "db-generated"))

    stage(f"4/6 train predictor ({model})")
    predictor_run = out / "runs" / f"predictor-{model}"
    if is_run(predictor_run):
        log(f"predictor run {predictor_run} exists; reusing it (delete it to retrain)")
    else:
        train_predictor(out=predictor_run, db=out / "db-recorded", model=model,
                        max_steps=predictor_steps, export=False, log=log)
    artifacts.append(("predictor run", predictor_run))

    stage(f"5/6 predict {length} frames after each recording, render")
    predictions = out / "predictions"
    predict(run=predictor_run, source=out / "db-recorded", length=length, out=predictions, log=log)
    artifacts.append(("forecast descriptors (DB + original JSON)", predictions))
    for name, db_dir in sources:
        wav = out / f"demiurge-{name}.wav"
        render(predictions, db_dir, wav, log=log)
        artifacts.append((f"rendered forecast, segments from the {name} audio", wav))

    stage("6/6 export to nn~ (names the patches in patches/ load)")
    export_dir = Path(export_dir) if export_dir is not None else out / "export"
    exported = export_run(predictor_run, export_dir, name="predictor")
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
