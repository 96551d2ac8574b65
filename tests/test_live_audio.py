"""The audio layer: block rings, the callback's exchange (fixed latency, click-free holds),
the engine thread, and a real duplex stream against a JACK server (dummy driver)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from demiurge.live.audio import AudioIO, BlockExchange, BlockRing, EngineThread, Recorder
from live_jack import JACK_RATE, JackTester, jack_server, reinit_portaudio  # noqa: F401

B = 64


def sine(n: int, *, freq: float = 441.0, sr: int = 44100) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(n) / sr)).astype(np.float32)


def test_ring_is_fifo_and_refuses_when_full():
    ring = BlockRing(n_blocks=3, block=4)
    for i in range(3):
        assert ring.push(np.full(4, i, np.float32), tag=10 + i)
    assert not ring.push(np.zeros(4, np.float32))
    out = np.zeros(4, np.float32)
    assert ring.peek_tag() == 10
    assert ring.pop_into(out) == 10 and np.all(out == 0)
    assert ring.push(np.full(4, 7, np.float32), tag=13)
    assert [ring.pop_into(out) for _ in range(3)] == [11, 12, 13] and np.all(out == 7)
    assert len(ring) == 0


def run_exchange(signal: np.ndarray, *, cushion: int, late: set = frozenset(),
                 process=lambda x: x):
    """Drive the callback body as the sound card would, answering each block at once
    except those in ``late`` (answered one block later than their turn)."""
    ex = BlockExchange(block=B, cushion=cushion)
    out = np.zeros_like(signal)
    held = []
    buf = np.zeros(B, np.float32)
    for k in range(signal.size // B):
        ex.exchange(signal[k * B:(k + 1) * B], out[k * B:(k + 1) * B])
        while len(ex.inputs):
            tag = ex.inputs.pop_into(buf)
            held.append((tag, process(buf.copy())))
        keep = []
        for tag, block in held:
            if tag in late and k < tag + cushion:
                keep.append((tag, block))  # too slow: not there when its slot comes
            else:
                ex.outputs.push(block, tag)
        held = keep
    return ex, out


def test_exchange_plays_answers_after_a_fixed_cushion():
    x = sine(40 * B)
    for cushion in (1, 2, 4):
        ex, y = run_exchange(x, cushion=cushion, process=lambda b: 0.5 * b)
        np.testing.assert_array_equal(y[cushion * B:], 0.5 * x[:-cushion * B])
        assert not y[:cushion * B].any()
        assert ex.late == 0


def test_late_block_is_held_without_a_click_and_latency_stays_fixed():
    x = sine(60 * B, freq=220.0)
    cushion = 2
    ex, y = run_exchange(x, cushion=cushion, late={20})
    assert ex.late == 1
    slot = 20 + cushion
    delayed = np.concatenate([np.zeros(cushion * B, np.float32), x[:-cushion * B]])
    # Everything but the held block and the fade-in after it is the input, on time.
    np.testing.assert_array_equal(y[:slot * B], delayed[:slot * B])
    np.testing.assert_array_equal(y[(slot + 2) * B:], delayed[(slot + 2) * B:])
    held = y[slot * B:(slot + 1) * B]
    np.testing.assert_array_equal(held, y[(slot - 1) * B:slot * B][::-1])
    # No click: sample-to-sample steps stay within the signal's own largest step (+ margin).
    max_step = np.abs(np.diff(delayed)).max()
    assert np.abs(np.diff(y)).max() <= 1.6 * max_step


def test_long_stall_fades_to_silence_and_recovers():
    x = sine(60 * B, freq=220.0)
    ex, y = run_exchange(x, cushion=2, late=set(range(20, 26)))
    assert ex.late == 6
    assert not y[24 * B:28 * B].any()  # after one held block and one fade: silence
    assert np.abs(np.diff(y)).max() <= 1.6 * np.abs(np.diff(x)).max()
    np.testing.assert_array_equal(y[30 * B:], x[28 * B:-2 * B])


def test_engine_thread_answers_every_block_in_order():
    ex = BlockExchange(block=B, cushion=4)
    thread = EngineThread(ex, lambda b: b * 2.0, samplerate=44100)
    thread.start()
    x = sine(50 * B)
    y = np.zeros_like(x)
    try:
        for k in range(50):
            ex.exchange(x[k * B:(k + 1) * B], y[k * B:(k + 1) * B])
            time.sleep(B / 44100)
    finally:
        thread.stop()
    np.testing.assert_allclose(y[4 * B:], 2 * x[:-4 * B])
    assert ex.late == 0 and thread.error is None


def test_engine_thread_survives_a_failing_block():
    calls = []

    def process(block):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return block

    ex = BlockExchange(block=B, cushion=2)
    thread = EngineThread(ex, process, samplerate=44100)
    thread.start()
    out = np.zeros(B, np.float32)
    try:
        for _ in range(8):
            ex.exchange(np.ones(B, np.float32), out)
            time.sleep(0.005)
    finally:
        thread.stop()
    assert isinstance(thread.error, RuntimeError) and len(calls) == 8


@pytest.mark.jack
def test_duplex_stream_through_jack_plays_and_records(jack_server, tmp_path, capsys):
    from demiurge.live import cli

    sd = reinit_portaudio()
    assert any("JACK" in api["name"] for api in sd.query_hostapis())
    assert cli.main(["--list-devices"]) == 0
    assert str(sd.query_devices()) in capsys.readouterr().out
    block = 256
    ex = BlockExchange(block=block, cushion=2)
    thread = EngineThread(ex, lambda b: 0.5 * b, samplerate=JACK_RATE)
    io = AudioIO(ex, samplerate=JACK_RATE)
    recorder = Recorder(ex, samplerate=JACK_RATE)
    x = sine(JACK_RATE * 2, freq=441.0)
    thread.start()
    io.start()
    tester = JackTester(jack_server, x, record_seconds=2.5)
    try:
        tester.connect()
        recorder.start(str(tmp_path / "rec.wav"))
        y = tester.wait_recorded()
        path, seconds = recorder.stop()
    finally:
        tester.close()
        io.stop()
        thread.stop()
    # The output is the input at half level, delayed: find the delay, compare.
    start = np.argmax(np.abs(y) > 0.05)
    assert 0 < start < JACK_RATE // 2, "no output came back through JACK"
    seg = y[start + 2048:start + 2048 + 8192]
    assert 0.2 < np.abs(seg).max() < 0.3
    assert seconds > 0.5
    import soundfile as sf

    rec, sr = sf.read(path, dtype="float32")
    assert sr == JACK_RATE and rec.size == int(round(seconds * sr)) and np.abs(rec).max() > 0.2
