"""Files generated from the parameter registry (:mod:`demiurge.live.params`):

* ``docs/osc.md`` — the OSC address space,
* ``patches/demiurge-live.pd`` — a Pd vanilla patch (``[oscformat]``, ``[netsend -u -b]``,
  ``[netreceive -u -b]``, ``[oscparse]``) driving every parameter and command and showing
  ``status`` and errors,
* ``patches/demiurge-live.maxpat`` — the same for Max (``udpsend`` / ``udpreceive``).

Regenerate after changing the registry (a test checks the committed files are current)::

    python -m demiurge.live.generate [REPO_ROOT]

The patches talk to ``demiurge-live --osc-port 9000 --osc-reply-port 9001``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from demiurge.live.params import COMMANDS, PARAMS, STATUS_FIELDS, render_markdown

OSC_PORT = 9000
REPLY_PORT = 9001
EXAMPLE_PATHS = {"load/db": "/path/to/db", "load/predictor": "/path/to/run",
                 "seed": "/path/to/seed.wav", "record": "/tmp/demiurge-take.wav"}
STATUS_TYPES = {"running": "f", "mode": "s", "samplerate": "f", "block": "f", "latency_ms": "f",
                "late_blocks": "f", "cpu_load": "f", "match_file": "s", "match_offset": "f"}


class _PdPatch:
    """A Pd patch under construction: objects are numbered in creation order."""

    def __init__(self):
        self.lines = ["#N canvas 40 40 1180 900 10;"]
        self.count = 0
        self.links: List[Tuple[int, int, int, int]] = []

    def add(self, kind: str, x: int, y: int, text: str) -> int:
        self.lines.append(f"#X {kind} {x} {y} {text};")
        self.count += 1
        return self.count - 1

    def connect(self, src: int, outlet: int, dst: int, inlet: int = 0) -> None:
        self.links.append((src, outlet, dst, inlet))

    def render(self) -> str:
        body = self.lines + [f"#X connect {a} {b} {c} {d};" for a, b, c, d in self.links]
        return "\n".join(body) + "\n"


def _pd_escape(text: str) -> str:
    return text.replace(";", " \\;").replace(",", " \\,").replace("$", "\\$")


def render_pd() -> str:
    """``patches/demiurge-live.pd``."""
    pd = _PdPatch()
    pd.add("text", 20, 10, _pd_escape(
        f"demiurge-live remote: run demiurge-live --osc-port {OSC_PORT} --osc-reply-port "
        f"{REPLY_PORT} - generated from demiurge/live/params.py by python -m "
        "demiurge.live.generate"))
    load = pd.add("obj", 20, 40, "loadbang")
    connect = pd.add("msg", 20, 65, f"connect localhost {OSC_PORT}")
    pd.connect(load, 0, connect)
    trim = pd.add("obj", 620, 800, "list trim")
    prepend = pd.add("obj", 620, 775, "list prepend send")
    send = pd.add("obj", 620, 825, "netsend -u -b")
    pd.connect(connect, 0, send)
    pd.connect(prepend, 0, trim)
    pd.connect(trim, 0, send)

    y = 100
    pd.add("text", 20, y, "parameters")
    y += 25
    for p in PARAMS:
        fmt = pd.add("obj", 330, y, f"oscformat demiurge {p.name}")
        pd.connect(fmt, 0, prepend)
        if p.kind in ("choice", "text"):
            x = 20
            for choice in p.choices or p.examples:
                m = pd.add("msg", x, y, f"list {choice}")
                pd.connect(m, 0, fmt)
                x += 70
            pd.add("text", 500, y, _pd_escape(f"{p.name}: {p.doc}"[:90]))
        else:
            low, high = (0, 1) if p.kind == "bool" else (p.minimum, p.maximum)
            atom = pd.add("floatatom", 20, y, f"8 {low:g} {high:g} 1 {p.name} - - 0")
            pd.connect(atom, 0, fmt)
            unit = f" ({p.unit})" if p.unit else ""
            pd.add("text", 500, y, _pd_escape(
                f"{low:g}..{high:g}{unit}, default {float(p.default):g}: {p.doc}"[:90]))
        y += 28

    y += 10
    pd.add("text", 20, y, "commands")
    y += 25
    for c in COMMANDS:
        fmt = pd.add("obj", 330, y, "oscformat demiurge " + c.name.replace("/", " "))
        pd.connect(fmt, 0, prepend)
        if c.args:
            m = pd.add("msg", 20, y, f"list {EXAMPLE_PATHS[c.name]}")
            pd.connect(m, 0, fmt)
            if c.name.startswith("load/") or c.name == "seed":
                panel = pd.add("obj", 190, y, "openpanel")
                b = pd.add("msg", 150, y, "bang")
                pd.connect(b, 0, panel)
                pd.connect(panel, 0, fmt)
            if c.optional:
                m0 = pd.add("msg", 250, y, "bang")
                pd.connect(m0, 0, fmt)
        else:
            m = pd.add("msg", 20, y, "bang")
            pd.connect(m, 0, fmt)
        pd.add("text", 500, y, _pd_escape(f"{c.name} {c.signature()}: {c.doc}"[:90]))
        y += 28

    # Status polling and display.
    y += 10
    pd.add("text", 20, y, "status (polled every 500 ms) and replies")
    y += 25
    poll = pd.add("obj", 20, y, "metro 500")
    pd.connect(load, 0, poll)
    status_fmt = pd.add("obj", 110, y, "oscformat demiurge status")
    pd.connect(poll, 0, status_fmt)
    pd.connect(status_fmt, 0, prepend)
    y += 30
    recv = pd.add("obj", 20, y, f"netreceive -u -b {REPLY_PORT}")
    parse = pd.add("obj", 20, y + 25, "oscparse")
    rtrim = pd.add("obj", 20, y + 50, "list trim")
    route1 = pd.add("obj", 20, y + 75, "route demiurge")
    route2 = pd.add("obj", 20, y + 100, "route status error")
    pd.connect(recv, 0, parse)
    pd.connect(parse, 0, rtrim)
    pd.connect(rtrim, 0, route1)
    pd.connect(route1, 0, route2)
    types = " ".join(STATUS_TYPES[f] for f in STATUS_FIELDS)
    unpack = pd.add("obj", 20, y + 130, f"unpack {types}")
    pd.connect(route2, 0, unpack)
    for i, name in enumerate(STATUS_FIELDS):
        kind = "symbolatom" if STATUS_TYPES[name] == "s" else "floatatom"
        width = 30 if name == "match_file" else 8
        atom = pd.add(kind, 20 + (i % 3) * 330, y + 160 + (i // 3) * 28,
                      f"{width} 0 0 1 {name} - - 0")
        pd.connect(unpack, i, atom)
    err_set = pd.add("obj", 500, y + 130, "list prepend set")
    err_trim = pd.add("obj", 500, y + 155, "list trim")
    err_box = pd.add("msg", 650, y + 155, "no errors")
    err_print = pd.add("obj", 650, y + 130, "print demiurge-error")
    pd.connect(route2, 1, err_set)
    pd.connect(route2, 1, err_print)
    pd.connect(err_set, 0, err_trim)
    pd.connect(err_trim, 0, err_box)
    return pd.render()


class _MaxPatch:
    def __init__(self):
        self.boxes: List[Dict] = []
        self.lines: List[Dict] = []

    def add(self, maxclass: str, x: int, y: int, text: str = "", *, inlets: int = 1,
            outlets: int = 1, width: int = 150, **extra) -> str:
        box_id = f"obj-{len(self.boxes) + 1}"
        box = {"id": box_id, "maxclass": maxclass, "numinlets": inlets, "numoutlets": outlets,
               "patching_rect": [x, y, width, 22]}
        if text:
            box["text"] = text
        if outlets:
            box["outlettype"] = [""] * outlets
        box.update(extra)
        self.boxes.append({"box": box})
        return box_id

    def connect(self, src: str, outlet: int, dst: str, inlet: int = 0) -> None:
        self.lines.append({"patchline": {"source": [src, outlet], "destination": [dst, inlet]}})

    def render(self) -> str:
        patcher = {"patcher": {
            "fileversion": 1,
            "appversion": {"major": 8, "minor": 5, "revision": 0, "architecture": "x64",
                           "modernui": 1},
            "classnamespace": "box", "rect": [40, 40, 1100, 900], "default_fontsize": 12.0,
            "boxes": self.boxes, "lines": self.lines}}
        return json.dumps(patcher, indent=2) + "\n"


def render_max() -> str:
    """``patches/demiurge-live.maxpat``."""
    mx = _MaxPatch()
    mx.add("comment", 20, 10, f"demiurge-live remote: run demiurge-live --osc-port {OSC_PORT} "
           f"--osc-reply-port {REPLY_PORT} (generated by python -m demiurge.live.generate)",
           inlets=1, outlets=0, width=900)
    send = mx.add("newobj", 620, 820, f"udpsend 127.0.0.1 {OSC_PORT}", outlets=0)
    y = 50
    for p in PARAMS:
        pre = mx.add("newobj", 330, y, f"prepend {p.address}")
        mx.connect(pre, 0, send)
        if p.kind in ("choice", "text"):
            x = 20
            for choice in p.choices or p.examples:
                m = mx.add("message", x, y, choice, inlets=2, width=60)
                mx.connect(m, 0, pre)
                x += 70
        else:
            low, high = (0, 1) if p.kind == "bool" else (p.minimum, p.maximum)
            cls = "flonum" if p.kind == "float" else "number"
            num = mx.add(cls, 20, y, inlets=1, outlets=2, width=70, minimum=low, maximum=high,
                         parameter_enable=0)
            mx.connect(num, 0, pre)
        unit = f" ({p.unit})" if p.unit else ""
        mx.add("comment", 500, y, f"{p.name}{unit}: {p.doc}", outlets=0, width=560)
        y += 30
    y += 10
    for c in COMMANDS:
        if c.args:
            text = f"{c.address} {EXAMPLE_PATHS[c.name]}"
        else:
            text = c.address
        m = mx.add("message", 20, y, text, inlets=2, width=300)
        mx.connect(m, 0, send)
        mx.add("comment", 500, y, f"{c.name} {c.signature()}: {c.doc}", outlets=0, width=560)
        y += 30
    y += 10
    toggle = mx.add("toggle", 20, y, outlets=1, width=22)
    metro = mx.add("newobj", 60, y, "metro 500", inlets=2)
    poll = mx.add("message", 160, y, "/demiurge/status", inlets=2)
    mx.connect(toggle, 0, metro)
    mx.connect(metro, 0, poll)
    mx.connect(poll, 0, send)
    mx.add("comment", 330, y, "poll status every 500 ms", outlets=0)
    y += 40
    recv = mx.add("newobj", 20, y, f"udpreceive {REPLY_PORT}", inlets=1)
    route = mx.add("newobj", 20, y + 30, "route /demiurge/status /demiurge/error", outlets=3,
                   width=300)
    mx.connect(recv, 0, route)
    types = " ".join("s" if STATUS_TYPES[f] == "s" else ("f" if f in ("latency_ms", "cpu_load")
                                                           else "i") for f in STATUS_FIELDS)
    unpack = mx.add("newobj", 20, y + 60, f"unpack {types}", outlets=len(STATUS_FIELDS),
                    width=400)
    mx.connect(route, 0, unpack)
    for i, name in enumerate(STATUS_FIELDS):
        x, yy = 20 + (i % 3) * 330, y + 100 + (i // 3) * 60
        mx.add("comment", x, yy, name, outlets=0, width=120)
        if STATUS_TYPES[name] == "s":
            pre = mx.add("newobj", x + 120, yy, "prepend set", width=80)
            shown = mx.add("message", x + 120, yy + 26, "", inlets=2, width=200)
            mx.connect(unpack, i, pre)
            mx.connect(pre, 0, shown)
        else:
            shown = mx.add("flonum", x + 120, yy, inlets=1, outlets=2, width=80)
            mx.connect(unpack, i, shown)
    err_pre = mx.add("newobj", 500, y + 60, "prepend set", width=80)
    err_box = mx.add("message", 600, y + 60, "no errors", inlets=2, width=450)
    mx.connect(route, 1, err_pre)
    mx.connect(err_pre, 0, err_box)
    return mx.render()


def outputs(root: Path) -> Dict[Path, str]:
    """``{path: content}`` of every generated file under the repository ``root``."""
    return {root / "docs" / "osc.md": render_markdown(),
            root / "patches" / "demiurge-live.pd": render_pd(),
            root / "patches" / "demiurge-live.maxpat": render_max()}


def main(argv: List[str] = sys.argv[1:]) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    for path, text in outputs(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
