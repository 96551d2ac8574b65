"""`demiurge-live` and sound devices: none at all (this machine without JACK), and a device that
does not exist (with a JACK server). Each run is a fresh process, so PortAudio sees exactly the
server named in its environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from live_jack import jack_server  # noqa: F401


def live(*args, server: str):
    """Run ``demiurge-live ARGS`` against the JACK server ``server`` (one that may not exist)."""
    env = dict(os.environ, JACK_DEFAULT_SERVER=server, JACK_NO_START_SERVER="1")
    return subprocess.run([sys.executable, "-m", "demiurge.live.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_no_sound_card_says_so_and_what_to_do():
    listed = live("--list-devices", server="demiurge-no-such-server")
    if listed.returncode == 0 and listed.stdout.strip():
        pytest.skip("this machine has a sound card (PortAudio lists it without JACK)")
    for args in (["--list-devices"], ["--device", "3", "--db", "no-such-db"], ["--db", "no-such-db"]):
        done = live(*args, server="demiurge-no-such-server")
        assert done.returncode == 2, done
        line, = done.stderr.strip().splitlines()
        assert line.startswith("demiurge-live: error: no audio device found"), line
        assert "start JACK" in line and "--input-file" in line and "--output-file" in line
        assert "None" not in line and "no-such-db" not in line  # checked before anything loads


def test_a_device_that_does_not_exist_is_named(jack_server):  # noqa: F811
    listed = live("--list-devices", server=jack_server)
    assert listed.returncode == 0 and "JACK" in listed.stdout
    for device, expected in (("99", "audio device 99 does not exist"),
                             ("no-such-card", "no audio device matches 'no-such-card'")):
        done = live("--device", device, "--db", "no-such-db", server=jack_server)
        assert done.returncode == 2, done
        line, = done.stderr.strip().splitlines()
        assert expected in line and "(the devices are: 0 'system'" in line, line  # JACK's
        assert "--list-devices" in line
