"""The engine's controls, declared once: name, type, range, unit, default and meaning.

Every :class:`Param` is declared here and nowhere else. ``demiurge-live`` turns them into OSC
routes (``/demiurge/<name>``), its ``/demiurge/help`` reply, ``docs/osc.md`` and the remote
patches (:mod:`demiurge.live.params`); the nn~ sequencer export
(:mod:`demiurge.plugin.sequencer`) turns them into typed, range-checked attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from demiurge.sequencer.query_settings import QUERY_HELP, QuerySettings

PREFIX = "/demiurge"
QUERY = QuerySettings()
MODES = ("mosaic", "follow", "dream")


class MessageError(ValueError):
    """An OSC message that cannot be applied; ``str(error)`` is the problem, in words."""


@dataclass(frozen=True)
class Param:
    """One engine parameter: ``/demiurge/<name> <value>`` sets it (and is echoed back).

    ``kind`` is ``"float"``, ``"int"``, ``"bool"``, ``"choice"`` (one of ``choices``) or
    ``"text"`` (a symbol, checked by the engine).
    Numbers must lie in ``[minimum, maximum]``; out-of-range values are refused, not clamped.
    """

    name: str
    kind: str
    default: Any
    doc: str
    unit: str = ""
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    choices: Tuple[str, ...] = ()
    examples: Tuple[str, ...] = ()  # values of a text parameter offered by the patches

    @property
    def address(self) -> str:
        return f"{PREFIX}/{self.name}"

    def coerce(self, args: Sequence[Any]) -> Any:
        """The value carried by an OSC message's ``args``; raises :class:`MessageError`.

        Pd sends every number as a float, so an int or bool parameter accepts a float that
        is a whole number.
        """
        if len(args) != 1:
            raise MessageError(f"expects 1 argument ({self.type_text()}), got {len(args)}")
        value = args[0]
        if self.kind == "text":
            if not isinstance(value, str):
                raise MessageError(f"expects a symbol, got {type(value).__name__} {value!r}")
            return value
        if self.kind == "choice":
            if not isinstance(value, str):
                raise MessageError(f"expects a symbol ({'|'.join(self.choices)}), "
                                   f"got {type(value).__name__} {value!r}")
            if value not in self.choices:
                raise MessageError(f"{value!r} is not one of {', '.join(self.choices)}")
            return value
        if isinstance(value, bool) and self.kind == "bool":
            return value
        if not isinstance(value, (int, float)) or isinstance(value, bool) or \
                not math.isfinite(float(value)):
            raise MessageError(f"expects a number ({self.type_text()}), "
                               f"got {type(value).__name__} {value!r}")
        if self.kind in ("int", "bool"):
            if float(value) != int(value):
                raise MessageError(f"expects a whole number ({self.type_text()}), got {value}")
            value = int(value)
        else:
            value = float(value)
        low, high = (0, 1) if self.kind == "bool" else (self.minimum, self.maximum)
        if low is not None and value < low or high is not None and value > high:
            raise MessageError(f"{value} is out of range [{format_number(low)}, {format_number(high)}]"
                               f"{' ' + self.unit if self.unit else ''}")
        return bool(value) if self.kind == "bool" else value

    def type_text(self) -> str:
        if self.kind == "text":
            return "symbol"
        if self.kind == "choice":
            return "symbol " + "|".join(self.choices)
        if self.kind == "bool":
            return "bool 0|1"
        return f"{self.kind} {format_number(self.minimum)}..{format_number(self.maximum)}" + \
            (f" {self.unit}" if self.unit else "")

    def help_args(self) -> list:
        """The ``/demiurge/help`` reply for this parameter (see :func:`help_messages`)."""
        low = "" if self.minimum is None else float(self.minimum)
        high = "" if self.maximum is None else float(self.maximum)
        if self.kind in ("choice", "text"):
            low, high = "", ""
        default = self.default if self.kind in ("choice", "text") else float(self.default)
        return [self.address, self.kind if self.kind != "choice" else "|".join(self.choices),
                low, high, self.unit, default, self.doc]


PARAMS: Tuple[Param, ...] = (
    Param("mode", "choice", "mosaic", choices=MODES,
          doc="mosaic: answer the input's own descriptors; follow: play the predictor's "
              "forecast of the input; dream: the predictor runs free on its own output"),
    Param("drywet", "float", 1.0, minimum=0.0, maximum=1.0,
          doc="mix of the input (0) and Demiurge's answer (1)"),
    Param("gain", "float", 0.0, unit="dB", minimum=-60.0, maximum=12.0,
          doc="output gain, applied with a ramp over one block"),
    Param("horizon", "int", 1, unit="frames", minimum=1, maximum=64,
          doc="follow mode: how many frames ahead of the input the played forecast lies "
              "(each frame takes one hop off the latency)"),
    # The frame choice: the names, defaults and meanings of `demiurge render`'s options.
    Param("k", "int", QUERY.k, minimum=1, maximum=64, doc=QUERY_HELP["k"]),
    Param("avoid_repeats", "int", QUERY.avoid_repeats, unit="frames", minimum=0, maximum=256,
          doc=QUERY_HELP["avoid_repeats"]),
    Param("continuity", "float", QUERY.continuity, minimum=0.0, maximum=1.0,
          doc=QUERY_HELP["continuity"]),
    Param("weights", "text", QUERY.weights, examples=("mfcc0=0", "none"),
          doc=QUERY_HELP["weights"] + "; e.g. mfcc0=0 ignores the loudness, none resets"),
    Param("temperature", "float", 0.0, minimum=0.0, maximum=4.0,
          doc="noise added to forecasts (follow, dream), in standard deviations of the "
              "predictor's training descriptors"),
    Param("xfade", "float", 10.0, unit="ms", minimum=0.0, maximum=100.0,
          doc="crossfade between consecutive matched segments (equal power)"),
    Param("events", "bool", False,
          doc="send /demiurge/match <file> <offset> <distance> to the client for every frame"),
)

PARAMS_BY_NAME: Dict[str, Param] = {p.name: p for p in PARAMS}


def defaults() -> Dict[str, Any]:
    """``{name: default}`` for every parameter."""
    return {p.name: p.default for p in PARAMS}


def default_xfade_ms(*, sample_rate: int, hop_length: int) -> float:
    """The ``xfade`` a DB starts with: the parameter's default, or one hop where that is
    shorter (5.8 ms with the ``live`` descriptor preset's hop of 256 samples)."""
    return min(float(PARAMS_BY_NAME["xfade"].default), 1000.0 * hop_length / sample_rate)


def format_number(x: Optional[float]) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
