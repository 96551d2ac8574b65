"""The engine without a sound card: known answers from a DB of distinct tones, the latency
measured against the computed one, block-size independence, swaps, modes, the file render
through the real CLI, and the TorchScript core."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from demiurge.errors import DemiurgeError
from demiurge.sequencer.engine_core import EngineCore
from live_fixtures import (SR, TONES, LOUDNESS_WEIGHTS, burst_db, burst_signal, engine_for, loudness_db, other_tone_db, predictor_ts, steady_tone, tone_db, tone_level)  # noqa: F401


def test_mosaic_answers_a_tone_with_that_tones_segments(tone_db):
    engine = engine_for(tone_db)
    x = steady_tone(TONES["mid"], 3.0, seed=7)
    y = engine.render(x)
    assert engine.match()[0].endswith("mid.wav")
    steady = y[SR:]
    mid = tone_level(steady, TONES["mid"])
    for other in ("low", "high"):
        assert tone_level(steady, TONES[other]).max() < 0.02 * mid.min()
    assert mid.min() > 0.2  # the segment is played at its level (0.3), crossfades included


@pytest.mark.parametrize("search", ["exact", "hnsw"])
def test_every_hop_matches_the_input_tone(tone_db, search):
    pytest.importorskip("faiss") if search == "hnsw" else None
    engine = engine_for(tone_db, search=search, events=1)
    for name, freq in TONES.items():
        engine.events.clear()
        engine.render(steady_tone(freq, 1.0, seed=3))
        files = [f for f, _, _ in list(engine.events)[8:]]
        assert files and all(f.endswith(f"{name}.wav") for f in files), (name, set(files))


def edges(y: np.ndarray, *, window: int = 128) -> tuple:
    """Times (samples) where the level of ``y`` first rises above and last falls below the
    midpoint (in dB) between its quiet and loud parts, interpolated between windows. (The
    first and last frames of a DB file are half silence: the onset of the burst may match
    one, and the output dips for a hop inside the burst.)"""
    n = y.size // window
    db = 10 * np.log10(np.mean(y[:n * window].reshape(n, window) ** 2, axis=1) + 1e-12)
    mid = 0.5 * (np.percentile(db, 10) + np.percentile(db, 90))
    above = db > mid
    rise = int(np.argmax(above))
    fall = above.size - int(np.argmax(above[::-1]))

    def cross(i):
        frac = (mid - db[i - 1]) / (db[i] - db[i - 1])
        return (i - 1 + frac) * window + window / 2
    return cross(rise), cross(fall)


@pytest.mark.parametrize("block", [256, 1024])
def test_latency_is_measured_as_computed(loudness_db, block):
    """A loud burst in a quiet tone reaches the output after the computed latency.

    The loudness DB (one tone, loud and 40 dB down) is described with static MFCC only (the
    deltas' window looks ahead of the frame). A frame turns loud as soon as its window
    catches the burst and stays loud until its window has left it, so the rise comes early
    and the fall late by the same amount: their mean delay is the pipeline's latency.
    """
    engine = engine_for(loudness_db, block=block)
    start, length = int(1.5 * SR) + 333, SR
    x = steady_tone(TONES["mid"], 4.0) * 0.01
    x[start:start + length] *= 100.0
    y = engine.render(x)
    (rise_in, fall_in), (rise_out, fall_out) = edges(x), edges(y)
    measured = 0.5 * ((rise_out - rise_in) + (fall_out - fall_in))
    assert abs(measured - engine.latency_samples()) <= engine.core.hop / 2, \
        (measured, engine.latency_samples(), rise_out - rise_in, fall_out - fall_in)


@pytest.mark.parametrize("offset", [0, 100, 333, 700])
def test_an_onset_is_answered_after_the_reported_latency(burst_db, offset):
    """Silence, then a noise burst: the answer's onset comes the computed latency after the
    input's (at block 256: 512 samples = 11.6 ms with the live preset, 5852 = 132.7 ms with
    the default). The DB holds the burst at four alignments a quarter hop apart; the loudness
    of a window that has caught only the start of a burst varies with the noise under its
    taper by about the step between two alignments, so the answering frame may be one
    alignment off the nearest: a quarter hop, plus half the 32-samples windows the level is
    read over, is the tolerance (1.8 ms with the live preset)."""
    engine = engine_for(burst_db, weights=LOUDNESS_WEIGHTS)
    x = burst_signal([SR + offset], 3.0, seed=7)
    y = engine.render(x)
    (rise_in, _), (rise_out, _) = edges(x, window=32), edges(y, window=32)
    hop = engine.core.hop
    expected = {256: 512, 1024: 5852}[hop]  # the formula's figure, spelled out
    assert engine.latency_samples() == expected
    assert abs((rise_out - rise_in) - expected) <= hop / 4 + 16, (rise_out - rise_in, expected)


def test_block_size_does_not_change_the_output(tone_db):
    """Below the hop every block size gives the same output; at or above it both stages run
    in one block, so the answer comes exactly one hop earlier."""
    x = steady_tone(TONES["low"], 1.0)
    x[SR // 2:] = steady_tone(TONES["mid"], 0.5, seed=2)
    outs = {b: engine_for(tone_db, block=b).render(x) for b in (128, 256, 512, 1024, 2048)}
    hop = 1024
    ref = outs[256]
    assert np.abs(ref).max() > 0.1
    for b, y in outs.items():
        if b < hop:
            np.testing.assert_array_equal(y, ref, err_msg=f"block {b}")
        else:
            n = x.size - 3 * hop
            np.testing.assert_allclose(y[:n], ref[hop:hop + n], atol=1e-6, err_msg=f"block {b}")
    assert engine_for(tone_db, block=2048).latency_samples() == \
        engine_for(tone_db, block=128).latency_samples() - hop


def test_bad_block_size_is_refused(tone_db):
    with pytest.raises(DemiurgeError, match="must divide the descriptor hop"):
        engine_for(tone_db, block=300)


def test_gain_and_drywet_follow_their_parameters(tone_db):
    engine = engine_for(tone_db)
    x = steady_tone(TONES["mid"], 1.0)
    y0 = engine.render(x)
    engine.set("gain", -12.0)
    y1 = engine.render(x)
    ratio = np.sqrt(np.mean(y1[SR // 4:] ** 2) / np.mean(y0[SR // 4:] ** 2))
    assert ratio == pytest.approx(10 ** (-12 / 20), rel=0.05)
    engine.set("gain", 0.0)
    engine.set("drywet", 0.0)
    engine.render(x[:1024])  # the ramp to fully dry takes one block
    dry = engine.render(x)
    np.testing.assert_allclose(dry, x, atol=1e-6)


def test_gain_change_is_ramped_without_a_click(tone_db):
    engine = engine_for(tone_db)
    x = steady_tone(TONES["mid"], 2.0)
    cut = 172 * 256  # a block boundary
    a = engine.render(x[:cut])
    engine.set("gain", -40.0)
    b = engine.render(x[cut:])
    y = np.concatenate([a, b])
    assert np.abs(np.diff(y[cut - 512:cut + 512])).max() < 1.5 * np.abs(np.diff(a[cut // 2:])).max()
    assert np.abs(b[256:]).max() < 0.011 * np.abs(a[cut // 2:]).max()


def test_follow_and_dream_modes_answer(tone_db):
    for mode in ("follow", "dream"):
        engine = engine_for(tone_db, mode=mode, horizon=2)
        y = engine.render(steady_tone(TONES["high"], 2.0))
        assert np.isfinite(y).all() and np.abs(y[SR:]).max() > 0.1, mode
    follow = engine_for(tone_db, mode="follow", horizon=3)
    mosaic = engine_for(tone_db)
    assert follow.latency_samples() == mosaic.latency_samples() - 3 * 1024


def test_db_swap_crossfades_to_the_new_db(tone_db, other_tone_db):
    from demiurge.live.loading import load_db

    engine = engine_for(tone_db)
    x = steady_tone(TONES["mid"], 3.0)
    cut = 172 * 256  # a block boundary
    a = engine.render(x[:cut])
    engine.swap_db(load_db(other_tone_db))
    b = engine.render(x[cut:])
    y = np.concatenate([a, b])
    assert not engine.match()[0].endswith("mid.wav")
    # A continuous answer through the switch: no jump larger than the signals' own steps.
    assert np.abs(np.diff(y)).max() < 1.5 * max(np.abs(np.diff(a[cut // 2:])).max(),
                                                 np.abs(np.diff(b[cut // 2:])).max())


def test_db_with_other_descriptor_settings_is_refused(tone_db, tmp_path):
    from demiurge.dsp import MFCCConfig
    from demiurge.live.loading import load_db
    from demiurge.sequencer.describe import describe_folder

    engine = engine_for(tone_db)
    other = describe_folder(tone_db.parent / "audio", tmp_path / "db",
                            config=MFCCConfig(hop_length=512), log=lambda line: None).path
    with pytest.raises(DemiurgeError, match="differ from the running engine"):
        engine.swap_db(load_db(other))
    causal = describe_folder(tone_db.parent / "audio", tmp_path / "causal",
                             config=MFCCConfig(delta_causal=True), log=lambda line: None).path
    with pytest.raises(DemiurgeError, match="hop 1024, 44100 Hz, custom preset\\) differ from "
                                            "the running engine's .*, default preset\\)"):
        engine.swap_db(load_db(causal))


@pytest.mark.parametrize("search", ["exact", "hnsw"])
def test_weights_change_which_db_file_answers(tmp_path, search):
    """Known answer: the DB holds the mid tone 40 dB down and the high tone loud. A loud mid
    tone answers with the quiet mid tone (same timbre); with mfcc0, the loudness, counted ten
    times (set between blocks, as /demiurge/weights does) the loud high tone answers; back to
    equal weights, the quiet mid tone again."""
    from demiurge.data.audio import write_audio
    from demiurge.dsp import MFCCConfig
    from demiurge.sequencer.describe import describe_folder

    write_audio(tmp_path / "audio" / "mid_quiet.wav", steady_tone(TONES["mid"], 2.0) * 0.01,
                sample_rate=SR)
    write_audio(tmp_path / "audio" / "high_loud.wav", steady_tone(TONES["high"], 2.0),
                sample_rate=SR)
    db = describe_folder(tmp_path / "audio", tmp_path / "db",
                         config=MFCCConfig(delta_orders=0), log=lambda line: None).path
    pytest.importorskip("faiss") if search == "hnsw" else None
    engine = engine_for(db, events=True, search=search)
    x = steady_tone(TONES["mid"], 1.0, seed=3)

    def answers():
        engine.events.clear()
        engine.render(x)
        return {f.rsplit("/", 1)[-1] for f, _, _ in list(engine.events)[4:]}

    assert answers() == {"mid_quiet.wav"}
    engine.set("weights", "mfcc0=10")
    assert answers() == {"high_loud.wav"} and engine.params["weights"] == "mfcc0=10"
    engine.set("weights", "none")
    assert answers() == {"mid_quiet.wav"}


def test_file_render_through_the_cli_equals_the_engine(tone_db, tmp_path):
    import soundfile as sf

    from demiurge.data.audio import write_audio
    from demiurge.live import cli
    from live_fixtures import make_forecaster

    x = steady_tone(TONES["low"], 1.5)
    x[SR // 2:] += steady_tone(TONES["high"], 1.0, seed=5)
    src = write_audio(tmp_path / "in.wav", x, sample_rate=SR)
    predictor = tmp_path / "p.ts"
    torch.jit.script(make_forecaster(tone_db)).save(str(predictor))
    out = tmp_path / "out.wav"
    assert cli.main(["--db", str(tone_db), "--predictor", str(predictor), "--mode", "follow",
                     "--input-file", str(src), "--output-file", str(out)]) == 0
    rendered, sr = sf.read(out, dtype="float32")
    from demiurge.live.params import defaults
    from live_fixtures import NEAREST

    chosen_like_the_cli = {name: defaults()[name] for name in NEAREST}
    expected = engine_for(tone_db, mode="follow", **chosen_like_the_cli).render(x)
    assert sr == SR
    np.testing.assert_array_equal(rendered, expected)


def test_a_db_described_with_a_preset_plays_with_it_in_the_cli(burst_db, tmp_path, caplog):
    """`demiurge-live --db` takes the descriptor settings (the preset) from the DB: the file
    render of the CLI is the engine's on that DB, answering the burst after its latency."""
    import logging

    import soundfile as sf

    from demiurge.data.audio import write_audio
    from demiurge.dsp.config import preset_name
    from demiurge.live import cli
    from demiurge.live.params import defaults
    from demiurge.sequencer.db import DescriptorDB
    from live_fixtures import NEAREST, make_forecaster

    x = burst_signal([SR + 100], 2.0, seed=3)
    src = write_audio(tmp_path / "in.wav", x, sample_rate=SR)
    predictor = tmp_path / "p.ts"
    torch.jit.script(make_forecaster(burst_db)).save(str(predictor))
    out = tmp_path / "out.wav"
    with caplog.at_level(logging.INFO, logger="demiurge.live"):
        assert cli.main(["--db", str(burst_db), "--predictor", str(predictor), "--mode", "mosaic",
                         "--input-file", str(src), "--output-file", str(out)]) == 0
    name = preset_name(DescriptorDB.open(burst_db).config)
    assert f"{name} descriptor preset" in caplog.text
    rendered, _ = sf.read(out, dtype="float32")
    engine = engine_for(burst_db, **{n: defaults()[n] for n in NEAREST})
    np.testing.assert_array_equal(rendered, engine.render(x))
    assert engine.core.hop == {"live": 256, "default": 1024}[name]


def test_cli_refuses_bad_arguments_with_one_line(tone_db, predictor_ts, tmp_path, capsys):
    from demiurge.live import cli

    assert cli.main(["--db", str(tone_db), "--input-file", "x.wav"]) == 2
    assert "go together" in capsys.readouterr().err
    render = ["--input-file", "x.wav", "--output-file", str(tmp_path / "y.wav")]
    assert cli.main(["--db", str(tmp_path), "--predictor", str(predictor_ts), *render]) == 2
    assert "not a descriptor DB" in capsys.readouterr().err
    assert cli.main(["--db", str(tone_db), "--predictor", str(predictor_ts), "--samplerate",
                     "48000", *render]) == 2
    assert "differs from the DB's 44100 Hz" in capsys.readouterr().err
    assert cli.main(["--db", str(tone_db), "--predictor", str(predictor_ts), *render]) == 2
    assert "x.wav" in capsys.readouterr().err


def test_core_scripts_and_matches_eager(tone_db, tmp_path):
    """The per-block core (descriptors, forecaster, query, playback, mixing) scripts into one
    TorchScript module with the DB inside, which saves, loads and plays as the eager one."""
    engine = engine_for(tone_db)
    torch.jit.script(engine_for(tone_db).core).save(str(tmp_path / "core.ts"))
    scripted = torch.jit.load(str(tmp_path / "core.ts"))
    x = torch.from_numpy(steady_tone(TONES["high"], 0.5))
    for i in range(0, x.numel() - 256, 256):
        a = engine.core.process(x[None, i:i + 256])
        b = scripted.process(x[None, i:i + 256])
        torch.testing.assert_close(a, b)
    assert isinstance(engine.core, EngineCore) and a.abs().max() > 0.1
