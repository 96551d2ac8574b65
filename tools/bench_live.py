"""Benchmark of the live engine for each descriptor preset: the input -> answer latency, the
time per block against the block period, and late blocks over a real JACK run.

    python tools/bench_live.py [--seconds 60] [--jack-seconds 60] [--frames 100000]
                               [--presets default,live]

1. Engine alone, one thread: 44.1 kHz, block 256, follow mode (all stages on: streaming
   descriptors, forecaster, exact k-NN query over a DB of >= 10^5 frames, playback), fed
   ``--seconds`` of music block by block. Prints p50/p99/max engine time per block next to
   the block period (goal: p99 below 25 % of it), for all blocks and by stage: the block
   that completes a hop describes and forecasts, the next one queries and plays (with the
   ``live`` preset's hop of 256 one block does both).
2. ``demiurge-live`` against a JACK server (dummy driver, started here when ``jackd`` is
   installed) for ``--jack-seconds``: late blocks and the latency from ``/demiurge/status``.
3. The latency per preset side by side: the engine's, and with the cushion and the JACK
   periods (tests/test_live_jack.py measures that it is the delay of an onset).

Each preset's DB is the demo corpus made long enough (16 files of
``frames * hop / 16 / 44100`` seconds: the same frame count, so 4x less audio with ``live``),
described once into ``$DEMIURGE_CACHE/bench`` (or ``~/.cache/demiurge/bench``); the
predictor is the embedded default one (its timing does not depend on the DB it was trained on).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_db(frames: int, preset: str) -> Path:
    from demiurge.data.demo_corpus import make_demo_corpus
    from demiurge.dsp.config import mfcc_preset
    from demiurge.errors import DemiurgeError
    from demiurge.live.loading import cache_dir
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.sequencer.describe import describe_folder

    config = mfcc_preset(preset)
    seconds = int(np.ceil(frames * config.hop_length / 16 / 44100)) + 1
    root = cache_dir() / "bench" / f"{seconds}s"
    db_dir = root / f"db-{preset}"
    try:
        db = DescriptorDB.open(db_dir)
        if len(db) >= frames and db.config == config:
            return db_dir
    except DemiurgeError:
        pass
    if not (root / "corpus").is_dir():
        print(f"making a {16 * seconds / 60:.0f} min corpus in {root} (first run only)")
        make_demo_corpus(root / "corpus", seconds_per_file=seconds)
    return describe_folder(root / "corpus", db_dir, config=config).path


def engine_times(db_dir: Path, predictor: Path, *, seconds: float, block: int,
                 search: str) -> dict:
    import torch

    from demiurge.data.audio import load_audio
    from demiurge.live.audio import normal_priority, realtime_priority
    from demiurge.live.engine import Engine
    from demiurge.live.loading import load_db, load_forecaster

    torch.set_num_threads(1)
    db = load_db(db_dir, search=search)
    engine = Engine(db=db, forecaster=load_forecaster(predictor), block=block,
                    params={"mode": "follow", "horizon": 1, "k": 4, "avoid_repeats": 4,
                            "continuity": 0.3})
    files = sorted((db_dir.parent / "corpus").glob("*.wav"))
    audio = load_audio(files[1], sample_rate=44100)
    n = int(seconds * 44100) // block * block
    audio = np.resize(audio, n).astype(np.float32)
    for i in range(0, 100 * block, block):  # warm-up (allocator, first calls)
        engine.process(audio[i:i + block])
    times = np.empty(n // block)
    cpu = np.empty(n // block)
    stage = np.zeros(n // block, int)  # 1: describe + forecast, 2: query + playback, 3: both
    core = engine.core
    realtime = realtime_priority(5)  # as the live engine thread runs, when allowed
    for k, i in enumerate(range(0, n, block)):
        hops, answers = core.hops_seen, core.answers
        c0, t0 = time.thread_time(), time.perf_counter()
        engine.process(audio[i:i + block])
        times[k], cpu[k] = time.perf_counter() - t0, time.thread_time() - c0
        stage[k] = int(core.hops_seen != hops) + 2 * int(core.answers != answers)
    normal_priority()
    return {"frames": len(db.offsets), "times": times, "cpu": cpu, "stage": stage,
            "period": block / 44100, "search": search, "realtime": realtime,
            "latency_ms": 1e3 * engine.latency_samples() / 44100,
            "mosaic_latency_ms": 1e3 * _mosaic_latency(engine) / 44100}


def _mosaic_latency(engine) -> int:
    engine.set("mode", "mosaic")
    engine.process(np.zeros(engine.block, np.float32))  # the change applies at a block
    return engine.latency_samples()


def report_engine(r: dict, preset: str) -> None:
    period = r["period"] * 1e3
    print(f"\n{preset} preset: engine, one thread, follow mode, block 256 @ 44.1 kHz, DB "
          f"{r['frames']} frames, "
          f"{r['search']} search (block period {period:.3f} ms; goal p99 < 25 % = "
          f"{0.25 * period:.3f} ms)")
    print("wall: time per block as the engine thread sees it (includes being preempted on a "
          "busy machine); cpu: the thread's own CPU time; real-time priority "
          + ("granted" if r["realtime"] else "not granted"))
    print(f"{'blocks':<22}{'':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'p50/period':>12}"
          f"{'p99/period':>12}")
    stage = r["stage"]
    for name, mask in (("all", stage >= 0), ("describe + forecast", stage == 1),
                       ("query + playback", stage == 2), ("both (hop = block)", stage == 3),
                       ("other", stage == 0)):
        if not mask.any():  # hop = block: every block runs both stages
            continue
        for clock in ("wall", "cpu"):
            t = r["times" if clock == "wall" else "cpu"][mask]
            p50, p99, mx = (np.percentile(t, 50) * 1e3, np.percentile(t, 99) * 1e3, t.max() * 1e3)
            print(f"{name if clock == 'wall' else '':<22}{clock:>6}{p50:>9.3f}{p99:>9.3f}"
                  f"{mx:>9.3f}{p50 / period:>11.1%}{p99 / period:>12.1%}")
    print(f"mean engine load: {r['times'].mean() / r['period']:.1%} of real time (wall), "
          f"{r['cpu'].mean() / r['period']:.1%} (cpu)")


def jack_run(db_dir: Path, predictor: Path, *, seconds: float, search: str,
             preset: str) -> float:
    """Late blocks over a JACK run, printed; returns the latency status reports (ms)."""
    if shutil.which("jackd") is None:
        print("\nJACK run skipped: jackd is not installed (apt-get install jackd2 libportaudio2)")
        return float("nan")
    import jack
    from pythonosc.osc_message import OscMessage
    from pythonosc.osc_message_builder import OscMessageBuilder

    from demiurge.data.audio import load_audio

    name = f"demiurge-bench-{os.getpid()}"
    env = dict(os.environ, JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    jackd = subprocess.Popen(["jackd", "-n", name, "-R", "-d", "dummy", "-r", "44100", "-p",
                              "256"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    host = None
    client = None
    try:
        time.sleep(1.0)
        host = subprocess.Popen([sys.executable, "-m", "demiurge.live.cli", "--db", str(db_dir),
                                 "--predictor", str(predictor), "--mode", "follow",
                                 "--search", search, "--osc-port", "0"], env=env,
                                stdout=subprocess.PIPE, text=True)
        port = None
        for line in host.stdout:
            m = re.search(r"127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            raise SystemExit("demiurge-live did not start")
        music = np.resize(load_audio(sorted((db_dir.parent / "corpus").glob("*.wav"))[1],
                                     sample_rate=44100), int(44100 * (seconds + 5)))
        client = jack.Client("bench-source", no_start_server=True, servername=name)
        out = client.outports.register("out")
        pos = [0]

        @client.set_process_callback
        def process(frames):
            chunk = music[pos[0]:pos[0] + frames]
            out.get_array()[:chunk.size] = chunk
            pos[0] += frames

        client.activate()
        deadline = time.time() + 30
        while not client.get_ports("PortAudio.*:in_0") and time.time() < deadline:
            time.sleep(0.1)
        client.connect(out, client.get_ports("PortAudio.*:in_0")[0].name)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)

        def status():
            sock.sendto(OscMessageBuilder("/demiurge/status").build().dgram, ("127.0.0.1", port))
            while True:
                msg = OscMessage(sock.recvfrom(65536)[0])
                if msg.address == "/demiurge/status":
                    return list(msg.params)

        start = status()
        time.sleep(seconds)
        end = status()
        blocks = seconds * 44100 / 256
        print(f"\n{preset} preset: demiurge-live through JACK (dummy driver, period 256), "
              f"follow mode, {search} search, {seconds:.0f} s "
              f"= {blocks:.0f} blocks: late blocks {end[5] - start[5]}, engine load "
              f"{end[6]:.1%}, reported latency {end[4]:.1f} ms")
        mode = OscMessageBuilder("/demiurge/mode")
        mode.add_arg("mosaic")
        sock.sendto(mode.build().dgram, ("127.0.0.1", port))
        time.sleep(0.2)
        return float(status()[4])
    finally:
        if client is not None:
            client.deactivate()
            client.close()
        if host is not None:
            host.terminate()
            host.wait(timeout=30)
        jackd.terminate()
        jackd.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="engine-alone input length")
    parser.add_argument("--jack-seconds", type=float, default=60.0,
                        help="length of the JACK run (0 skips it)")
    parser.add_argument("--frames", type=int, default=100_000, help="DB size in frames")
    parser.add_argument("--presets", default="default,live",
                        help="descriptor presets to compare (default default,live)")
    args = parser.parse_args()
    from demiurge.live.loading import default_models

    _, predictor = default_models()
    latency = {}
    for preset in args.presets.split(","):
        db_dir = bench_db(args.frames, preset)
        for search in ("exact", "hnsw"):
            r = engine_times(db_dir, predictor, seconds=args.seconds, block=256, search=search)
            report_engine(r, preset)
        jack = float("nan")
        if args.jack_seconds > 0:
            for search in ("exact", "hnsw"):
                jack = jack_run(db_dir, predictor, seconds=args.jack_seconds, search=search,
                                preset=preset)
        latency[preset] = (r["mosaic_latency_ms"], jack)
    print("\nmosaic input -> answer latency at block 256 (goal <= 25 ms): engine, and as "
          "demiurge-live reports it through JACK (cushion 2 blocks + JACK's 2 periods)")
    for preset, (engine_ms, jack_ms) in latency.items():
        print(f"  {preset:<8} engine {engine_ms:6.1f} ms   through JACK {jack_ms:6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
