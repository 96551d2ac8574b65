"""Reading audio files of any format, rate and channel count into mono float32 at a fixed rate.

Every failure is an :class:`~demiurge.errors.AudioFileError` naming the file and what to do,
so batch jobs can skip the file, report one line and go on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

import numpy as np

from demiurge.errors import AudioFileError, DemiurgeError

AUDIO_EXTENSIONS = (".wav", ".flac", ".aiff", ".aif", ".ogg", ".oga", ".opus", ".mp3")
SILENCE_PEAK = 1e-4  # -80 dBFS: a file whose peak is below this is treated as silent.


def scan_audio(root: str | os.PathLike) -> List[Path]:
    """All audio files below ``root`` (recursive, sorted); ``root`` may also be one file."""
    root = Path(root)
    if not root.exists():
        raise DemiurgeError(f"{root}: no such file or folder; give a folder of audio files")
    if root.is_file():
        return [root]
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    return files


def find_audio(root: str | os.PathLike) -> List[Path]:
    """:func:`scan_audio`, but a folder without any audio file is a :class:`DemiurgeError`."""
    files = scan_audio(root)
    if not files:
        raise DemiurgeError(
            f"{root}: no audio files found (looked for {', '.join(AUDIO_EXTENSIONS)}); "
            "point to a folder with recordings")
    return files


def load_audio(path: str | os.PathLike, *, sample_rate: int, min_samples: int = 1,
               allow_silent: bool = False) -> np.ndarray:
    """Read ``path`` as mono float32 at ``sample_rate``: ``ndarray[T]``.

    Channels are averaged; other rates are resampled (soxr, high quality). Raises
    :class:`AudioFileError` if the file is unreadable, empty, shorter than ``min_samples``
    after resampling, or silent (peak below -80 dBFS) unless ``allow_silent``.
    """
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise AudioFileError(path, "no such file; check the path")
    if path.is_file() and path.stat().st_size == 0:
        raise AudioFileError(path, "empty file (0 bytes); remove it or export it again")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types; the message is what matters
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AudioFileError(path, f"unreadable audio ({reason}); convert it to wav or flac") from None
    if data.size == 0:
        raise AudioFileError(path, "empty audio file (no samples); remove it or re-export it")
    audio = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if not np.all(np.isfinite(audio)):
        raise AudioFileError(path, "audio contains NaN or infinite samples; re-export it")
    if rate != sample_rate:
        import librosa

        audio = librosa.resample(audio, orig_sr=rate, target_sr=sample_rate, res_type="soxr_hq")
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    if audio.shape[0] < min_samples:
        raise AudioFileError(
            path, f"too short ({audio.shape[0] / sample_rate:.3f} s; at least "
                  f"{min_samples / sample_rate:.3f} s needed); use longer recordings")
    if not allow_silent and float(np.max(np.abs(audio))) < SILENCE_PEAK:
        raise AudioFileError(path, "silent (peak below -80 dBFS); remove it or check the recording")
    return audio


def write_audio(path: str | os.PathLike, audio: np.ndarray, *, sample_rate: int) -> Path:
    """Write ``ndarray[T]`` (or ``ndarray[T x C]``) as a 32-bit float wav, atomically."""
    import soundfile as sf

    from demiurge.fileio import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), np.asarray(audio, dtype=np.float32), sample_rate, format="WAV",
                 subtype="FLOAT")
    return path


@dataclass
class SkipReport:
    """Files a batch job skipped, one reason each."""

    skipped: List[Tuple[str, str]] = field(default_factory=list)

    def add(self, error: AudioFileError) -> None:
        self.skipped.append((error.path, error.reason))

    def summary(self, *, used: int) -> str:
        return f"{used} file(s) used, {len(self.skipped)} skipped"


def iter_corpus(root: str | os.PathLike, *, sample_rate: int, min_samples: int = 1,
                report: Optional[SkipReport] = None,
                log: Callable[[str], None] = print) -> Iterator[Tuple[Path, np.ndarray]]:
    """Yield ``(path, audio)`` for every usable file below ``root``; log one line per skip.

    Raises :class:`DemiurgeError` if ``root`` holds no audio files at all.
    """
    files = find_audio(root)
    report = report if report is not None else SkipReport()
    for path in files:
        try:
            audio = load_audio(path, sample_rate=sample_rate, min_samples=min_samples)
        except AudioFileError as err:
            report.add(err)
            log(f"skipped {err}")
            continue
        yield path, audio
