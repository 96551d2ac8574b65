"""Every control of ``demiurge-live``, declared once.

Each :class:`Param` (name, type, range, unit, default) and each :class:`Command` (a verb with
typed arguments) is declared here and nowhere else: the OSC routes (``/demiurge/<name>``),
the ``/demiurge/help`` reply, the checks on incoming messages, ``docs/osc.md`` and the Pd and
Max patches are all generated from these two lists.
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
            raise MessageError(f"{value} is out of range [{_num(low)}, {_num(high)}]"
                               f"{' ' + self.unit if self.unit else ''}")
        return bool(value) if self.kind == "bool" else value

    def type_text(self) -> str:
        if self.kind == "text":
            return "symbol"
        if self.kind == "choice":
            return "symbol " + "|".join(self.choices)
        if self.kind == "bool":
            return "bool 0|1"
        return f"{self.kind} {_num(self.minimum)}..{_num(self.maximum)}" + \
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


@dataclass(frozen=True)
class Command:
    """A verb: ``/demiurge/<name> [args]``. ``args`` are ``(name, kind)`` pairs, kind ``"s"``
    (a symbol, e.g. a path); the last ``optional`` of them may be left out."""

    name: str
    doc: str
    args: Tuple[Tuple[str, str], ...] = ()
    optional: int = 0
    reply: str = ""

    @property
    def address(self) -> str:
        return f"{PREFIX}/{self.name}"

    def coerce(self, args: Sequence[Any]) -> Tuple[Any, ...]:
        most, least = len(self.args), len(self.args) - self.optional
        if not least <= len(args) <= most:
            want = str(most) if most == least else f"{least} to {most}"
            raise MessageError(f"expects {want} argument(s) ({self.signature() or 'none'}), "
                               f"got {len(args)}")
        for (name, kind), value in zip(self.args, args):
            if kind == "s" and not isinstance(value, str):
                raise MessageError(f"argument {name} must be a symbol, got "
                                   f"{type(value).__name__} {value!r}")
        return tuple(args)

    def signature(self) -> str:
        parts = [f"<{name}>" for name, _ in self.args]
        for i in range(len(parts) - self.optional, len(parts)):
            parts[i] = f"[{parts[i]}]"
        return " ".join(parts)

    def help_args(self) -> list:
        return [self.address, "command", "", "", "", self.signature(), self.doc]


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

COMMANDS: Tuple[Command, ...] = (
    Command("start", "start the audio stream"),
    Command("stop", "stop the audio stream (the engine keeps its settings)"),
    Command("load/db", "load another descriptor DB (off the audio thread, switched in with a "
            "crossfade)", args=(("path", "s"),)),
    Command("load/predictor", "load another predictor: a run directory or an exported .ts "
            "(off the audio thread, switched in with a crossfade)", args=(("path", "s"),)),
    Command("seed", "seed dream mode with the predictor context taken from the input (no "
            "argument) or from an audio file", args=(("path", "s"),), optional=1),
    Command("record", "write what is played to a wav file, until record/stop",
            args=(("path", "s"),)),
    Command("record/stop", "stop recording and close the wav file",
            reply="/demiurge/record/done <path> <seconds>"),
    Command("status", "ask for the engine's state",
            reply="/demiurge/status <running> <mode> <samplerate> <block> <latency_ms> "
                  "<late_blocks> <cpu_load> <match_file> <match_offset>"),
    Command("help", "list every address",
            reply="/demiurge/help <address> <type> <min> <max> <unit> <default> <doc> "
                  "(one message per address)"),
)

PARAMS_BY_NAME: Dict[str, Param] = {p.name: p for p in PARAMS}
COMMANDS_BY_NAME: Dict[str, Command] = {c.name: c for c in COMMANDS}
STATUS_FIELDS = ("running", "mode", "samplerate", "block", "latency_ms", "late_blocks",
                 "cpu_load", "match_file", "match_offset")


def defaults() -> Dict[str, Any]:
    """``{name: default}`` for every parameter."""
    return {p.name: p.default for p in PARAMS}


def default_xfade_ms(*, sample_rate: int, hop_length: int) -> float:
    """The ``xfade`` a DB starts with: the parameter's default, or one hop where that is
    shorter (5.8 ms with the ``live`` descriptor preset's hop of 256 samples)."""
    return min(float(PARAMS_BY_NAME["xfade"].default), 1000.0 * hop_length / sample_rate)


def help_messages() -> list:
    """``[(address, args)]``: the ``/demiurge/help`` reply, one message per address."""
    return [(f"{PREFIX}/help", item.help_args()) for item in (*PARAMS, *COMMANDS)]


def _num(x: Optional[float]) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def render_markdown() -> str:
    """``docs/osc.md``: the address space, generated from :data:`PARAMS` and :data:`COMMANDS`."""
    lines = [
        "# demiurge-live OSC address space",
        "",
        "<!-- Generated from demiurge/live/params.py by `python -m demiurge.patches`; "
        "do not edit. -->",
        "",
        "`demiurge-live` listens for OSC over UDP on 127.0.0.1 (`--osc-port`, default 9000).",
        "Replies go to the sender's address, or to `--osc-reply-port` when given. Numbers may",
        "be sent as ints or floats (Pd sends floats); whole-number parameters accept floats",
        "that are whole numbers. Setting a parameter echoes `/demiurge/<name> <value>` back.",
        "A bad message (unknown address, wrong type or count, value out of range, missing",
        "file) is answered with `/demiurge/error <address> <problem>` and logged; the engine",
        "keeps playing.",
        "",
        "## Parameters",
        "",
        "| address | type | range | unit | default | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for p in PARAMS:
        if p.kind == "choice":
            rng = " \\| ".join(p.choices)
        elif p.kind == "bool":
            rng = "0, 1"
        elif p.kind == "text":
            rng = "symbol"
        else:
            rng = f"{_num(p.minimum)} … {_num(p.maximum)}"
        default = p.default if p.kind in ("choice", "text") else _num(float(p.default))
        if p.kind == "text":
            default = f"`{default}`" if default else "none"
        lines.append(f"| `{p.address}` | {p.kind} | {rng} | {p.unit} | {default} | {p.doc} |")
    lines += ["", "## Commands", "", "| address | arguments | what it does | reply |",
              "|---|---|---|---|"]
    for c in COMMANDS:
        lines.append(f"| `{c.address}` | {c.signature().replace('|', '/')} | {c.doc} | "
                     f"{'`' + c.reply + '`' if c.reply else ''} |")
    lines += [
        "",
        "## Messages sent to the client",
        "",
        "| address | arguments | when |",
        "|---|---|---|",
        "| `/demiurge/<param>` | value | after a parameter was set |",
        "| `/demiurge/error` | address, problem | a message could not be applied |",
        "| `/demiurge/status` | " + ", ".join(STATUS_FIELDS) + " | reply to `status` |",
        "| `/demiurge/help` | address, type, min, max, unit, default, doc | reply to `help` |",
        "| `/demiurge/match` | file, offset (samples), distance | every frame while `events` is 1 |",
        "| `/demiurge/loaded` | what (db or predictor), path | a load finished and was switched in |",
        "| `/demiurge/record/done` | path, seconds | a recording was closed |",
        "",
    ]
    return "\n".join(lines)
