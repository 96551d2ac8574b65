"""Feature settings. Each config is stored with every artifact made from it (descriptor DB,
training run, exported model), so features can always be recomputed identically."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from demiurge.errors import DemiurgeError


def _help(text: str, **extra: Any) -> dict:
    """Field metadata read by :mod:`demiurge.config_flags` (help text, choices)."""
    return dict(extra, help=text)


class StaleFloorError(DemiurgeError):
    """Stored MFCC settings from before the amin-only floor; the caller says what to redo."""


class _Config:
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise DemiurgeError(
                f"unknown {cls.__name__} setting(s) {', '.join(unknown)}; "
                f"known settings are {', '.join(sorted(names))}"
            )
        return cls(**dict(data))

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class MFCCConfig(_Config):
    """MFCC descriptors as in the original Demiurge sequencer (librosa conventions).

    13 MFCC + delta + delta-delta (width 9) = 39 features per frame, hop 1024 at 44.1 kHz.
    Frames are centred (frame t is centred on sample ``t * hop_length``) with zero padding,
    like ``librosa.stft(center=True)``. The deltas of frame t are taken over the
    ``delta_width`` frames centred on t (librosa's; they look ``delta_width // 2`` frames
    ahead) or, with ``delta_causal``, over the ``delta_width`` frames that end at t (the same
    slopes, ``delta_width // 2`` frames later: no look-ahead). See :data:`MFCC_PRESETS`.

    The log-mel power has one floor, ``amin`` (librosa's default, 1e-10 = -100 dB): MFCC are
    ``dct(10 log10(max(mel, amin)))``, which is ``librosa.feature.mfcc`` on
    ``librosa.power_to_db(mel, top_db=None)``. There is no ``top_db`` floor: librosa measures
    it from each file's own maximum, which a stream cannot know in advance and which would
    make a frame's descriptors depend on the loudest moment of the whole file. With amin
    only, a frame depends on its own samples alone (streaming equals offline exactly), and a
    gain of ``g`` dB adds exactly ``g * sqrt(n_mels)`` to ``mfcc0`` and changes nothing else
    (wherever no mel band lies under ``amin``). See ``docs/sequencer.md``.
    """

    sample_rate: int = field(default=44100, metadata=_help(
        "analysis rate in Hz; files at other rates are resampled"))
    n_fft: int = field(default=2048, metadata=_help(
        "FFT size in samples (n_fft/2 must be a multiple of the hop)"))
    hop_length: int = field(default=1024, metadata=_help("samples between frames: one descriptor per hop"))
    n_mels: int = field(default=128, metadata=_help("mel bands"))
    n_mfcc: int = field(default=13, metadata=_help(
        "MFCC coefficients (features = n_mfcc x (1 + delta orders))"))
    fmin: float = field(default=0.0, metadata=_help("lowest mel frequency in Hz"))
    fmax: Optional[float] = field(default=None, metadata=_help(
        "highest mel frequency in Hz ('none' = sample_rate / 2)"))
    amin: float = field(default=1e-10, metadata=_help(
        "floor of the mel power before the log (librosa's amin; 1e-10 = -100 dB)"))
    delta_width: int = field(default=9, metadata=_help("frames in the delta window (odd, >= 3)"))
    delta_orders: int = field(default=2, metadata=_help("delta orders appended to the MFCC (0, 1 or 2)"))
    delta_causal: bool = field(default=False, metadata=_help(
        "deltas over the delta_width frames that end at each frame (no look-ahead, the live "
        "preset's) instead of the frames centred on it"))

    def __post_init__(self):
        if self.n_fft % 2 or (self.n_fft // 2) % self.hop_length:
            raise DemiurgeError(
                f"MFCC n_fft ({self.n_fft}) must be even and n_fft/2 a multiple of hop_length "
                f"({self.hop_length}) so frames can be computed as audio streams in"
            )
        if self.delta_width < 3 or self.delta_width % 2 == 0:
            raise DemiurgeError(f"delta_width must be odd and >= 3, not {self.delta_width}")
        if self.delta_orders not in (0, 1, 2):
            raise DemiurgeError(f"delta_orders must be 0, 1 or 2, not {self.delta_orders}")
        if not self.amin > 0:
            raise DemiurgeError(f"amin must be > 0, not {self.amin}")
        if self.n_mfcc > self.n_mels:
            raise DemiurgeError(f"n_mfcc ({self.n_mfcc}) cannot exceed n_mels ({self.n_mels})")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]):
        """As stored with a DB, run or export; settings of the old fixed-reference floor
        (``top_db``, before the floor became amin only) are refused with what to do."""
        if "top_db" in data:
            raise StaleFloorError(
                f"was described with the old fixed dB floor (top_db={data['top_db']}), "
                "whose MFCC differ from librosa's on quiet recordings")
        return super().from_dict(data)

    @property
    def n_features(self) -> int:
        return self.n_mfcc * (1 + self.delta_orders)

    @property
    def feature_names(self) -> list:
        """Names in the original JSON layout: ``mfcc0`` ... ``mfcc38``."""
        return [f"mfcc{i}" for i in range(self.n_features)]


# Named descriptor settings for ``demiurge describe --preset``. ``live`` is the low-latency one:
# a 23 ms window every 5.8 ms with causal deltas, so the live engine answers a sound 11.6 ms
# after it (``default``: 46 ms every 23 ms with centred deltas, 132.7 ms); see docs/live.md.
MFCC_PRESETS = {
    "default": MFCCConfig(),
    "live": MFCCConfig(n_fft=1024, hop_length=256, delta_causal=True),
}


def mfcc_preset(name: str) -> MFCCConfig:
    """The :data:`MFCC_PRESETS` entry ``name``; raises :class:`DemiurgeError` naming the known
    ones."""
    if name not in MFCC_PRESETS:
        raise DemiurgeError(f"unknown descriptor preset {name!r}; the presets are "
                            + ", ".join(f"{n} ({preset_text(c)})" for n, c in MFCC_PRESETS.items()))
    return MFCC_PRESETS[name]


def preset_name(config: MFCCConfig) -> str:
    """The name of the preset ``config`` equals, or ``"custom"``."""
    return next((n for n, c in MFCC_PRESETS.items() if c == config), "custom")


def preset_text(config: MFCCConfig) -> str:
    """``"n_fft 1024, hop 256, causal deltas"``: what sets a preset apart, in words."""
    deltas = "causal" if config.delta_causal else "centred"
    return f"n_fft {config.n_fft}, hop {config.hop_length}, {deltas} deltas"


@dataclass(frozen=True)
class MelConfig(_Config):
    """The one log-mel spectrogram shared by the vocoders and UNAGAN.

    Defaults follow the original UNAGAN/MelGAN mel: 44.1 kHz, n_fft 1024, hop 256, 80 Slaney
    mels from 0 Hz to Nyquist, magnitude, ``log10(max(mel, 1e-5))``.

    ``padding`` is ``"causal"`` (frame t covers the n_fft samples that end at
    ``(t + 1) * hop_length``: streams with no look-ahead; the real-time default) or
    ``"center"`` (the original's reflect padding of ``(n_fft - hop) / 2`` on both sides;
    offline only). Either way a signal of T samples gives ``T // hop_length`` frames.
    """

    sample_rate: int = field(default=44100, metadata=_help("sample rate in Hz; recordings are resampled"))
    n_fft: int = field(default=1024, metadata=_help("FFT size in samples"))
    hop_length: int = field(default=256, metadata=_help(
        "samples per mel frame (the vocoder's upsampling product)"))
    n_mels: int = field(default=80, metadata=_help("mel bands"))
    fmin: float = field(default=0.0, metadata=_help("lowest mel frequency in Hz"))
    fmax: Optional[float] = field(default=None, metadata=_help(
        "highest mel frequency in Hz ('none' = sample_rate / 2)"))
    log_floor: float = field(default=1e-5, metadata=_help("magnitude floor before log10"))
    padding: str = field(default="causal", metadata=_help(
        "mel framing: causal (streams) or the original's centred frames", choices=("causal", "center")))

    def __post_init__(self):
        if self.padding not in ("causal", "center"):
            raise DemiurgeError(f"mel padding must be 'causal' or 'center', not {self.padding!r}")
        if self.n_fft < self.hop_length or (self.n_fft - self.hop_length) % 2:
            raise DemiurgeError(
                f"mel n_fft ({self.n_fft}) must be >= hop_length ({self.hop_length}) "
                "with an even difference"
            )

    def check_compatible(self, other: "MelConfig", *, what: str, other_what: str) -> None:
        """Raise a clear error unless two runs computed the very same mel."""
        mine, theirs = self.to_dict(), other.to_dict()
        diff = [f"{k}: {mine[k]} vs {theirs[k]}" for k in mine if mine[k] != theirs.get(k)]
        if diff:
            raise DemiurgeError(
                f"{what} and {other_what} use different mel settings ({'; '.join(diff)}); "
                "train them with the same mel configuration to combine them"
            )
