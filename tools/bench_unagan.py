"""UNAGAN convergence on a CPU (prints figures; not part of the tests).

Trains UNAGAN on a folder (default: the demo corpus, written into a temporary folder) under a
CPU budget, and at every evaluation generates ``--seconds`` of audio the way ``demiurge
generate`` does (z -> UNAGAN -> de-normalised mel -> the packaged base vocoder -> DC removed ->
peak 0.95) and measures the Fréchet distance between its MFCC-frame statistics (mean and
covariance of THE MFCC descriptors, :class:`demiurge.dsp.Descriptors`) and those of the
held-out files. Beside it, once: held-out against training audio (how close real music of
this corpus comes), the held-out files resynthesised by the vocoder from their own mels (the
vocoder's floor: the best a mel generator can reach through it) and pink noise (a ceiling).

    python tools/bench_unagan.py --minutes 8 --eval-every 100
    python tools/bench_unagan.py --audio RECORDINGS/ --set u.channels=256 --segment-frames 512
    python tools/bench_unagan.py --spectrogram demo-output/synthesis/raw_generated --png out.png

CPU time is the process's (``time.process_time``) over the training steps alone (evaluations
excluded); run with one thread (``--threads 1``, the default) on a machine doing other work.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch

from demiurge.config_flags import parse_set
from demiurge.data.audio import load_audio
from demiurge.data.demo_corpus import make_demo_corpus
from demiurge.dsp import Descriptors, LogMel
from demiurge.models.pretrained import base_generator
from demiurge.models.configs import UNAGANConfig
from demiurge.synthesis.generate import PEAK, remove_dc
from demiurge.train.corpus import AudioCorpus
from demiurge.train.frechet import FrameStatistics, frechet_distance
from demiurge.train.unagan import UNAGANTrainer

SR = 44100


def peak_normalised(audio: np.ndarray) -> np.ndarray:
    return (audio * (PEAK / max(float(np.max(np.abs(audio))), 1e-9))).astype(np.float32)


def pink_noise(samples: int, rng: np.random.Generator) -> np.ndarray:
    """``float32[samples]``: 1/f noise (white noise shaped in the frequency domain), peak 0.95."""
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    spectrum[1:] /= np.sqrt(np.arange(1, spectrum.size))
    spectrum[0] = 0.0
    return peak_normalised(np.fft.irfft(spectrum, n=samples))


DITHER_RMS = 1e-4  # -80 dBFS of white noise under every analysed signal (see Measure)


class Measure:
    """MFCC-frame statistics of lists of signals, and their Fréchet distance to the held-out
    files. Every signal gets white noise at :data:`DITHER_RMS` first, so that the digital
    silence ending each recording lands at -80 dB like a quiet room, not at the -100 dB floor
    of the MFCC, whose frames would otherwise outweigh everything else."""

    def __init__(self, held_out: List[np.ndarray]):
        self.descriptors = Descriptors()
        self.rng = np.random.default_rng(0)
        self.reference = self.stats(held_out)

    def stats(self, signals: List[np.ndarray]) -> FrameStatistics:
        dithered = [np.asarray(s, np.float32) + DITHER_RMS * self.rng.standard_normal(len(s)).astype(np.float32)
                    for s in signals]
        with torch.no_grad():
            frames = [self.descriptors(torch.from_numpy(s)[None])[0].T for s in dithered]
        return FrameStatistics.of(torch.cat(frames).double().numpy())

    def distance(self, signals: List[np.ndarray]) -> float:
        return frechet_distance(self.stats(signals), self.reference)


class BenchTrainer(UNAGANTrainer):
    """The UNAGAN trainer with the Fréchet measure at every evaluation and a CPU clock that
    leaves the evaluations out."""

    def __init__(self, *, measure: Measure, vocoder, seconds: float, rows: List[Dict[str, float]], **kw):
        super().__init__(**kw)
        self.measure, self.vocoder, self.seconds, self.rows = measure, vocoder, seconds, rows
        self.cpu = 0.0
        self.mark = None

    def train_step(self, step, generator):
        if self.mark is None:
            self.mark, self.first_step = time.process_time(), step
        return super().train_step(step, generator)

    def evaluate(self, step, run, logger):
        self.cpu += time.process_time() - self.mark
        metric, values = super().evaluate(step, run, logger)
        generator = self.cycle.generator
        generator.eval()
        clips, clip = [], 4.0
        frames = int(clip * SR) // 256
        with torch.no_grad():
            for i in range(int(round(self.seconds / clip))):
                z = torch.randn(1, generator.z_channels, -(-frames // generator.frames_per_z),
                                generator=torch.Generator().manual_seed(10_000 + i))
                audio = self.vocoder(generator.denormalise(generator(z)))[0, 0].numpy()
                clips.append(peak_normalised(remove_dc(audio, sample_rate=SR)))
        generator.train()
        fd = self.measure.distance(clips)
        self.rows.append(dict(step=step, cpu_min=self.cpu / 60, fd=fd))
        print(f"  step {step:6d}  CPU {self.cpu / 60:6.2f} min  Fréchet {fd:9.1f}  (mel-frame Fréchet "
              f"{values['val_frechet']:7.2f}, BEGAN convergence {values['val_convergence']:.3f})", flush=True)
        self.clips = clips
        self.mark = time.process_time()
        return metric, values


def baselines(measure: Measure, vocoder, held_out: List[np.ndarray],
              train: List[np.ndarray]) -> Dict[str, float]:
    logmel = LogMel()
    with torch.no_grad():
        resynth = [peak_normalised(remove_dc(vocoder(logmel(torch.from_numpy(a)[None]))[0, 0].numpy(),
                                             sample_rate=SR)) for a in held_out]
    rng = np.random.default_rng(0)
    noise = [pink_noise(len(a), rng) for a in held_out]
    return {"training audio": measure.distance(train), "held-out through the vocoder": measure.distance(resynth),
            "pink noise": measure.distance(noise)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audio", help="training folder (default: the demo corpus)")
    parser.add_argument("--held-out", help="held-out folder (default: with --audio its trainer's held-out "
                        "files; else the demo corpus made with another seed: other notes, same kinds of piece)")
    parser.add_argument("--out", help="run folder (default: a temporary one)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out (CPU time counts from here)")
    parser.add_argument("--png", help="write a spectrogram of the last generated clips (and a held-out one) here")
    parser.add_argument("--spectrogram", metavar="DIR", help="only draw the first three wavs of DIR (e.g. the "
                        "demo's generated files) below a held-out demo piece into --png, and stop")
    parser.add_argument("--minutes", type=float, default=8.0, help="training budget (wall-clock minutes)")
    parser.add_argument("--max-steps", type=int, default=100_000)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=32.0, help="seconds generated per evaluation")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--segment-frames", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--lr-half-life", type=int, metavar="STEPS")
    parser.add_argument("--size", choices=("cpu", "paper"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="u.NAME=VALUE")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    tmp = Path(tempfile.mkdtemp(prefix="bench_unagan_"))
    if args.spectrogram:
        held = make_demo_corpus(tmp / "held_out", seed=1, log=lambda _m: None)[1]
        files = sorted(Path(args.spectrogram).glob("*.wav"))[:3]
        real = peak_normalised(load_audio(held, sample_rate=SR))
        panels = [(f"held-out demo piece ({held.name}, seed 1), peak 0.95", real[: 4 * SR])]
        panels += [(f"{p.name}", load_audio(p, sample_rate=SR)) for p in files]
        spectrogram_png(Path(args.png), panels)
        return
    audio_dir = Path(args.audio) if args.audio else tmp / "corpus"
    if not args.audio:
        make_demo_corpus(audio_dir, log=lambda _m: None)
    corpus = AudioCorpus(audio_dir, sample_rate=SR, min_samples=4096, log=lambda _m: None)
    if args.held_out or not args.audio:
        held_dir = Path(args.held_out) if args.held_out else tmp / "held_out"
        if not args.held_out:
            make_demo_corpus(held_dir, seed=1, log=lambda _m: None)
        held = AudioCorpus(held_dir, sample_rate=SR, min_samples=4096, log=lambda _m: None)
        held_out, held_name = held.train + held.val, f"{held_dir} ({len(held.train) + len(held.val)} files)"
    else:
        held_out, held_name = corpus.val, ", ".join(corpus.val_names)
    vocoder = base_generator()
    measure = Measure(held_out)
    print(f"corpus {audio_dir}: {len(corpus.train)} training files ({corpus.train_samples / SR:.0f} s), "
          f"held out: {held_name}")
    print("Fréchet distance of MFCC-frame statistics to the held-out files (lower is closer):")
    for name, value in baselines(measure, vocoder, held_out, corpus.train).items():
        print(f"  {name:32}{value:9.1f}")

    overrides = {"unagan": parse_set(args.set, {"u": (UNAGANConfig,)}).get("u", {})}
    rows: List[Dict[str, float]] = []
    out = Path(args.out) if args.out else tmp / "run"
    trainer = BenchTrainer(measure=measure, vocoder=vocoder, seconds=args.seconds, rows=rows, out=out, resume=args.resume,
                           audio=audio_dir, max_steps=args.max_steps, eval_every=args.eval_every,
                           max_minutes=args.minutes, batch_size=args.batch_size,
                           segment_frames=args.segment_frames, lr=args.lr, lr_half_life=args.lr_half_life,
                           size=args.size, threads=args.threads,
                           overrides=overrides, use_wandb=False, export=False, progress=False,
                           log=lambda _m: None)
    started = time.monotonic()
    trainer.fit()
    train = trainer.config["train"]
    steps = rows[-1]["step"]
    seconds_per_step = rows[-1]["cpu_min"] * 60 / max(steps - trainer.first_step, 1)
    audio_per_step = train["batch_size"] * train["segment_frames"] * 256 / SR
    print(f"{steps - trainer.first_step} steps in {time.monotonic() - started:.0f} s wall; {seconds_per_step:.3f} CPU-s per step, "
          f"{audio_per_step / seconds_per_step:.1f} s of audio per CPU-second "
          f"(batch {train['batch_size']} x {train['segment_frames']} frames, lr {train['lr']:g}); "
          f"best: Fréchet {min(r['fd'] for r in rows):.1f}; run in {out}")
    if args.png:
        panels = [("held-out (real)", held_out[0][: len(trainer.clips[0])])]
        panels += [(f"generated {i + 1} (UNAGAN, step {steps}, istft-base)", g)
                   for i, g in enumerate(trainer.clips[:3])]
        spectrogram_png(Path(args.png), panels)


def spectrogram_png(path: Path, panels: List[Tuple[str, np.ndarray]]) -> None:
    """THE log-mel (in dB) of each ``(title, float32[T])``, one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    logmel = LogMel()
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.9 * len(panels)), squeeze=False)
    for ax, (title, audio) in zip(axes[:, 0], panels):
        with torch.no_grad():
            mel = 20 * logmel(torch.from_numpy(audio)[None])[0].numpy()
        seconds = audio.shape[0] / SR
        ax.imshow(mel, origin="lower", aspect="auto", cmap="magma", vmin=-100, vmax=max(float(mel.max()), -60),
                  extent=(0, seconds, 0, mel.shape[0]))
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("mel bin")
    axes[-1, 0].set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f"spectrogram: {path}")


if __name__ == "__main__":
    main()
