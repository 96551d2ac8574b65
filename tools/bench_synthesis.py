"""Synthesis benchmarks (prints figures; not part of the tests).

(a) Quality: train the real-time default vocoder (hifigan-rt) on the demo corpus for a few
    budgets of steps (CPU time printed), then resynthesise held-out demo audio from THE mel
    and compare with Griffin-Lim from the same mel (librosa.feature.inverse.mel_to_audio, 32
    iterations): mel L1 (log10 mel units) and multi-resolution STFT distance (spectral
    convergence + log-magnitude L1, averaged over FFT sizes 512/1024/2048). Lower is better.
(b) Speed: every generator's streaming TorchScript copy on ONE CPU thread, called block by
    block (2048 samples = 8 mel frames per call; UNAGAN: one z vector = 16 frames per call),
    in kHz of 44.1 kHz audio per second (best of several 0.25 s rounds, so that other jobs on
    the machine disturb the figure less), side by side with a HiFi-GAN V1 of the paper's size.

    python tools/bench_synthesis.py [--steps 100,300,600] [--skip-quality] [--skip-speed]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from demiurge.data.audio import load_audio
from demiurge.data.demo_corpus import make_demo_corpus
from demiurge.dsp import LogMel, MelConfig
from demiurge.models import VOCODER_ARCHS, build_vocoder
from demiurge.models.loading import load_vocoder
from demiurge.models.unagan import UNAGANConfig, UNAGANGenerator

BENCH_DISCRIMINATOR = {"msd_channels": 4, "mpd_channels": 2, "msd_max_channels": 64}


def mr_stft_distance(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Mean over FFT sizes 512/1024/2048 of spectral convergence + mean |log magnitude difference|."""
    x, y = torch.from_numpy(reference).double(), torch.from_numpy(estimate).double()
    total = 0.0
    sizes = (512, 1024, 2048)
    for n_fft in sizes:
        window = torch.hann_window(n_fft, dtype=torch.float64)
        sx = torch.stft(x, n_fft, n_fft // 4, window=window, return_complex=True).abs()
        sy = torch.stft(y, n_fft, n_fft // 4, window=window, return_complex=True).abs()
        sc = torch.linalg.norm(sx - sy) / torch.linalg.norm(sx)
        mag = (torch.log(sx + 1e-7) - torch.log(sy + 1e-7)).abs().mean()
        total += float(sc + mag)
    return total / len(sizes)


def griffin_lim(log_mel: torch.Tensor, config: MelConfig) -> np.ndarray:
    """Griffin-Lim from THE mel (log10 magnitude, Slaney), aligned to the causal framing."""
    import librosa

    mel = np.power(10.0, log_mel.numpy().astype(np.float64))
    audio = librosa.feature.inverse.mel_to_audio(
        mel, sr=config.sample_rate, n_fft=config.n_fft, hop_length=config.hop_length, power=1.0,
        htk=False, norm="slaney", fmin=config.fmin, fmax=config.fmax, center=True, n_iter=32,
        random_state=0)
    # librosa centres frame t on sample t*hop; THE causal mel's frame t is centred on
    # t*hop + hop - n_fft/2, so Griffin-Lim's output is late by n_fft/2 - hop samples.
    shift = config.n_fft // 2 - config.hop_length
    n = log_mel.shape[1] * config.hop_length
    audio = np.pad(audio[shift:], (0, max(0, n - len(audio) + shift)))[:n]
    return audio.astype(np.float32)


def held_out_clips(corpus: Path, seconds: float, sample_rate: int):
    """4 s from the middle of each held-out demo file (the trainer holds out the last 10%)."""
    files = sorted(corpus.glob("*.wav"))
    n_val = max(1, int(round(0.1 * len(files))))
    clips = []
    for path in files[-n_val:]:
        audio = load_audio(path, sample_rate=sample_rate)
        audio = audio / np.max(np.abs(audio)) * 0.95
        start = len(audio) // 2 - int(seconds * sample_rate) // 2
        clips.append((path.name, audio[start:start + int(seconds * sample_rate)]))
    return clips


def quality(steps_list, work: Path, threads: int) -> None:
    from demiurge.train.vocoder import VocoderTrainer

    torch.set_num_threads(threads)
    corpus = work / "demo_corpus"
    make_demo_corpus(corpus, log=lambda _: None)
    config = MelConfig()
    logmel = LogMel(config)
    clips = held_out_clips(corpus, 4.0, config.sample_rate)
    rows = []
    gl_scores = []
    for name, audio in clips:
        mel = logmel(torch.from_numpy(audio)[None])[0]
        gl = griffin_lim(mel, config)
        n = len(gl)
        gl_mel = logmel(torch.from_numpy(gl)[None])[0]
        gl_scores.append((float((gl_mel - mel).abs().mean()), mr_stft_distance(audio[:n], gl)))
    gl_mel_l1, gl_stft = np.mean(gl_scores, axis=0)
    print(f"\n(a) quality on {len(clips)} held-out demo clips of 4 s ({', '.join(n for n, _ in clips)})")
    print(f"    training: hifigan-rt generator, reduced discriminator {BENCH_DISCRIMINATOR}, batch 4 x 8192, "
          f"{threads} CPU thread(s)")
    print(f"{'':4}{'method':34}{'CPU s':>8}{'mel L1':>9}{'MR-STFT':>9}")
    print(f"{'':4}{'Griffin-Lim (32 iterations)':34}{'':>8}{gl_mel_l1:9.3f}{gl_stft:9.3f}")
    run_dir = work / "bench_vocoder"
    cpu_file = work / "bench_vocoder_cpu.json"  # training CPU seconds so far (a --work folder is reused)
    cpu = json.loads(cpu_file.read_text())["cpu_seconds"] if cpu_file.exists() else 0.0
    for steps in steps_list:
        started = time.process_time()
        VocoderTrainer(audio=corpus, out=run_dir, resume=(run_dir / "manifest.json").exists(), max_steps=steps,
                       eval_every=steps, use_wandb=False, batch_size=4, segment=8192, arch="hifigan-rt",
                       overrides={"discriminator": BENCH_DISCRIMINATOR}, log=lambda _: None).fit()
        cpu += time.process_time() - started
        cpu_file.write_text(json.dumps({"cpu_seconds": cpu}))
        generator = load_vocoder(run_dir, which="latest").generator
        scores = []
        for _, audio in clips:
            mel = logmel(torch.from_numpy(audio)[None])
            with torch.no_grad():
                out = generator(mel)[0, 0].numpy()
            out_mel = logmel(torch.from_numpy(out)[None])
            scores.append((float((out_mel - mel).abs().mean()), mr_stft_distance(audio[:len(out)], out)))
        mel_l1, stft = np.mean(scores, axis=0)
        rows.append((steps, cpu, mel_l1, stft))
        print(f"{'':4}{f'hifigan-rt after {steps} steps':34}{cpu:8.0f}{mel_l1:9.3f}{stft:9.3f}"
              f"   (vs GL: mel L1 x{mel_l1 / gl_mel_l1:.2f}, MR-STFT x{stft / gl_stft:.2f})")


def speed(block_samples: int = 2048, seconds: float = 3.0) -> None:
    torch.set_num_threads(1)
    config = MelConfig()
    frames = block_samples // config.hop_length
    print(f"\n(b) speed, 1 CPU thread, streaming TorchScript, {block_samples}-sample blocks "
          f"({frames} mel frames per call), 44.1 kHz; torch {torch.__version__}")
    print(f"{'':4}{'generator':28}{'params':>9}{'kHz':>9}{'x real time':>13}{'vs HiFi-GAN V1':>16}")
    generators = [(arch, build_vocoder(arch=arch, generator=VOCODER_ARCHS[arch][1].to_dict(), mel=config))
                  for arch in ("hifigan-v1", "hifigan-v2", "hifigan-v3", "melgan", "hifigan-rt")]
    generators.append(("unagan (z -> mel)", UNAGANGenerator(UNAGANConfig())))
    reference = None
    for name, model in generators:
        stream = torch.jit.script(model.streaming())
        if isinstance(model, UNAGANGenerator):
            x, produced = torch.randn(1, 20, 1), 16 * config.hop_length
        else:
            x, produced = torch.randn(1, config.n_mels, frames) - 2.0, block_samples
        rates = []
        with torch.inference_mode():
            for _ in range(3):
                stream(x)
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline or len(rates) < 3:  # rounds of >= 0.25 s; best kept
                calls, started = 0, time.perf_counter()
                while time.perf_counter() - started < 0.25 or calls < 2:
                    stream(x)
                    calls += 1
                rates.append(calls * produced / (time.perf_counter() - started))
        khz = max(rates) / 1000
        reference = reference or khz
        params = sum(p.numel() for p in model.parameters()) / 1e6
        print(f"{'':4}{name:28}{params:8.2f}M{khz:9.1f}{khz * 1000 / config.sample_rate:12.1f}x"
              f"{khz / reference:15.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="100,300,600", help="training budgets (cumulative steps)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for training (quality)")
    parser.add_argument("--work", help="folder for the corpus and the run (default: a temporary one)")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        speed()
    if not args.skip_quality:
        steps = [int(s) for s in args.steps.split(",")]
        if args.work:
            quality(steps, Path(args.work), args.threads)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                quality(steps, Path(tmp), args.threads)


if __name__ == "__main__":
    main()
