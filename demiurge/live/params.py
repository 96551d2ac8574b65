"""Every control of ``demiurge-live``, declared once.

Each :class:`Param` (name, type, range, unit, default; declared in
:mod:`demiurge.sequencer.controls`, shared with the nn~ sequencer export) and each
:class:`Command` (a verb with typed arguments, declared here) is declared once: the OSC routes
(``/demiurge/<name>``), the ``/demiurge/help`` reply, the checks on incoming messages,
``docs/osc.md`` and the Pd and Max patches are all generated from these two lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Sequence, Tuple

from demiurge.sequencer.controls import (MODES, PARAMS, PARAMS_BY_NAME, PREFIX, MessageError,  # noqa: F401
                                         Param, default_xfade_ms, defaults, format_number)


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

COMMANDS_BY_NAME: Dict[str, Command] = {c.name: c for c in COMMANDS}
STATUS_FIELDS = ("running", "mode", "samplerate", "block", "latency_ms", "late_blocks",
                 "cpu_load", "match_file", "match_offset")


def help_messages() -> list:
    """``[(address, args)]``: the ``/demiurge/help`` reply, one message per address."""
    return [(f"{PREFIX}/help", item.help_args()) for item in (*PARAMS, *COMMANDS)]


def render_markdown() -> str:
    """``docs/osc.md``: the address space, generated from :data:`PARAMS` and :data:`COMMANDS`."""
    lines = [
        "# demiurge-live OSC address space",
        "",
        "<!-- Generated from demiurge/sequencer/controls.py and demiurge/live/params.py by "
        "`python -m demiurge.patches`; do not edit. -->",
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
            rng = f"{format_number(p.minimum)} … {format_number(p.maximum)}"
        default = p.default if p.kind in ("choice", "text") else format_number(float(p.default))
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
