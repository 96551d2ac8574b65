"""The demiurge-live remote patches, generated from the parameter registry
(:mod:`demiurge.live.params`):

* ``patches/demiurge-live.pd``: a Pd vanilla patch (``[oscformat]``, ``[netsend -u -b]``,
  ``[netreceive -u -b]``, ``[oscparse]``) driving every parameter and command and showing
  ``status`` and errors,
* ``patches/demiurge-live.maxpat``: the same for Max (``udpsend`` / ``udpreceive``).

The patches talk to ``demiurge-live --osc-port 9000 --osc-reply-port 9001``.
"""

from __future__ import annotations

from demiurge.live.params import COMMANDS, PARAMS, STATUS_FIELDS
from demiurge.patches.writer import Patch

OSC_PORT = 9000
REPLY_PORT = 9001
EXAMPLE_PATHS = {"load/db": "/path/to/db", "load/predictor": "/path/to/run",
                 "seed": "/path/to/seed.wav", "record": "/tmp/demiurge-take.wav"}
STATUS_TYPES = {"running": "f", "mode": "s", "samplerate": "f", "block": "f", "latency_ms": "f",
                "late_blocks": "f", "cpu_load": "f", "match_file": "s", "match_offset": "f"}


def render_pd() -> str:
    """``patches/demiurge-live.pd``."""
    pd = Patch(1180, 900, 10)
    pd.text(20, 10, (
        f"demiurge-live remote: run demiurge-live --osc-port {OSC_PORT} --osc-reply-port "
        f"{REPLY_PORT} - generated from demiurge/live/params.py by python -m "
        "demiurge.patches"))
    load = pd.obj(20, 40, "loadbang")
    connect = pd.msg(20, 65, f"connect localhost {OSC_PORT}")
    pd.connect(load, 0, connect)
    trim = pd.obj(620, 800, "list trim")
    prepend = pd.obj(620, 775, "list prepend send")
    send = pd.obj(620, 825, "netsend -u -b")
    pd.connect(connect, 0, send)
    pd.connect(prepend, 0, trim)
    pd.connect(trim, 0, send)

    y = 100
    pd.text(20, y, "parameters")
    y += 25
    for p in PARAMS:
        fmt = pd.obj(330, y, f"oscformat demiurge {p.name}")
        pd.connect(fmt, 0, prepend)
        if p.kind in ("choice", "text"):
            x = 20
            for choice in p.choices or p.examples:
                m = pd.msg(x, y, f"list {choice}")
                pd.connect(m, 0, fmt)
                x += 70
            pd.text(500, y, f"{p.name}: {p.doc}"[:90])
        else:
            low, high = (0, 1) if p.kind == "bool" else (p.minimum, p.maximum)
            atom = pd.number(20, y, width=8, low=low, high=high, label=p.name)
            pd.connect(atom, 0, fmt)
            unit = f" ({p.unit})" if p.unit else ""
            pd.text(500, y, (
                f"{low:g}..{high:g}{unit}, default {float(p.default):g}: {p.doc}"[:90]))
        y += 28

    y += 10
    pd.text(20, y, "commands")
    y += 25
    for c in COMMANDS:
        fmt = pd.obj(330, y, "oscformat demiurge " + c.name.replace("/", " "))
        pd.connect(fmt, 0, prepend)
        if c.args:
            m = pd.msg(20, y, f"list {EXAMPLE_PATHS[c.name]}")
            pd.connect(m, 0, fmt)
            if c.name.startswith("load/") or c.name == "seed":
                panel = pd.obj(190, y, "openpanel")
                b = pd.msg(150, y, "bang")
                pd.connect(b, 0, panel)
                pd.connect(panel, 0, fmt)
            if c.optional:
                m0 = pd.msg(250, y, "bang")
                pd.connect(m0, 0, fmt)
        else:
            m = pd.msg(20, y, "bang")
            pd.connect(m, 0, fmt)
        pd.text(500, y, f"{c.name} {c.signature()}: {c.doc}"[:90])
        y += 28

    # Status polling and display.
    y += 10
    pd.text(20, y, "status (polled every 500 ms) and replies")
    y += 25
    poll = pd.obj(20, y, "metro 500")
    pd.connect(load, 0, poll)
    status_fmt = pd.obj(110, y, "oscformat demiurge status")
    pd.connect(poll, 0, status_fmt)
    pd.connect(status_fmt, 0, prepend)
    y += 30
    recv = pd.obj(20, y, f"netreceive -u -b {REPLY_PORT}")
    parse = pd.obj(20, y + 25, "oscparse")
    rtrim = pd.obj(20, y + 50, "list trim")
    route1 = pd.obj(20, y + 75, "route demiurge")
    route2 = pd.obj(20, y + 100, "route status error")
    pd.connect(recv, 0, parse)
    pd.connect(parse, 0, rtrim)
    pd.connect(rtrim, 0, route1)
    pd.connect(route1, 0, route2)
    types = " ".join(STATUS_TYPES[f] for f in STATUS_FIELDS)
    unpack = pd.obj(20, y + 130, f"unpack {types}")
    pd.connect(route2, 0, unpack)
    for i, name in enumerate(STATUS_FIELDS):
        kind = "symbol" if STATUS_TYPES[name] == "s" else "number"
        width = 30 if name == "match_file" else 8
        atom = pd.add(kind, 20 + (i % 3) * 330, y + 160 + (i // 3) * 28, width=width, label=name)
        pd.connect(unpack, i, atom)
    err_set = pd.obj(500, y + 130, "list prepend set")
    err_trim = pd.obj(500, y + 155, "list trim")
    err_box = pd.msg(650, y + 155, "no errors")
    err_print = pd.obj(650, y + 130, "print demiurge-error")
    pd.connect(route2, 1, err_set)
    pd.connect(route2, 1, err_print)
    pd.connect(err_set, 0, err_trim)
    pd.connect(err_trim, 0, err_box)
    return pd.pd()


def render_max() -> str:
    """``patches/demiurge-live.maxpat``."""
    mx = Patch(1100, 900, 12)
    mx.text(20, 10, f"demiurge-live remote: run demiurge-live --osc-port {OSC_PORT} "
            f"--osc-reply-port {REPLY_PORT} (generated by python -m demiurge.patches)", width=900)
    send = mx.obj(620, 820, f"udpsend 127.0.0.1 {OSC_PORT}")
    y = 50
    for p in PARAMS:
        pre = mx.obj(330, y, f"prepend {p.address}")
        mx.connect(pre, 0, send)
        if p.kind in ("choice", "text"):
            x = 20
            for choice in p.choices or p.examples:
                mx.connect(mx.msg(x, y, choice, width=60), 0, pre)
                x += 70
        else:
            low, high = (0, 1) if p.kind == "bool" else (p.minimum, p.maximum)
            num = mx.number(20, y, width=7, low=low, high=high, integer=p.kind != "float")
            mx.connect(num, 0, pre)
        unit = f" ({p.unit})" if p.unit else ""
        mx.text(500, y, f"{p.name}{unit}: {p.doc}", width=560)
        y += 30
    y += 10
    for c in COMMANDS:
        text = f"{c.address} {EXAMPLE_PATHS[c.name]}" if c.args else c.address
        mx.connect(mx.msg(20, y, text, width=300), 0, send)
        mx.text(500, y, f"{c.name} {c.signature()}: {c.doc}", width=560)
        y += 30
    y += 10
    toggle = mx.add("toggle", 20, y, width=22)
    metro = mx.obj(60, y, "metro 500")
    poll = mx.msg(160, y, "/demiurge/status")
    mx.connect(toggle, 0, metro)
    mx.connect(metro, 0, poll)
    mx.connect(poll, 0, send)
    mx.text(330, y, "poll status every 500 ms", width=300)
    y += 40
    recv = mx.obj(20, y, f"udpreceive {REPLY_PORT}")
    route = mx.obj(20, y + 30, "route /demiurge/status /demiurge/error", width=300)
    mx.connect(recv, 0, route)
    types = " ".join("s" if STATUS_TYPES[f] == "s" else ("f" if f in ("latency_ms", "cpu_load")
                                                           else "i") for f in STATUS_FIELDS)
    unpack = mx.obj(20, y + 60, f"unpack {types}", width=400)
    mx.connect(route, 0, unpack)
    for i, name in enumerate(STATUS_FIELDS):
        x, yy = 20 + (i % 3) * 330, y + 100 + (i // 3) * 60
        mx.text(x, yy, name, width=120)
        if STATUS_TYPES[name] == "s":
            pre = mx.obj(x + 120, yy, "prepend set", width=80)
            shown = mx.msg(x + 120, yy + 26, "", width=200)
            mx.connect(unpack, i, pre)
            mx.connect(pre, 0, shown)
        else:
            mx.connect(unpack, i, mx.number(x + 120, yy, width=8))
    err_pre = mx.obj(500, y + 60, "prepend set", width=80)
    err_box = mx.msg(600, y + 60, "no errors", width=450)
    mx.connect(route, 1, err_pre)
    mx.connect(err_pre, 0, err_box)
    return mx.max()
