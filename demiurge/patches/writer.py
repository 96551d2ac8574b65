"""One patch, written as Pure Data (``.pd``) or Max (``.maxpat``/``.maxhelp``).

A :class:`Patch` is a list of boxes and connections in a neutral vocabulary:

* ``obj``: an object box (Pd ``#X obj``, Max ``newobj``),
* ``msg``: a message box (Pd ``#X msg``, Max ``message``),
* ``text``: a comment (Pd ``#X text``, Max ``comment``),
* ``number``: a number box with an optional range and label (Pd ``#X floatatom``, Max
  ``flonum``, or ``number`` for integers),
* ``symbol``: a symbol display (Pd ``#X symbolatom``; Max shows symbols in a message box),
* ``toggle``: Max's ``toggle``.

Boxes are numbered in creation order; connections name ``(box, outlet) -> (box, inlet)``. A box
can belong to one program only (``only="pd"`` or ``only="max"``): Pd's info outlet or Max's
``udpsend`` wiring, say. Connections to a box the program leaves out are left out with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

_MAX_CLASSES = {"obj": "newobj", "msg": "message", "text": "comment", "symbol": "message",
                "toggle": "toggle"}


@dataclass
class Box:
    kind: str
    x: int
    y: int
    text: str = ""
    only: Optional[str] = None
    width: Optional[int] = None     # characters in Pd atoms, pixels in Max
    low: float = 0.0                # number range (0, 0: unbounded)
    high: float = 0.0
    label: str = ""
    integer: bool = False
    max_attrs: Dict = field(default_factory=dict)   # extra Max box attributes (numinlets...)


class Patch:
    """A patch under construction; :meth:`pd` and :meth:`max` write it."""

    def __init__(self, width: int = 900, height: int = 640, font: int = 12):
        self.size = (width, height)
        self.font = font
        self.boxes: List[Box] = []
        self.lines: List[Tuple[int, int, int, int]] = []

    def add(self, kind: str, x: int, y: int, text: str = "", **options) -> int:
        if kind not in ("number", *_MAX_CLASSES):
            raise ValueError(f"unknown box kind {kind!r}")
        self.boxes.append(Box(kind, x, y, text, **options))
        return len(self.boxes) - 1

    def obj(self, x: int, y: int, text: str, **options) -> int:
        return self.add("obj", x, y, text, **options)

    def msg(self, x: int, y: int, text: str, **options) -> int:
        return self.add("msg", x, y, text, **options)

    def text(self, x: int, y: int, text: str, **options) -> int:
        return self.add("text", x, y, text, **options)

    def number(self, x: int, y: int, *, width: int = 5, low: float = 0.0, high: float = 0.0,
               label: str = "", integer: bool = False, **options) -> int:
        return self.add("number", x, y, width=width, low=low, high=high, label=label,
                        integer=integer, **options)

    def connect(self, a: int, outlet: int, b: int, inlet: int = 0) -> None:
        self.lines.append((a, outlet, b, inlet))

    def _kept(self, program: str) -> Dict[int, int]:
        """``{box number: number in the written patch}`` of the boxes ``program`` shows."""
        kept = [n for n, b in enumerate(self.boxes) if b.only in (None, program)]
        return {n: i for i, n in enumerate(kept)}

    def pd(self) -> str:
        """The patch as a Pd file."""
        keep = self._kept("pd")
        rows = [f"#N canvas 40 40 {self.size[0]} {self.size[1]} {self.font};"]
        for n in keep:
            rows.append(f"#X {_pd_record(self.boxes[n])};")
        rows += [f"#X connect {keep[a]} {o} {keep[b]} {i};" for a, o, b, i in self.lines
                 if a in keep and b in keep]
        return "\n".join(rows) + "\n"

    def max(self) -> str:
        """The patch as a Max patcher (JSON)."""
        keep = self._kept("max")
        boxes = [{"box": _max_box(self.boxes[n], keep[n])} for n in keep]
        lines = [{"patchline": {"source": [f"obj-{keep[a]}", o],
                                "destination": [f"obj-{keep[b]}", i]}}
                 for a, o, b, i in self.lines if a in keep and b in keep]
        patcher = {"patcher": {"fileversion": 1, "appversion": {"major": 8, "minor": 5},
                               "classnamespace": "box", "rect": [40, 40, *self.size],
                               "default_fontsize": float(self.font),
                               "boxes": boxes, "lines": lines}}
        return json.dumps(patcher, indent=1) + "\n"


def _pd_escape(text: str) -> str:
    return text.replace(",", " \\,").replace(";", " \\;").replace("$", "\\$")


def _pd_record(b: Box) -> str:
    if b.kind == "number":
        return (f"floatatom {b.x} {b.y} {b.width} {b.low:g} {b.high:g} {1 if b.label else 0} "
                f"{b.label or '-'} - - 0")
    if b.kind == "symbol":
        return f"symbolatom {b.x} {b.y} {b.width or 10} 0 0 1 {b.label or '-'} - - 0"
    if b.kind == "toggle":
        return f"obj {b.x} {b.y} tgl 15 0 empty empty empty 17 7 0 10 #fcfcfc #000000 #000000 0 1"
    return f"{b.kind} {b.x} {b.y} {_pd_escape(b.text)}"


def _max_box(b: Box, number: int) -> Dict:
    if b.kind == "number":
        cls = "number" if b.integer else "flonum"
        width = b.width * 10 if b.width else 50
    else:
        cls = _MAX_CLASSES[b.kind]
        width = b.width or (600 if b.kind == "text" else max(50, 7 * len(b.text)))
    box = {"id": f"obj-{number}", "maxclass": cls, "patching_rect": [b.x, b.y, width, 22]}
    if b.kind not in ("number", "toggle"):
        box["text"] = b.text
    if b.kind == "number" and b.low < b.high:
        box.update(minimum=b.low, maximum=b.high)
    box.update(b.max_attrs)
    return box
