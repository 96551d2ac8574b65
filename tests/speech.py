"""Real speech for the tests, rendered at test time by espeak-ng (a Debian package, installed by
``make system-packages``): sentences with pauses and releases, at an ordinary level."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

SENTENCES = (
    "The quick brown fox jumps over the lazy dog, and then it rests.",
    "Seven slow swans sailed south; nobody saw them land.",
    "A bell rang twice at noon. Then the square was quiet again.",
)


def speech(text: str, *, voice: str = "en-us", peak_db: float = -18.0) -> tuple:
    """``(float32[T], sample_rate)``: ``text`` spoken by espeak-ng, scaled to ``peak_db`` dBFS.

    Skips the calling test when espeak-ng is not installed.
    """
    import soundfile as sf

    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (make system-packages installs it)")
    out = subprocess.run([exe, "-v", voice, "--stdout", text], check=True, capture_output=True).stdout
    audio, rate = sf.read(io.BytesIO(out), dtype="float32")
    audio = audio * (10 ** (peak_db / 20) / float(np.max(np.abs(audio))))
    return audio.astype(np.float32), rate


def write_speech(folder: Path, n: int = 3, *, peak_db: float = -18.0) -> Path:
    """``n`` spoken sentences as ``folder/speech_<i>.wav`` (16-bit, espeak's rate); returns folder."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        audio, rate = speech(SENTENCES[i % len(SENTENCES)], peak_db=peak_db - 3 * i)
        sf.write(str(folder / f"speech_{i}.wav"), audio, rate, subtype="PCM_16")
    return folder
