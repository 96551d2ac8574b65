"""Sequencer benchmark: Demiurge side by side with its peers, in one process, on the same audio.

1. Batch descriptor extraction over the demo corpus: ``Descriptors.forward`` vs
   ``librosa.feature.mfcc`` + ``librosa.feature.delta`` (orders 1 and 2).
2. Incremental update, one hop at a time: ``Descriptors.stream`` (TorchScript) vs librosa on
   each new window (one-frame MFCC + deltas over the last ``delta_width`` frames).
3. Exact 1-NN over 10^6 frames x 39 descriptors: ``NearestFrames.search`` vs faiss
   ``IndexFlatL2``, for a batch of queries (a render) and for single queries (live use).

Everything runs on one thread (torch and faiss). Usage: ``python tools/bench_sequencer.py
[--frames 1000000] [--queries 1000]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def best_of(fn, repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def per_call(fn, calls: int) -> float:
    """Median wall time of one call over ``calls`` calls, in seconds."""
    times = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        fn(i)
        times[i] = time.perf_counter() - start
    return float(np.median(times))


def row(name: str, ours: float, peer: float, unit: str, scale: float, peer_name: str) -> None:
    print(f"  {name:<38} demiurge {ours * scale:>10.1f} {unit:<3} | {peer_name} "
          f"{peer * scale:>10.1f} {unit:<3} | demiurge/peer {ours / peer:6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000, help="DB frames for the query")
    parser.add_argument("--queries", type=int, default=1000, help="queries in the batch")
    args = parser.parse_args()

    import faiss
    import librosa

    from demiurge.data.audio import load_audio
    from demiurge.data.demo_corpus import make_demo_corpus
    from demiurge.dsp import Descriptors, MFCCConfig
    from demiurge.sequencer.query import NearestFrames

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    cfg = MFCCConfig()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_demo_corpus(Path(tmp), log=lambda _: None)
        corpus = [load_audio(p, sample_rate=cfg.sample_rate) for p in paths]
    seconds = sum(a.shape[0] for a in corpus) / cfg.sample_rate
    print(f"demo corpus: {len(corpus)} files, {seconds:.0f} s of audio; one thread; "
          f"torch {torch.__version__}, librosa {librosa.__version__}, faiss {faiss.__version__}")

    # ---------------------------------------------------------------- 1. batch extraction
    describe = Descriptors(cfg).eval()

    def ours_batch():
        with torch.inference_mode():
            return [describe(torch.from_numpy(a)[None]) for a in corpus]

    def librosa_batch():
        out = []
        for a in corpus:
            m = librosa.feature.mfcc(y=a, sr=cfg.sample_rate, n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft,
                                     hop_length=cfg.hop_length, n_mels=cfg.n_mels)
            out.append(np.concatenate([m, librosa.feature.delta(m, width=cfg.delta_width),
                                       librosa.feature.delta(m, width=cfg.delta_width, order=2)]))
        return out

    librosa_batch()  # numba compilation and caches, outside the timing
    ours_batch()
    t_ours, t_lib = best_of(ours_batch, 3), best_of(librosa_batch, 3)
    print("1. batch descriptor extraction (MFCC + delta + delta-delta, whole corpus)")
    row("time for the corpus", t_ours, t_lib, "ms", 1e3, "librosa")
    print(f"  {'':<38} = {seconds / t_ours:.0f}x real time (librosa {seconds / t_lib:.0f}x)")

    # ---------------------------------------------------------------- 2. incremental update
    audio = np.concatenate(corpus)
    hop, hops = cfg.hop_length, 1000
    blocks = torch.from_numpy(audio[: (hops + 50) * hop].copy()).reshape(-1, hop)
    stream = torch.jit.script(Descriptors(cfg).eval())
    stream.reset()
    with torch.inference_mode():
        for i in range(50):  # warm up past the first latency_frames calls
            stream.stream(blocks[i: i + 1])

        def ours_hop(i):
            stream.stream(blocks[50 + i: 51 + i])

        t_ours = per_call(ours_hop, hops)
    frames = []

    def librosa_hop(i):
        end = (50 + i) * hop
        window = audio[end - cfg.n_fft: end]
        m = librosa.feature.mfcc(y=window, sr=cfg.sample_rate, n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft,
                                 hop_length=cfg.hop_length, n_mels=cfg.n_mels, center=False)
        frames.append(m)
        recent = np.concatenate(frames[-cfg.delta_width:], axis=1)
        if recent.shape[1] == cfg.delta_width:
            librosa.feature.delta(recent, width=cfg.delta_width)
            librosa.feature.delta(recent, width=cfg.delta_width, order=2)

    for i in range(cfg.delta_width):
        librosa_hop(i)
    t_lib = per_call(librosa_hop, 300)
    print(f"2. incremental update, one hop of {hop} samples (median of {hops} hops; "
          f"goal <= 50 us)")
    row("time per hop", t_ours, t_lib, "us", 1e6, "librosa")
    print(f"  {'':<38} latency {stream.latency_frames} frames "
          f"({stream.latency_samples / cfg.sample_rate * 1e3:.0f} ms) for the centred deltas")

    # ---------------------------------------------------------------- 3. exact 1-NN
    with torch.inference_mode():
        feats = torch.cat([d[0].t() for d in ours_batch()]).numpy()
    rng = np.random.default_rng(0)
    base = (feats - feats.mean(0)) / feats.std(0)
    reps = -(-args.frames // base.shape[0])
    db = np.tile(base, (reps, 1))[: args.frames]
    db = (db + 0.05 * rng.standard_normal(db.shape)).astype(np.float32)
    queries = (base[rng.integers(0, base.shape[0], args.queries)]
               + 0.3 * rng.standard_normal((args.queries, base.shape[1]))).astype(np.float32)
    index = NearestFrames(torch.from_numpy(db), torch.full([db.shape[0]], -1, dtype=torch.long),
                          standardize=False)
    flat = faiss.IndexFlatL2(db.shape[1])
    flat.add(db)
    q = torch.from_numpy(queries)
    with torch.inference_mode():
        _, ours_rows = index.search(q, 1)
        _, faiss_rows = flat.search(queries, 1)
        t_ours = best_of(lambda: index.search(q, 1), 3)
        t_faiss = best_of(lambda: flat.search(queries, 1), 3)
        # Single queries alternate between the two, so load changes hit both alike.
        one = np.array([[per_call(lambda _: index.search(q[i: i + 1], 1), 1),
                         per_call(lambda _: flat.search(queries[i: i + 1], 1), 1)]
                        for i in range(60)])
        one_ours, one_faiss = np.median(one, axis=0)
    agree = float((ours_rows[:, 0].numpy() == faiss_rows[:, 0]).mean())
    print(f"3. exact 1-NN over {db.shape[0]} frames x {db.shape[1]} descriptors (goal: no slower)")
    row(f"batch of {args.queries} queries", t_ours, t_faiss, "ms", 1e3, "faiss  ")
    row("one query", one_ours, one_faiss, "ms", 1e3, "faiss  ")
    print(f"  {'':<38} same nearest frame as faiss for {agree:.1%} of the queries "
          "(the rest: float32 near-ties that demiurge re-ranks in float64)")


if __name__ == "__main__":
    main()
