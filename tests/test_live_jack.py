"""End to end: ``demiurge-live`` as a subprocess against a real JACK server (dummy driver).

A JACK test client routes a known tone into the host's input and records its output while
the test steers the host over OSC: the output must answer (non-silent, the input tone's
segments), its level must follow ``/demiurge/gain``, ``status`` must report sane counters,
and ``record`` must write the wav.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from demiurge.live.params import STATUS_FIELDS
from live_fixtures import (LOUDNESS_WEIGHTS, NEAREST, SR, TONES, burst_db,  # noqa: F401
                           burst_signal, engine_for, make_forecaster, steady_tone, tone_db,
                           tone_level)
from live_jack import JackTester, jack_server  # noqa: F401
from test_live_osc import Client

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.jack, pytest.mark.slow]


def start_host(args, env) -> tuple:
    proc = subprocess.Popen([sys.executable, "-m", "demiurge.live.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"listening for OSC on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise AssertionError(f"demiurge-live did not start: {proc.stderr.read()[-2000:]}")


def host_env(jack_server: str) -> dict:
    """The environment of a demiurge-live that joins the test's JACK server (never starts one)."""
    return dict(os.environ, JACK_DEFAULT_SERVER=jack_server, JACK_NO_START_SERVER="1",
                PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def stop_host(proc) -> str:
    """SIGTERM (as a user's Ctrl-C would), killed after 30 s; returns its stderr."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[1]


def test_demiurge_live_answers_through_jack(jack_server, tone_db, tmp_path):
    predictor = tmp_path / "forecaster.ts"
    torch.jit.script(make_forecaster(tone_db)).save(str(predictor))
    env = host_env(jack_server)
    proc, port = start_host(["--db", str(tone_db), "--predictor", str(predictor),
                             "--osc-port", "0", "--blocksize", "256", "--mode", "mosaic"], env)
    seconds = 7.0
    tester = JackTester(jack_server, steady_tone(TONES["mid"], seconds + 2), record_seconds=seconds)
    client = Client(port)
    take = tmp_path / "take.wav"
    try:
        # Continue through the source where it matches: a steady answer, free of the level
        # wobble of crossfades between segments of unrelated phase.
        for name, value in (("k", 8), ("continuity", 1.0)):
            client.send(f"/demiurge/{name}", value)
            assert client.one(f"/demiurge/{name}")[1] == [value]
        tester.connect()
        t0 = time.time()
        time.sleep(1.0)
        client.send("/demiurge/record", str(take))
        assert client.one("/demiurge/record")[1] == [str(take)]
        time.sleep(max(0.0, 3.0 - (time.time() - t0)))
        client.send("/demiurge/gain", -12.0)
        client.one("/demiurge/gain")
        t_gain = time.time() - t0
        time.sleep(max(0.0, 5.5 - (time.time() - t0)))
        client.send("/demiurge/status")
        status = dict(zip(STATUS_FIELDS, client.one("/demiurge/status")[1]))
        client.send("/demiurge/record/stop")
        _, (path, rec_seconds) = client.one("/demiurge/record/done")
        y = tester.wait_recorded()
    finally:
        client.close()
        tester.close()
        err = stop_host(proc)
    assert proc.returncode == 0, err[-2000:]

    # The host answered the tone with the tone's own segments.
    level = tone_level(y, TONES["mid"], window=1024)
    per_second = SR / 1024
    before = level[int(1.0 * per_second):int((t_gain - 0.4) * per_second)]
    after = level[int((t_gain + 0.6) * per_second):int(5.0 * per_second)]
    assert before.size > 10 and after.size > 10
    rms_before, rms_after = np.sqrt(np.mean(before ** 2)), np.sqrt(np.mean(after ** 2))
    assert rms_before > 0.15, "no answer came back through JACK"
    for other in ("low", "high"):
        assert np.median(tone_level(y, TONES[other], window=1024)[20:]) < 0.05 * rms_before
    # ... and its level followed the gain (-12 dB = x0.25).
    assert rms_after / rms_before == pytest.approx(10 ** (-12 / 20), rel=0.15)

    assert status["running"] == 1 and status["mode"] == "mosaic"
    assert status["samplerate"] == SR and status["block"] == 256
    assert 100 < status["latency_ms"] < 400
    blocks_so_far = 5.5 * SR / 256
    assert 0 <= status["late_blocks"] < 0.1 * blocks_so_far
    assert 0.0 < status["cpu_load"] < 1.0
    assert status["match_file"].endswith("mid.wav")

    rec, sr = sf.read(path, dtype="float32")
    assert sr == SR and rec_seconds == pytest.approx(rec.size / SR) and 3.0 < rec_seconds < 6.0
    assert np.abs(rec).max() > 0.05


def test_the_reported_latency_is_the_delay_of_an_onset_through_jack(jack_server, burst_db,
                                                                     tmp_path):
    """Silence, then a noise burst, into demiurge-live through JACK: the answer's onset comes
    back after the latency ``status`` reports, within the tolerance of the file render's
    measurement (test_live_engine.py: a quarter hop plus 16 samples), and the output is the
    file render's, played ``cushion`` blocks plus the JACK graph's delay later."""
    from test_live_engine import edges

    predictor = tmp_path / "forecaster.ts"
    torch.jit.script(make_forecaster(burst_db)).save(str(predictor))
    env = host_env(jack_server)
    proc, port = start_host(["--db", str(burst_db), "--predictor", str(predictor),
                             "--osc-port", "0", "--blocksize", "256", "--mode", "mosaic"], env)
    seconds, onset = 4.0, int(2.0 * SR) + 333
    x = burst_signal([onset], seconds + 1, seed=7)
    tester = JackTester(jack_server, x, record_seconds=seconds)
    client = Client(port)
    try:
        for name, value in (*NEAREST.items(), ("weights", LOUDNESS_WEIGHTS)):
            client.send(f"/demiurge/{name}", value)
            assert client.one(f"/demiurge/{name}")[1] == [value]
        tester.connect()
        y = tester.wait_recorded()
        client.send("/demiurge/status")
        status = dict(zip(STATUS_FIELDS, client.one("/demiurge/status")[1]))
    finally:
        client.close()
        tester.close()
        err = stop_host(proc)
    assert proc.returncode == 0, err[-2000:]
    (rise_in, _), (rise_out, _) = edges(x[:y.size], window=32), edges(y, window=32)
    measured_ms = 1000 * (rise_out - rise_in) / SR
    hop = 256 if "live" in str(burst_db) else 1024
    tolerance_ms = 1000 * (hop / 4 + 16) / SR
    print(f"reported {status['latency_ms']:.2f} ms, measured {measured_ms:.2f} ms, "
          f"late blocks {status['late_blocks']}")
    assert abs(measured_ms - status["latency_ms"]) <= tolerance_ms, (measured_ms, status)

    # Live equals the file render: the same samples, later by the cushion and JACK's periods
    # (the reported figure less the engine's). The engine's hops began when it started, some
    # blocks before the tester's signal: one of the hop/block phases is the render's. (A late
    # block is played as a hold instead.)
    hop = engine_for(burst_db).core.hop
    shift = int(round(status["latency_ms"] * SR / 1000)) - engine_for(burst_db).latency_samples()
    assert shift == 2 * 256 + 2 * 256, shift
    if status["late_blocks"] == 0:
        live = y[onset - SR // 2 + shift:]
        differences = []
        for phase in range(0, hop, 256):
            rendered = engine_for(burst_db, weights=LOUDNESS_WEIGHTS).render(
                np.concatenate([np.zeros(phase, np.float32), x]))[phase + onset - SR // 2:]
            differences.append(float(np.abs(live - rendered[:live.size]).max()))
        assert min(differences) <= 1e-6, differences
