"""A real JACK server (dummy driver) for the live tests, and a JACK test client that plays a
known signal into PortAudio's input and records PortAudio's output.

The server gets its own name (``JACK_DEFAULT_SERVER``), so it never meets another JACK server
on the machine; ``JACK_NO_START_SERVER=1`` keeps clients from starting one of their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import numpy as np
import pytest

JACK_RATE = 44100
JACK_PERIOD = 256


@pytest.fixture(scope="session")
def jack_server():
    """Start ``jackd -d dummy`` for the session; yields the server name."""
    if shutil.which("jackd") is None:
        pytest.skip("jackd is not installed: `apt-get install -y --no-install-recommends jackd2 "
                    "libportaudio2` (or `make system-packages` as root) to run the JACK tests")
    name = f"demiurge-test-{os.getpid()}"
    env = dict(os.environ, JACK_NO_START_SERVER="1")
    errors = []
    log = tempfile.TemporaryFile()  # jackd's messages (a pipe could fill up and block it)
    for realtime in ("-R", "-r"):  # real-time scheduling when allowed, else without
        proc = subprocess.Popen(["jackd", "-n", name, realtime, "-d", "dummy", "-r",
                                 str(JACK_RATE), "-p", str(JACK_PERIOD)], env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        if _wait_for_server(name, env, proc):
            break
        proc.kill()
        log.seek(0)
        errors.append(log.read().decode(errors="replace")[-500:])
    else:
        pytest.fail(f"jackd did not start: {errors}")
    old = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"
    try:
        yield name
    finally:
        try:
            _terminate_portaudio()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _wait_for_server(name: str, env: dict, proc: subprocess.Popen, timeout: float = 10) -> bool:
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline:
        if shutil.which("jack_lsp"):
            up = subprocess.run(["jack_lsp", "-s", name], env=env,
                                capture_output=True).returncode == 0
        else:
            up = _client_connects(name)
        if up:
            return True
        time.sleep(0.1)
    return False


def _client_connects(name: str) -> bool:
    import jack

    try:
        client = jack.Client("demiurge-probe", no_start_server=True, servername=name)
    except jack.JackOpenError:
        return False
    client.close()
    return True


def _terminate_portaudio() -> None:
    """Stop PortAudio before jackd goes (else the process aborts at exit)."""
    try:
        import sounddevice as sd
    except OSError:
        return
    try:
        sd._terminate()
    except sd.PortAudioError:  # not initialised: nothing to stop
        pass


def reinit_portaudio():
    """sounddevice, re-initialised so that it sees the JACK server started after import."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()
    return sd


class JackTester:
    """A JACK client with one output (playing ``signal``, then silence) and one input
    (recorded into :attr:`recorded`), connected to a PortAudio client's ``in_0``/``out_0``."""

    def __init__(self, server: str, signal: np.ndarray, *, record_seconds: float):
        import jack

        self.signal = np.asarray(signal, dtype=np.float32)
        self.recorded = np.zeros(int(record_seconds * JACK_RATE) + JACK_PERIOD, dtype=np.float32)
        self.pos = 0
        self.rec_pos = 0
        self.client = jack.Client("demiurge-tester", no_start_server=True, servername=server)
        self.out = self.client.outports.register("out")
        self.inp = self.client.inports.register("in")
        self.client.set_process_callback(self._process)

    def _process(self, frames: int) -> None:
        out = self.out.get_array()
        chunk = self.signal[self.pos:self.pos + frames]
        out[:chunk.size] = chunk
        out[chunk.size:] = 0.0
        self.pos += frames
        n = min(frames, self.recorded.size - self.rec_pos)
        if n > 0:
            self.recorded[self.rec_pos:self.rec_pos + n] = self.inp.get_array()[:n]
            self.rec_pos += n

    def connect(self, client_prefix: str = "PortAudio", timeout: float = 20.0) -> None:
        """Wait for the PortAudio client's ports, then route to and from them."""
        self.client.activate()
        deadline = time.time() + timeout
        while True:
            ins = [p.name for p in self.client.get_ports(f"{client_prefix}.*:in_0", is_audio=True)]
            outs = [p.name for p in self.client.get_ports(f"{client_prefix}.*:out_0", is_audio=True)]
            if ins and outs:
                break
            if time.time() > deadline:
                raise AssertionError(f"no {client_prefix} ports appeared in JACK within {timeout} s")
            time.sleep(0.05)
        for port in self.client.get_all_connections(ins[0]):
            self.client.disconnect(port, ins[0])  # the dummy capture port: silence, but unknown
        self.client.connect(self.out, ins[0])
        self.client.connect(outs[0], self.inp)
        self.pos = 0
        self.rec_pos = 0

    def wait_recorded(self, timeout: float = 30.0) -> np.ndarray:
        deadline = time.time() + timeout
        while self.rec_pos < self.recorded.size and time.time() < deadline:
            time.sleep(0.05)
        return self.recorded[:self.rec_pos].copy()

    def close(self) -> None:
        self.client.deactivate()
        self.client.close()
