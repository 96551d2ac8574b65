"""OSC on loopback (port 0): every address, every kind of bad message, help and status."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest
import soundfile as sf
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from demiurge.live.host import Host
from demiurge.live.osc import OscServer
from demiurge.live.params import COMMANDS, PARAMS, STATUS_FIELDS
from live_fixtures import (engine_for, other_tone_db, predictor_ts, tone_db,  # noqa: F401
                           steady_tone)


class Client:
    """A UDP OSC client that collects every reply."""

    def __init__(self, port: int):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = port

    def send(self, address: str, *args) -> None:
        builder = OscMessageBuilder(address=address)
        for a in args:
            builder.add_arg(a)
        self.sock.sendto(builder.build().dgram, ("127.0.0.1", self.port))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendto(data, ("127.0.0.1", self.port))

    def receive(self, address: str = None, *, timeout: float = 5.0, count: int = 1) -> list:
        """The next ``count`` replies (to ``address`` if given) as ``(address, args)``."""
        got = []
        deadline = time.time() + timeout
        while len(got) < count and time.time() < deadline:
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            msg = OscMessage(data)
            if address is None or msg.address == address:
                got.append((msg.address, list(msg.params)))
        assert len(got) == count, f"expected {count} {address or ''} replies, got {got}"
        return got

    def one(self, address: str = None, **kw):
        return self.receive(address, **kw)[0]

    def close(self):
        self.sock.close()


@pytest.fixture
def live(tone_db):
    engine = engine_for(tone_db)
    host = Host(engine, device="no-such-device-for-tests")
    server = OscServer(host, port=0)
    server.start()
    client = Client(server.port)
    yield engine, host, server, client
    client.close()
    server.close()
    host.close()


VALID = {"mode": "follow", "drywet": 0.5, "gain": -6.0, "horizon": 2, "k": 3, "avoid_repeats": 2,
         "continuity": 0.2, "weights": "mfcc0=0", "temperature": 0.1, "xfade": 5.0, "events": 1}


def test_every_parameter_is_set_and_echoed(live):
    engine, _, _, client = live
    assert set(VALID) == {p.name for p in PARAMS}
    for name, value in VALID.items():
        client.send(f"/demiurge/{name}", value)
        address, args = client.one()
        assert address == f"/demiurge/{name}"
        near = value if isinstance(value, str) else pytest.approx(value)
        assert args[0] == near and engine.params[name] == near
    engine.process(np.zeros(engine.block, np.float32))  # changes apply between blocks
    core = engine.core
    assert core.mode == 1 and core.horizon == 2 and core.drywet == 0.5
    assert core.gain == pytest.approx(10 ** (-6 / 20))
    assert core.forecaster.temperature == pytest.approx(0.1)


@pytest.mark.parametrize("address, args, problem", [
    ("/demiurge/gian", [0.0], "unknown address; did you mean /demiurge/gain"),
    ("/other/thing", [], "unknown address"),
    ("/demiurge/gain", [], "expects 1 argument"),
    ("/demiurge/gain", [1.0, 2.0], "expects 1 argument"),
    ("/demiurge/gain", ["loud"], "expects a number"),
    ("/demiurge/k", [1.5], "whole number"),
    ("/demiurge/weights", [1.0], "expects a symbol"),
    ("/demiurge/weights", ["mfcc99=1"], "unknown descriptor 'mfcc99'"),
    ("/demiurge/weights", ["mfcc0=-2"], "must be a number >= 0"),
    ("/demiurge/gain", [30.0], "out of range"),
    ("/demiurge/drywet", [-1.0], "out of range"),
    ("/demiurge/mode", ["sing"], "not one of"),
    ("/demiurge/mode", [2], "expects a symbol"),
    ("/demiurge/record", [], "expects 1 argument"),
    ("/demiurge/load/db", [7], "must be a symbol"),
    ("/demiurge/load/db", ["/no/such/db"], "no such file or folder"),
    ("/demiurge/load/predictor", ["/no/such/run"], "no such file or folder"),
    ("/demiurge/seed", ["/no/such.wav"], "no such file or folder"),
    ("/demiurge/record", ["/no/such/folder/x.wav"], "does not exist"),
    ("/demiurge/record/stop", [], "not recording"),
    ("/demiurge/start", [], "audio device"),  # no such device here (or no PortAudio)
])
def test_bad_messages_are_answered_and_the_engine_keeps_going(live, address, args, problem):
    engine, _, _, client = live
    before = dict(engine.params)
    client.send(address, *args)
    reply, (where, what) = client.one("/demiurge/error")
    assert where == address and problem in what, what
    assert engine.params == before
    out = engine.process(np.zeros(engine.block, np.float32))
    assert out.shape == (engine.block,) and np.isfinite(out).all()


def test_garbage_packet_is_answered(live):
    _, _, _, client = live
    client.send_raw(b"this is not OSC")
    _, (where, what) = client.one("/demiurge/error")
    assert "not a valid OSC packet" in what


def test_errors_are_logged(live, caplog):
    _, _, _, client = live
    with caplog.at_level("ERROR", logger="demiurge.live"):
        client.send("/demiurge/gain", 99.0)
        client.one("/demiurge/error")
    assert any("/demiurge/gain" in r.getMessage() and "out of range" in r.getMessage()
               for r in caplog.records)


def test_help_lists_every_address(live):
    _, _, _, client = live
    client.send("/demiurge/help")
    replies = client.receive("/demiurge/help", count=len(PARAMS) + len(COMMANDS))
    listed = [args[0] for _, args in replies]
    assert listed == [x.address for x in (*PARAMS, *COMMANDS)]
    gain = dict((args[0], args) for _, args in replies)["/demiurge/gain"]
    assert gain[1:6] == ["float", -60.0, 12.0, "dB", 0.0]


def test_status_reply(live):
    engine, _, _, client = live
    tone = steady_tone(660.0, 1.0)
    for i in range(0, 40 * engine.block, engine.block):
        engine.process(tone[i:i + engine.block])
    client.send("/demiurge/status")
    _, args = client.one("/demiurge/status")
    status = dict(zip(STATUS_FIELDS, args))
    assert len(args) == len(STATUS_FIELDS)
    assert status["running"] == 0 and status["mode"] == "mosaic"
    assert status["samplerate"] == 44100 and status["block"] == 256
    assert status["latency_ms"] == pytest.approx(
        1000 * (engine.latency_samples() + 2 * 256) / 44100, rel=1e-4)
    assert status["late_blocks"] == 0 and status["cpu_load"] >= 0.0
    assert status["match_file"].endswith("mid.wav") and status["match_offset"] >= 0


def test_load_db_predictor_and_seed(live, other_tone_db, predictor_ts, tmp_path):
    from demiurge.data.audio import write_audio

    engine, _, _, client = live
    client.send("/demiurge/load/db", str(other_tone_db))
    assert client.one("/demiurge/loaded", timeout=30)[1] == ["db", str(other_tone_db)]
    client.send("/demiurge/load/predictor", str(predictor_ts))
    assert client.one("/demiurge/loaded", timeout=30)[1] == ["predictor", str(predictor_ts)]
    seed = write_audio(tmp_path / "seed.wav", steady_tone(220.0, 1.0), sample_rate=44100)
    client.send("/demiurge/seed", str(seed))
    assert client.one("/demiurge/loaded", timeout=30)[1] == ["seed", str(seed)]
    client.send("/demiurge/seed")
    assert client.one("/demiurge/seed")[1] == [1]
    for _ in range(12):
        engine.process(np.zeros(engine.block, np.float32))
    assert engine.db.path == other_tone_db
    # Bad files are answered after the background load fails.
    (tmp_path / "notadb").mkdir()
    client.send("/demiurge/load/db", str(tmp_path / "notadb"))
    _, (where, what) = client.one("/demiurge/error", timeout=30)
    assert where == "/demiurge/load/db" and "not a descriptor DB" in what
    bad_ts = tmp_path / "broken.ts"
    bad_ts.write_bytes(b"not torchscript")
    client.send("/demiurge/load/predictor", str(bad_ts))
    _, (where, what) = client.one("/demiurge/error", timeout=30)
    assert where == "/demiurge/load/predictor" and "not a loadable TorchScript" in what


def test_record_writes_a_wav(live, tmp_path):
    engine, host, _, client = live
    path = tmp_path / "take.wav"
    client.send("/demiurge/record", str(path))
    assert client.one("/demiurge/record")[1] == [str(path)]
    block = np.ones(engine.block, np.float32) * 0.25
    out = np.zeros(engine.block, np.float32)
    for _ in range(10):  # play 10 blocks through the callback body (no sound card here)
        host.exchange.exchange(block, out)
    client.send("/demiurge/record/stop")
    _, (where, seconds) = client.one("/demiurge/record/done")
    data, sr = sf.read(where, dtype="float32")
    assert where == str(path) and sr == 44100 and data.size == 10 * engine.block
    assert seconds == pytest.approx(data.size / sr)


def test_match_events(live):
    engine, _, _, client = live
    client.send("/demiurge/events", 1)
    client.one("/demiurge/events")
    tone = steady_tone(1760.0, 2.0)
    for i in range(0, tone.size - engine.block, engine.block):
        engine.process(tone[i:i + engine.block])
    replies = client.receive("/demiurge/match", count=5)
    for _, (file, offset, distance) in replies:
        assert file.endswith("high.wav") and offset >= 0 and distance >= 0.0


def test_reply_port(tone_db):
    engine = engine_for(tone_db)
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    host = Host(engine)
    server = OscServer(host, port=0, reply_port=listener.getsockname()[1])
    server.start()
    client = Client(server.port)
    try:
        client.send("/demiurge/gain", -3.0)
        data, _ = listener.recvfrom(4096)
        assert OscMessage(data).address == "/demiurge/gain"
    finally:
        client.close()
        listener.close()
        server.close()
        host.close()
