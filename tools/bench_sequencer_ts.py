"""Benchmark of ``sequencer.ts`` (the whole sequencer as one nn~ model) on the demo DB.

    python tools/bench_sequencer_ts.py [--seconds 20] [--bufsizes 256 1024 2048 4096] [--repeat 3]

The DB is the demo corpus (16 files x 15 s), described once into ``$DEMIURGE_CACHE/bench``
(or ``~/.cache/demiurge/bench``), with a predictor of the demo's size trained for one step
(its speed is a trained one's). Prints the export time, the ``.ts`` size and load time, the
first two buffers (TorchScript compiles on them), then the speed in the nn~ host emulation
(``demiurge check``'s, one thread) at each buffer size, mosaic and follow mode, side by side
with demiurge-live's eager engine on the same audio (x real time, best of ``--repeat`` runs;
higher is faster).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def demo_db() -> Path:
    from demiurge.data.demo_corpus import make_demo_corpus
    from demiurge.errors import DemiurgeError
    from demiurge.live.loading import cache_dir
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.sequencer.describe import describe_folder

    root = cache_dir() / "bench" / "demo"
    try:
        DescriptorDB.open(root / "db")
        return root / "db"
    except DemiurgeError:
        pass
    make_demo_corpus(root / "corpus")
    return describe_folder(root / "corpus", root / "db").path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--bufsizes", type=int, nargs="+", default=[256, 1024, 2048, 4096])
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()

    import numpy as np
    import torch

    from demiurge.data.audio import load_audio
    from demiurge.demo import DEFAULT_PREDICTOR
    from demiurge.live.engine import Engine
    from demiurge.live.loading import load_db, load_forecaster
    from demiurge.plugin.from_runs import export_sequencer
    from demiurge.plugin.host import NNHost, load_card
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.train.predictor import train_predictor

    torch.set_num_threads(1)
    db_dir = demo_db()
    db = DescriptorDB.open(db_dir)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run = train_predictor(out=tmp / "pred", db=db_dir, model="lstm", max_steps=1, eval_every=1,
                              export=False, log=lambda line: None, progress=False,
                              use_wandb=False, **DEFAULT_PREDICTOR)
        run_dir = run.path
        start = time.perf_counter()
        path = export_sequencer(db_dir, run_dir, tmp)
        export_s = time.perf_counter() - start
        card = load_card(path)
        start = time.perf_counter()
        torch.jit.load(str(path))
        load_s = time.perf_counter() - start
        sr = int(card["sample_rate"])
        print(f"demo DB: {len(db)} frames, {card['source']['db']['audio_seconds']:.0f} s of audio, "
              f"{len(db.files)} files")
        print(f"sequencer.ts: {path.stat().st_size / 2 ** 20:.1f} MiB, export (with its "
              f"self-check) {export_s:.1f} s, torch.jit.load {load_s:.2f} s, latency "
              f"{card['methods'][0]['latency']} samples")
        audio = load_audio(db.audio_path(0), sample_rate=sr)
        audio = np.resize(audio, int(args.seconds * sr)).astype(np.float32)
        signal = torch.from_numpy(audio)[None, None]
        for mode in ("mosaic", "follow"):
            eager = 0.0
            for _ in range(args.repeat):
                engine = Engine(db=load_db(db_dir, search="exact"),
                                forecaster=load_forecaster(run_dir),
                                block=card["source"]["block"], params={"mode": mode})
                start = time.perf_counter()
                engine.render(audio)
                eager = max(eager, args.seconds / (time.perf_counter() - start))
            print(f"{mode}: demiurge-live engine (eager, block {engine.block}): {eager:.1f}x real time")
            for bufsize in args.bufsizes:
                speed, first = 0.0, (float("inf"), float("inf"))
                for _ in range(args.repeat):
                    host = NNHost(path)
                    host.set_attribute("mode", mode)
                    times = []
                    host.stream("forward", signal, bufsize, on_block=times.append)
                    speed = max(speed, (len(times) - 2) * bufsize / sr / sum(times[2:]))
                    first = min(first, (times[0], times[1]))
                print(f"  nn~ bufsize {bufsize:5d}: first two buffers {first[0]:.2f} s + "
                      f"{first[1]:.2f} s, then {speed:.1f}x real time ({speed / eager:.2f} x the "
                      "eager engine)")


if __name__ == "__main__":
    main()
