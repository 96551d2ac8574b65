"""The embedded default corpus: a few minutes of deterministic, synthesised music.

Made from a seed, with no downloads: melodic phrases of harmonic notes (several timbres,
envelopes, vibrato), an FM bell line, and percussive/noisy patterns, each file a short piece
with a structure a sequencer can learn (scales, repeated motifs, steady tempo). Like
recordings, the files peak at different levels (-6 to -24 dBFS) and end in a release and
digital silence.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, List

import numpy as np

from demiurge.data.audio import write_audio

SAMPLE_RATE = 44100
SCALE = np.array([0, 2, 3, 5, 7, 8, 10])  # natural minor


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def _adsr(n: int, sr: int, attack: float, decay: float, sustain: float, release: float) -> np.ndarray:
    a, d, r = (max(1, int(x * sr)) for x in (attack, decay, release))
    s = max(0, n - a - d - r)
    env = np.concatenate([np.linspace(0, 1, a, endpoint=False),
                          np.linspace(1, sustain, d, endpoint=False),
                          np.full(s, sustain), np.linspace(sustain, 0, r)])
    return env[:n] if env.size >= n else np.pad(env, (0, n - env.size))


def _harmonic_note(freq: float, n: int, sr: int, *, tilt: float, odd_only: bool, vib_rate: float,
                   vib_depth: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    vib = 1.0 + vib_depth * np.sin(2 * np.pi * vib_rate * t + rng.uniform(0, 2 * np.pi)) * \
        np.clip(t / 0.3, 0, 1)
    phase = 2 * np.pi * np.cumsum(freq * vib) / sr
    out = np.zeros(n)
    for h in range(1, 40):
        if odd_only and h % 2 == 0:
            continue
        if h * freq > sr / 2 * 0.9:
            break
        out += np.sin(h * phase + rng.uniform(0, 2 * np.pi)) / h ** tilt
    return out / (np.max(np.abs(out)) + 1e-9)


def _bell(freq: float, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    index = 3.0 * np.exp(-t * 3)
    return np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * 1.4 * t)) * np.exp(-t * 2.5)


def _melody(rng: np.random.Generator, *, seconds: float, tempo: float, root: int, timbre: dict,
            sr: int) -> np.ndarray:
    beat = 60.0 / tempo
    out = np.zeros(int(seconds * sr) + 4 * sr)
    motif = rng.integers(0, 7, size=4)
    pos, degree = 0.0, 0
    while pos < seconds:
        phrase = motif + rng.integers(-1, 2, size=4) if rng.random() < 0.4 else motif
        for step in phrase:
            dur = beat * rng.choice([0.5, 1.0, 1.0, 2.0])
            degree = int(np.clip(step, 0, 13))
            note = root + 12 * (degree // 7) + SCALE[degree % 7]
            n = int(dur * sr)
            env = _adsr(n, sr, timbre["attack"], 0.1, timbre["sustain"], min(0.2, dur / 3))
            tone = _harmonic_note(_midi_hz(note), n, sr, tilt=timbre["tilt"], odd_only=timbre["odd"],
                                  vib_rate=5.5, vib_depth=timbre["vibrato"], rng=rng)
            i = int(pos * sr)
            out[i:i + n] += 0.5 * env * tone
            pos += dur
            if pos >= seconds:
                break
    return out[: int(seconds * sr)]


def _bells(rng: np.random.Generator, *, seconds: float, tempo: float, root: int, sr: int) -> np.ndarray:
    out = np.zeros(int(seconds * sr) + 4 * sr)
    beat = 60.0 / tempo
    pos = 0.0
    while pos < seconds:
        note = root + 12 + SCALE[rng.integers(0, 7)]
        n = int(2.5 * sr)
        i = int(pos * sr)
        out[i:i + n] += 0.4 * _bell(_midi_hz(note), n, sr)
        pos += beat * rng.choice([1, 2, 3])
    return out[: int(seconds * sr)]


def _drums(rng: np.random.Generator, *, seconds: float, tempo: float, sr: int) -> np.ndarray:
    out = np.zeros(int(seconds * sr) + sr)
    step = 60.0 / tempo / 4
    pattern_kick = rng.random(16) < 0.3
    pattern_kick[0] = True
    pattern_hat = rng.random(16) < 0.6
    pattern_snare = np.zeros(16, bool)
    pattern_snare[[4, 12]] = True
    n_steps = int(seconds / step)
    for s in range(n_steps):
        i = int(s * step * sr)
        k = s % 16
        if pattern_kick[k]:
            n = int(0.3 * sr)
            t = np.arange(n) / sr
            f = 50 + 120 * np.exp(-t * 30)
            out[i:i + n] += 0.8 * np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t * 12)
        if pattern_snare[k]:
            n = int(0.2 * sr)
            t = np.arange(n) / sr
            noise = rng.standard_normal(n)
            noise = np.diff(noise, prepend=0.0)  # brighter
            out[i:i + n] += 0.3 * noise * np.exp(-t * 25) + 0.2 * np.sin(2 * np.pi * 190 * t) * np.exp(-t * 30)
        if pattern_hat[k]:
            n = int(0.06 * sr)
            t = np.arange(n) / sr
            noise = np.diff(rng.standard_normal(n + 1), n=1)
            out[i:i + n] += 0.15 * noise[:n] * np.exp(-t * 80)
    return out[: int(seconds * sr)]


TIMBRES = [
    dict(name="strings", tilt=1.0, odd=False, attack=0.08, sustain=0.8, vibrato=0.006),
    dict(name="clarinet", tilt=1.3, odd=True, attack=0.04, sustain=0.7, vibrato=0.003),
    dict(name="flute", tilt=2.2, odd=False, attack=0.06, sustain=0.7, vibrato=0.008),
    dict(name="pluck", tilt=1.6, odd=False, attack=0.005, sustain=0.0, vibrato=0.0),
]


PEAKS_DBFS = (-6.0, -12.0, -18.0, -24.0)  # file peaks, as recordings have them
FADE_S, TAIL_S = 0.4, 0.6  # each file fades out, then ends in digital silence


def _as_recorded(audio: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
    """A piece at a recording's level: peak at one of :data:`PEAKS_DBFS`, a release of
    ``FADE_S`` seconds and ``TAIL_S`` seconds of silence at the end (the length is kept)."""
    fade, tail = int(FADE_S * sr), int(TAIL_S * sr)
    out = np.array(audio, np.float64)
    out[out.size - tail:] = 0.0
    out[out.size - tail - fade: out.size - tail] *= np.linspace(1.0, 0.0, fade)
    peak = 10.0 ** (float(rng.choice(PEAKS_DBFS)) / 20.0)
    return peak * out / (np.max(np.abs(out)) + 1e-9)


def make_demo_corpus(out_dir: str | os.PathLike, *, seed: int = 0, seconds_per_file: float = 15.0,
                     log: Callable[[str], None] = print) -> List[Path]:
    """Write the demo corpus into ``out_dir`` (16 wavs, 44.1 kHz mono); return the paths.

    Deterministic for a given ``seed``: the same call always writes the same samples. Files
    already present with the expected name are kept, so a second call costs nothing.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sr = SAMPLE_RATE
    paths = []
    pieces = []
    for i in range(16):
        kind = ["melody", "melody", "bells", "drums"][i % 4] if i % 4 != 1 else "melody+drums"
        pieces.append((i, kind))
    for i, kind in pieces:
        path = out_dir / f"demo_{i:02d}_{kind.replace('+', '_')}.wav"
        paths.append(path)
        if path.exists():
            continue
        rng = np.random.default_rng([seed, i])
        tempo = float(rng.choice([90, 100, 110, 120]))
        root = int(rng.choice([45, 48, 50, 52, 55, 57]))
        timbre = TIMBRES[i % len(TIMBRES)]
        if kind == "melody":
            audio = _melody(rng, seconds=seconds_per_file, tempo=tempo, root=root, timbre=timbre, sr=sr)
        elif kind == "melody+drums":
            audio = _melody(rng, seconds=seconds_per_file, tempo=tempo, root=root, timbre=timbre, sr=sr) \
                + 0.7 * _drums(rng, seconds=seconds_per_file, tempo=tempo, sr=sr)
        elif kind == "bells":
            audio = _bells(rng, seconds=seconds_per_file, tempo=tempo, root=root, sr=sr)
        else:
            audio = _drums(rng, seconds=seconds_per_file, tempo=tempo, sr=sr)
        write_audio(path, _as_recorded(audio, rng, sr).astype(np.float32), sample_rate=sr)
    log(f"demo corpus: {len(paths)} files, {len(paths) * seconds_per_file / 60:.1f} min in {out_dir}")
    return paths
