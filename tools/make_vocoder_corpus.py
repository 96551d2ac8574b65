"""Synthesise the broad corpus the base vocoder is trained on, from Debian packages only.

    python tools/make_vocoder_corpus.py OUT_DIR [--seconds-per-source 8]

Writes ``OUT_DIR/train/*.wav`` and ``OUT_DIR/eval/*.wav`` (44.1 kHz mono, 16-bit), and
``OUT_DIR/corpus.json`` (what each file is, its level, the held-out set):

* every General MIDI program (0-127) and the GM drum kit, rendered by fluidsynth with the
  TimGM6mb soundfont over three octaves and three velocities, with releases and rests;
* espeak-ng speech in many languages and voice variants;
* noise and percussive material: white/pink/brown noise swells, filtered noise, clicks and
  decaying noise hits.

Each file is scaled to a random peak between -6 and -30 dBFS (real recordings are not at full
scale). Held out for evaluation (never in ``train/``): the programs in :data:`HELD_OUT_PROGRAMS`
and the voice :data:`HELD_OUT_VOICE`. Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 44100
SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
HELD_OUT_PROGRAMS = {24: "nylon guitar", 42: "cello", 73: "flute", 11: "vibraphone"}
HELD_OUT_VOICE = ("en-us", "+f2")
LANGUAGES = ["en", "en-us", "de", "fr", "es", "it", "pt", "nl", "sv", "pl", "cs", "ru", "el",
             "tr", "fi", "hu", "ro", "ja", "cmn", "hi", "ar", "sw", "vi", "ko"]
VARIANTS = ["", "+m1", "+m3", "+f1", "+f3", "+f4", "+croak", "+whisper"]
SENTENCES = [
    "The quick brown fox jumps over the lazy dog, and then it rests a while.",
    "Every sound that we record carries the room it was made in.",
    "One, two, three, four; five, six, seven, eight.",
    "A long vowel, then a short one: aaah, eh, ooo, ih.",
]


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        sys.exit(f"{tool} not found: install the Debian package {package}")
    return path


def _phrase_midi(path: Path, program: int, rng: np.random.Generator, seconds: float,
                 drums: bool = False) -> None:
    """Notes over three octaves at velocities 40/80/120, with rests, ending in silence."""
    import mido

    ticks, bpm = 480, 120
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))])
    channel = 9 if drums else 0
    if not drums:
        track.append(mido.Message("program_change", program=program, channel=channel, time=0))
    base = int(rng.integers(36, 60))
    wait, elapsed = 0, 0.0
    while elapsed < seconds - 1.0:
        beats = float(rng.choice([0.25, 0.5, 1.0, 2.0]))
        dur = int(beats * ticks)
        elapsed += beats * 60 / bpm
        if rng.random() < 0.15:  # a rest
            wait += dur
            continue
        if drums:
            notes = [int(rng.integers(35, 82))]
        else:
            octave = int(rng.integers(0, 3))
            chord = rng.random() < 0.25
            root = base + 12 * octave + int(rng.integers(0, 12))
            notes = [root, root + 4, root + 7] if chord else [root]
        velocity = int(rng.choice([40, 80, 120]))
        held = int(dur * rng.uniform(0.5, 0.95))
        for i, n in enumerate(notes):
            track.append(mido.Message("note_on", note=min(n, 127), velocity=velocity,
                                      channel=channel, time=wait if i == 0 else 0))
        for i, n in enumerate(notes):
            track.append(mido.Message("note_off", note=min(n, 127), velocity=0, channel=channel,
                                      time=held if i == 0 else 0))
        wait = dur - held
    track.append(mido.MetaMessage("end_of_track", time=wait + ticks))
    mid = mido.MidiFile(ticks_per_beat=ticks)
    mid.tracks.append(track)
    mid.save(str(path))


def _read(path: Path) -> np.ndarray:
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if sr != SR:
        import librosa

        audio = librosa.resample(audio, orig_sr=sr, target_sr=SR)
    return audio


def _noise(kind: str, rng: np.random.Generator, seconds: float) -> np.ndarray:
    n = int(seconds * SR)
    white = rng.standard_normal(n)
    if kind == "white":
        x = white
    else:
        spectrum = np.fft.rfft(white)
        f = np.maximum(np.fft.rfftfreq(n, 1 / SR), 20.0)
        spectrum /= f ** (0.5 if kind == "pink" else 1.0)
        x = np.fft.irfft(spectrum, n)
    # swells and hits: a few envelopes with silences between them
    env = np.zeros(n)
    t = 0
    while t < n - SR // 2:
        length = int(rng.uniform(0.05, 1.5) * SR)
        shape = np.exp(-np.linspace(0, rng.uniform(3, 12), length)) if rng.random() < 0.5 \
            else np.sin(np.linspace(0, np.pi, length))
        env[t:t + length] = shape[:max(0, min(length, n - t))]
        t += length + int(rng.uniform(0.1, 0.8) * SR)
    return (x / (np.abs(x).max() + 1e-9) * env).astype(np.float32)


def _clicks(rng: np.random.Generator, seconds: float) -> np.ndarray:
    n = int(seconds * SR)
    x = np.zeros(n, np.float32)
    for start in rng.integers(0, n - 4000, size=int(seconds * 4)):
        length = int(rng.integers(200, 4000))
        decay = np.exp(-np.linspace(0, 8, length))
        x[start:start + length] += (rng.standard_normal(length) * decay).astype(np.float32)
    return x


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output folder (train/, eval/, corpus.json)")
    parser.add_argument("--seconds-per-source", type=float, default=8.0,
                        help="length of each rendered file (default: 8)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)
    fluidsynth = _need("fluidsynth", "fluidsynth")
    espeak = _need("espeak-ng", "espeak-ng")
    if not SOUNDFONT.exists():
        sys.exit(f"{SOUNDFONT} missing: install the Debian package fluidsynth")
    rng = np.random.default_rng(args.seed)
    for part in ("train", "eval"):
        (args.out / part).mkdir(parents=True, exist_ok=True)
    entries = []

    def write(name: str, audio: np.ndarray, what: str, held_out: bool) -> None:
        peak = float(np.abs(audio).max())
        if peak <= 0:
            print(f"  skipped {name}: rendered silent")
            return
        level = float(rng.uniform(-30, -6))
        audio = audio * (10 ** (level / 20) / peak)
        part = "eval" if held_out else "train"
        sf.write(str(args.out / part / f"{name}.wav"), audio, SR, subtype="PCM_16")
        entries.append({"file": f"{part}/{name}.wav", "what": what, "peak_dbfs": round(level, 1),
                        "seconds": round(len(audio) / SR, 2)})

    seconds = args.seconds_per_source
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for program in list(range(128)) + ["drums"]:
            drums = program == "drums"
            midi, wav = tmp / "phrase.mid", tmp / "phrase.wav"
            _phrase_midi(midi, 0 if drums else program, rng, seconds, drums=drums)
            subprocess.run([fluidsynth, "-ni", "-q", "-g", "0.6", "-r", str(SR), "-F", str(wav),
                            "-T", "wav", str(SOUNDFONT), str(midi)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            name = "gm_drums" if drums else f"gm_{program:03d}"
            held = not drums and program in HELD_OUT_PROGRAMS
            write(name, _read(wav), "GM drum kit" if drums else f"GM program {program}", held)
        print(f"GM: 128 programs and the drum kit rendered ({len(entries)} files)", flush=True)
        voices = [(lang, variant) for lang in LANGUAGES for variant in VARIANTS[:3]]
        voices += [(lang, variant) for lang, variant in zip(LANGUAGES, VARIANTS[3:] * 5)]
        voices.append(HELD_OUT_VOICE)
        for n, (lang, variant) in enumerate(dict.fromkeys(voices)):
            wav = tmp / "speech.wav"
            text = " ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(2))
            done = subprocess.run([espeak, "-v", lang + variant, "-s", str(int(rng.integers(120, 190))),
                                   "-w", str(wav), text], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            if done.returncode != 0:
                print(f"  skipped voice {lang}{variant}: espeak-ng could not speak it")
                continue
            audio = np.concatenate([_read(wav), np.zeros(SR // 2, np.float32)])
            name = f"speech_{lang}{variant.replace('+', '_')}"
            write(name, audio, f"espeak-ng voice {lang}{variant}", (lang, variant) == HELD_OUT_VOICE)
        print(f"speech: {sum(e['what'].startswith('espeak') for e in entries)} voices", flush=True)
        for n in range(6):
            for kind in ("white", "pink", "brown"):
                write(f"noise_{kind}_{n}", _noise(kind, rng, seconds), f"{kind} noise envelopes", False)
            write(f"clicks_{n}", _clicks(rng, seconds), "clicks and noise hits", False)
    card = {"sample_rate": SR, "soundfont": str(SOUNDFONT), "seed": args.seed,
            "held_out": {"programs": HELD_OUT_PROGRAMS, "voice": "".join(HELD_OUT_VOICE)},
            "files": entries}
    (args.out / "corpus.json").write_text(json.dumps(card, indent=1) + "\n")
    total = sum(e["seconds"] for e in entries)
    held = sum(e["seconds"] for e in entries if e["file"].startswith("eval/"))
    print(f"wrote {len(entries)} files ({total / 60:.1f} min, {held / 60:.1f} min held out) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
