"""The parameter registry: value checks, the help reply, and the files generated from it
(docs/osc.md and the Pd/Max patches), including the Pd patch run in a real Pd."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from demiurge.patches import live_remote
from demiurge.live.params import (COMMANDS, COMMANDS_BY_NAME, PARAMS, PARAMS_BY_NAME,
                                  MessageError, defaults, help_messages)

ROOT = Path(__file__).resolve().parents[1]


def test_every_default_is_accepted_by_its_own_check():
    for p in PARAMS:
        assert p.coerce([p.default]) == p.default


@pytest.mark.parametrize("name, args, value", [
    ("gain", [-6], -6.0), ("gain", [-6.5], -6.5), ("k", [3.0], 3), ("k", [3], 3),
    ("events", [1.0], True), ("events", [False], False), ("mode", ["dream"], "dream"),
])
def test_values_are_coerced(name, args, value):
    got = PARAMS_BY_NAME[name].coerce(args)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("name, args, problem", [
    ("gain", [], "expects 1 argument"),
    ("gain", [1.0, 2.0], "expects 1 argument"),
    ("gain", ["loud"], "expects a number"),
    ("gain", [13.0], "out of range [-60, 12] dB"),
    ("drywet", [-0.1], "out of range [0, 1]"),
    ("drywet", [float("nan")], "expects a number"),
    ("k", [2.5], "whole number"),
    ("k", [0], "out of range"),
    ("events", [2], "out of range"),
    ("mode", [1.0], "expects a symbol"),
    ("mode", ["sing"], "not one of mosaic, follow, dream"),
])
def test_bad_values_are_refused_with_the_reason(name, args, problem):
    with pytest.raises(MessageError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        PARAMS_BY_NAME[name].coerce(args)


def test_command_arguments_are_checked():
    assert COMMANDS_BY_NAME["record"].coerce(["/tmp/x.wav"]) == ("/tmp/x.wav",)
    assert COMMANDS_BY_NAME["seed"].coerce([]) == ()
    with pytest.raises(MessageError, match="expects 1 argument"):
        COMMANDS_BY_NAME["record"].coerce([])
    with pytest.raises(MessageError, match="must be a symbol"):
        COMMANDS_BY_NAME["load/db"].coerce([3.0])
    with pytest.raises(MessageError, match="expects 0 argument"):
        COMMANDS_BY_NAME["start"].coerce([1])


def test_help_lists_every_address_once():
    addresses = [args[0] for _, args in help_messages()]
    assert addresses == [x.address for x in (*PARAMS, *COMMANDS)]
    assert len(set(addresses)) == len(addresses)
    assert set(defaults()) == set(PARAMS_BY_NAME)


def test_docs_and_patches_cover_every_address():
    doc = (ROOT / "docs" / "osc.md").read_text()
    pd = (ROOT / "patches" / "demiurge-live.pd").read_text()
    maxpat = json.loads((ROOT / "patches" / "demiurge-live.maxpat").read_text())
    max_text = " ".join(b["box"].get("text", "") for b in maxpat["patcher"]["boxes"])
    for item in (*PARAMS, *COMMANDS):
        assert f"`{item.address}`" in doc
        assert "oscformat demiurge " + item.name.replace("/", " ") + ";" in pd
        assert item.address in max_text
    for box in ("netsend -u -b", "oscparse", "netreceive -u -b 9001"):
        assert box in pd
    ids = {b["box"]["id"] for b in maxpat["patcher"]["boxes"]}
    for line in maxpat["patcher"]["lines"]:
        assert line["patchline"]["source"][0] in ids and line["patchline"]["destination"][0] in ids


@pytest.mark.skipif(shutil.which("pd") is None,
                    reason="Pd is not installed (apt-get install puredata-core)")
def test_pd_patch_loads_in_pd_and_sends_osc(tmp_path):
    """Open the patch in a headless Pd: every object must create, and its status poll must
    arrive as a well-formed OSC message."""
    from pythonosc.osc_message import OscMessage

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    port = sock.getsockname()[1]
    patch = tmp_path / "remote.pd"
    patch.write_text(live_remote.render_pd().replace("connect localhost 9000",
                                                  f"connect localhost {port}"))
    proc = subprocess.Popen(["pd", "-nogui", "-nosound", "-noprefs", "-stderr", "-open",
                             str(patch)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        data, _ = sock.recvfrom(4096)
    finally:
        proc.kill()
        out = proc.communicate()[0].decode(errors="replace")
        sock.close()
    assert OscMessage(data).address == "/demiurge/status"
    assert "couldn't create" not in out and "error" not in out.lower(), out
