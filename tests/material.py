"""Realistic test material, made at run time from Debian packages (no downloads).

* ``fluidsynth`` renders of three General MIDI programs with the TimGM6mb soundfont (shipped
  with the ``fluidsynth`` package): notes with releases, rests between phrases and trailing
  silence, as any recording has;
* ``espeak-ng`` speech (two voices);
* Pure Data's bundled sound files (``puredata-doc``): ``voice.wav``, ``voice2.wav``,
  ``bell.aiff``.

Every source is written at 0, -20 and -40 dBFS peak (16-bit wav, 44.1 kHz, mono), one folder
per level. A missing tool or file fails the test with the package to install (CI installs
them: ``make system-packages``); nothing is skipped silently.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

SR = 44100
LEVELS_DB = (0, -20, -40)
SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
PD_SOUNDS = Path("/usr/share/puredata/doc/sound")
PD_FILES = ("voice.wav", "voice2.wav", "bell.aiff")
# GM program (0-based), notes (MIDI numbers, 0 = rest) of one phrase, beats per note.
PROGRAMS = {
    "piano": (0, [60, 64, 67, 72, 0, 71, 67, 0, 0], 0.5),
    "strings": (48, [55, 0, 62, 59, 0, 0], 1.0),
    "marimba": (12, [72, 74, 76, 0, 79, 76, 74, 0, 72], 0.4),
}
SPEECH = {
    "speech_en": ("en", "The quick brown fox jumps over the lazy dog, twice."),
    "speech_de": ("de", "Zwei Boxkaempfer jagen Eva quer durch Sylt."),
}


@dataclass
class Material:
    """The rendered folders: ``folder[level_db]`` holds one wav per source."""

    root: Path
    folder: Dict[int, Path]

    def files(self, level_db: int) -> List[Path]:
        return sorted(self.folder[level_db].glob("*.wav"))


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: install the Debian package {package} "
                    "(`make system-packages` as root)", pytrace=False)
    return path


def _midi(path: Path, program: int, notes: List[int], beat_s: float) -> None:
    """A one-track MIDI file: the phrase, notes held 80 % (then their release), then 0.5 s of nothing."""
    import mido

    ticks = 480
    tempo = mido.bpm2tempo(120)
    per_note = int(round(beat_s * 2 * ticks))  # 120 bpm: one beat = 0.5 s
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo),
                            mido.Message("program_change", program=program, time=0)])
    wait = 0
    for note in notes:
        if note == 0:
            wait += per_note
            continue
        held = int(per_note * 0.8)
        track.append(mido.Message("note_on", note=note, velocity=90, time=wait))
        track.append(mido.Message("note_off", note=note, velocity=0, time=held))
        wait = per_note - held
    track.append(mido.MetaMessage("end_of_track", time=wait + ticks))
    mid = mido.MidiFile(ticks_per_beat=ticks)
    mid.tracks.append(track)
    mid.save(str(path))


def _render_midi(fluidsynth: str, midi: Path, wav: Path) -> None:
    if not SOUNDFONT.exists():
        pytest.fail(f"{SOUNDFONT} missing: install the Debian package fluidsynth "
                    "(it ships the TimGM6mb soundfont)", pytrace=False)
    subprocess.run([fluidsynth, "-ni", "-q", "-g", "0.5", "-r", str(SR), "-F", str(wav),
                    "-T", "wav", str(SOUNDFONT), str(midi)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _mono(path: Path) -> np.ndarray:
    from demiurge.data.audio import load_audio

    return load_audio(path, sample_rate=SR)


def sources(work: Path) -> Dict[str, np.ndarray]:
    """``{name: float32[T]}`` every source at 44.1 kHz mono, unnormalised."""
    fluidsynth = _need("fluidsynth", "fluidsynth")
    espeak = _need("espeak-ng", "espeak-ng")
    out: Dict[str, np.ndarray] = {}
    for name, (program, notes, beat) in PROGRAMS.items():
        midi, wav = work / f"{name}.mid", work / f"{name}_raw.wav"
        _midi(midi, program, notes, beat)
        _render_midi(fluidsynth, midi, wav)
        out[name] = _mono(wav)
    for name, (voice, text) in SPEECH.items():
        wav = work / f"{name}_raw.wav"
        subprocess.run([espeak, "-v", voice, "-s", "150", "-w", str(wav), text], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # espeak ends on the last phoneme: add the half second of silence a recording has
        out[name] = np.concatenate([_mono(wav), np.zeros(SR // 2, np.float32)])
    for name in PD_FILES:
        path = PD_SOUNDS / name
        if not path.exists():
            pytest.fail(f"{path} missing: install the Debian package puredata-doc",
                        pytrace=False)
        out["pd_" + path.stem] = _mono(path)
    return out


def make_material(root: Path) -> Material:
    """Render every source at every level of :data:`LEVELS_DB` below ``root``."""
    import soundfile as sf

    work = root / "raw"
    work.mkdir(parents=True, exist_ok=True)
    raw = sources(work)
    folders = {}
    for level in LEVELS_DB:
        folder = root / f"peak{level}dB"
        folder.mkdir()
        for name, audio in raw.items():
            peak = float(np.max(np.abs(audio)))
            assert peak > 0, f"{name} rendered silent"
            # just under the level so that 16-bit rounding cannot clip a 0 dBFS peak
            scaled = audio * (10.0 ** (level / 20.0) * (1 - 2 ** -15) / peak)
            sf.write(str(folder / f"{name}.wav"), scaled, SR, subtype="PCM_16")
        folders[level] = folder
    return Material(root, folders)


def peak_db(audio: np.ndarray) -> float:
    return 20.0 * float(np.log10(np.max(np.abs(audio)) + 1e-20))


def rms_db(audio: np.ndarray) -> float:
    return 10.0 * float(np.log10(np.mean(np.square(audio, dtype=np.float64)) + 1e-20))
