"""Where a forecast starts: the last sounding frames of an input.

Recordings end in a release and then silence, so the last frames of a file say little about
its music. A frame *sounds* when its level lies less than ``silence_db`` (default
:data:`SILENCE_DB`, 50 dB) below the loudest frame of its file and above the MFCC floor. The
level of a frame is its mean log-mel power in dB, ``mfcc0 / sqrt(n_mels)`` (row 0 of the
orthonormal DCT is ``1 / sqrt(n_mels)``), so it can be read from descriptors alone, whether
they come from audio or from a DB. Leading and trailing silence is trimmed by that rule, and
the context of a forecast is the ``window`` frames that end with the last sounding frame, or
with the frame at ``context_end`` seconds when one is asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from demiurge.dsp.config import MFCCConfig
from demiurge.errors import DemiurgeError

SILENCE_DB = 30.0


def frame_level_db(features: np.ndarray, config: MFCCConfig) -> np.ndarray:
    """``float32[n x F]`` descriptors -> ``float64[n]`` mean log-mel power of each frame (dB)."""
    return np.asarray(features[:, 0], np.float64) / math.sqrt(config.n_mels)


def sounding_span(features: np.ndarray, config: MFCCConfig, *,
                  silence_db: float = SILENCE_DB) -> Optional[Tuple[int, int]]:
    """``(first, last)`` sounding frame of ``float32[n x F]`` descriptors (inclusive), or
    None when no frame sounds (all at the MFCC floor)."""
    level = frame_level_db(features, config)
    floor_db = 10.0 * math.log10(config.amin)
    where = np.flatnonzero((level > level.max() - silence_db) & (level > floor_db + 1.0))
    return (int(where[0]), int(where[-1])) if where.size else None


def trim_silence(features: np.ndarray, config: MFCCConfig) -> np.ndarray:
    """``float32[n x F]`` without leading and trailing silence (unchanged if nothing sounds)."""
    span = sounding_span(features, config)
    return features if span is None else features[span[0]: span[1] + 1]


@dataclass(frozen=True)
class Context:
    """Where the context of one input lies, in frames of its descriptor sequence.

    ``first_sounding`` .. ``last_sounding`` (inclusive) is the input without its leading and
    trailing silence; the context is frames ``[end - window + 1, end]``.
    """

    first_sounding: int
    last_sounding: int
    end: int
    window: int

    @property
    def start(self) -> int:
        return self.end - self.window + 1

    def describe(self, config: MFCCConfig) -> str:
        s = config.hop_length / config.sample_rate
        return (f"sounds {self.first_sounding * s:.2f}-{self.last_sounding * s:.2f} s, "
                f"context {self.start * s:.2f}-{self.end * s:.2f} s")

    def to_dict(self) -> dict:
        return {"first_sounding": self.first_sounding, "last_sounding": self.last_sounding,
                "context_start": self.start, "context_end": self.end}


def check_context_end(seconds: Optional[float]) -> None:
    """Raise a clear error for a ``--context-end`` that no input could use."""
    if seconds is not None and not (math.isfinite(seconds) and seconds >= 0):
        raise DemiurgeError(f"--context-end must be a time in seconds >= 0 from the start of "
                            f"each input, not {seconds}")


def find_context(features: np.ndarray, config: MFCCConfig, *, window: int,
                 context_end: Optional[float] = None,
                 silence_db: float = SILENCE_DB) -> Context:
    """The context of one input ``float32[n x F]``; raises :class:`DemiurgeError` (the reason
    to skip it) if the input has no usable context."""
    check_context_end(context_end)
    span = sounding_span(features, config, silence_db=silence_db)
    if span is None:
        raise DemiurgeError("it is silent (every frame at the MFCC floor)")
    first, last = span
    if context_end is None:
        end = last
        if last - first + 1 < window:
            raise DemiurgeError(f"only {last - first + 1} sounding frames (silence: "
                                f"{silence_db:g} dB below its loudest frame), fewer than the "
                                f"predictor's window of {window}; use a longer input")
    else:
        end = int(round(context_end * config.sample_rate / config.hop_length))
        seconds = (features.shape[0] - 1) * config.hop_length / config.sample_rate
        if end >= features.shape[0]:
            raise DemiurgeError(f"--context-end {context_end:g} s lies after its end "
                                f"({seconds:.2f} s)")
        if end + 1 < window:
            least = (window - 1) * config.hop_length / config.sample_rate
            raise DemiurgeError(f"--context-end {context_end:g} s leaves fewer frames than the "
                                f"predictor's window of {window} before it; use at least "
                                f"{least:.2f} s")
    return Context(first_sounding=first, last_sounding=last, end=end, window=window)
