"""``demiurge export DB --predictor RUN``: the whole sequencer as one nn~ model.

Its streaming output, through the nn~ host emulation at several buffer sizes, equals
demiurge-live's file render (``Engine.render``) of the same DB, predictor and settings; bad
input (a DB too big, a predictor of other descriptors, an attribute out of range) is refused
with a clear message."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from demiurge.cli import main
from demiurge.data.audio import load_audio
from demiurge.dsp import MFCCConfig
from demiurge.errors import DemiurgeError
from demiurge.plugin.host import NNHost, load_card
from demiurge.sequencer.query import weights_from_spec
from demiurge.sequencer.query_settings import parse_weights
from export_fixtures import make_predictor_run

# Settings away from every default: the export must carry each one as the host does.
SETTINGS = {"mode": "follow", "horizon": 2, "knn": 2, "avoid": 2, "continuity": 0.3,
            "drywet": 0.8, "gain": -6.0, "weights": "mfcc0=0.5,mfcc13-38=0.7"}
HOST_NAMES = {"knn": "k", "avoid": "avoid_repeats"}


@pytest.fixture(scope="module")
def recorded(material, tmp_path_factory):
    """A DB of the -20 dBFS material (GM renders, speech, Pd's sounds) and a predictor run
    described like it."""
    from demiurge.sequencer.describe import describe_folder

    root = tmp_path_factory.mktemp("seq")
    db = describe_folder(material.folder[-20], root / "db", log=lambda line: None).path
    return db, make_predictor_run(root / "pred", "lstm", window_size=6, forecast_size=2)


@pytest.fixture(scope="module")
def sequencer_ts(recorded, tmp_path_factory) -> Path:
    db, run = recorded
    out = tmp_path_factory.mktemp("seq-export")
    assert main(["export", str(db), "--predictor", str(run.path), "-o", str(out)]) == 0
    return out / "sequencer.ts"


def _host_render(db: Path, run, audio: np.ndarray, settings: dict, *, block: int,
                 float16: bool) -> np.ndarray:
    from demiurge.live.engine import Engine
    from demiurge.live.loading import load_db, load_forecaster

    params = {HOST_NAMES.get(k, k): v for k, v in settings.items()}
    loaded = load_db(db, search="exact")
    if float16:   # the audio as the .ts keeps it
        playback = loaded.answerer.playback
        playback.audio = playback.audio.half().float()
    engine = Engine(db=loaded, forecaster=load_forecaster(run.path), block=block, params=params)
    return engine.render(audio)


@pytest.mark.parametrize("mode", ["follow", "mosaic", "dream"])
def test_streaming_equals_the_host_render_at_every_buffer_size(recorded, sequencer_ts, material,
                                                               mode):
    db, run = recorded
    settings = dict(SETTINGS, mode=mode)
    card = load_card(sequencer_ts)
    assert card["kind"] == "sequencer" and card["source"]["db"]["audio_dtype"] == "float16"
    block = card["source"]["block"]
    audio = load_audio(material.folder[-20] / "speech_en.wav", sample_rate=44100)[:3 * 44100]
    want = _host_render(db, run, audio, settings, block=block, float16=True)
    wet = want - 0.8 * np.cos(0.4 * np.pi) * audio[:want.size] * 10 ** (-6 / 20)
    assert np.sqrt(np.mean(wet[44100:] ** 2)) > 1e-3   # an answer, not only the dry input
    for bufsize in (64, 512, 4096):
        host = NNHost(sequencer_ts)
        for name, value in settings.items():
            assert host.set_attribute(name, value) == 0, name
        got = host.stream("forward", torch.from_numpy(audio)[None, None], bufsize)[0, 0].numpy()
        np.testing.assert_allclose(got, want[:got.size], atol=2e-6, rtol=0,
                                   err_msg=f"buffer size {bufsize}")
    # float16 audio: the same choices, the samples within float16 rounding of the float32 DB's
    exact = _host_render(db, run, audio, settings, block=block, float16=False)
    assert 0 < np.abs(exact[:got.size] - got).max() < 2e-3


def test_card_and_attributes_follow_the_live_parameters(sequencer_ts):
    from demiurge.sequencer.controls import PARAMS_BY_NAME

    card = load_card(sequencer_ts)
    attrs = {a["name"]: a for a in card["attributes"]}
    assert list(attrs) == ["mode", "drywet", "gain", "knn", "avoid", "continuity", "horizon",
                           "temperature", "weights"]
    assert attrs["knn"]["maximum"] == PARAMS_BY_NAME["k"].maximum
    assert attrs["mode"]["choices"] == ["mosaic", "follow", "dream"]
    assert card["methods"][0]["latency"] > 0 and card["source"]["db"]["frames"] > 100
    # the DB's audio once, in float16, whatever the mc.nn~ batch (each item has its own state)
    audio_bytes = 2 * card["source"]["db"]["audio_seconds"] * card["sample_rate"]
    assert card["source"]["batch"] == 2
    assert audio_bytes < sequencer_ts.stat().st_size < 2 * audio_bytes


@pytest.mark.parametrize("name, value", [
    ("knn", 0), ("knn", 65), ("avoid", -1), ("continuity", 1.5), ("drywet", -0.1),
    ("gain", 13.0), ("horizon", 0), ("temperature", 5.0), ("mode", "loop"),
    ("weights", "mfcc99=1"), ("weights", "mfcc0=x"), ("weights", "mfcc0-38=0")])
def test_an_attribute_out_of_range_is_refused_and_kept(sequencer_ts, name, value):
    host = NNHost(sequencer_ts)
    before = host.get_attribute(name)
    assert host.set_attribute(name, value) == -1
    assert host.get_attribute(name) == before


@pytest.mark.parametrize("spec", ["", "none", "mfcc0=0", "mfcc0=0, mfcc13-38=0.5",
                                  "mfcc1-mfcc3=2 mfcc38=0.25", "mfcc0=0,mfcc0=1"])
def test_the_scripted_weights_parser_agrees_with_the_host(spec):
    names = MFCCConfig().feature_names
    scripted = torch.jit.script(weights_from_spec)
    np.testing.assert_array_equal(scripted(spec, len(names)).numpy(), parse_weights(spec, names))


@pytest.mark.parametrize("spec", ["mfcc39=1", "mfcc0", "foo=1", "mfcc3-1=1", "mfcc0=-1",
                                  "mfcc0-38=0"])
def test_the_scripted_weights_parser_refuses_what_the_host_refuses(spec):
    names = MFCCConfig().feature_names
    assert weights_from_spec(spec, len(names)).numel() == 0
    with pytest.raises(DemiurgeError):
        parse_weights(spec, names)


def test_a_db_too_big_is_refused_with_the_limit(recorded, tmp_path, monkeypatch, capsys):
    import demiurge.plugin.sequencer as sequencer

    db, run = recorded
    monkeypatch.setattr(sequencer, "MAX_FRAMES", 100)
    assert main(["export", str(db), "--predictor", str(run.path), "-o", str(tmp_path)]) == 2
    assert "holds at most 100 frames and 30 minutes of audio" in capsys.readouterr().err
    assert not (tmp_path / "sequencer.ts").exists()
    monkeypatch.setattr(sequencer, "MAX_FRAMES", 100_000)
    monkeypatch.setattr(sequencer, "MAX_AUDIO_SECONDS", 6.0)
    assert main(["export", str(db), "--predictor", str(run.path), "-o", str(tmp_path)]) == 2
    assert "at most 100000 frames and 0 minutes" in capsys.readouterr().err


def test_a_predictor_of_other_descriptors_is_refused(recorded, tmp_path, capsys):
    db, _ = recorded
    other = make_predictor_run(tmp_path / "static", "lstm", mfcc=MFCCConfig(delta_orders=0))
    assert main(["export", str(db), "--predictor", str(other.path), "-o", str(tmp_path)]) == 2
    assert re.search(r"\(13 features.*than the DB .* \(39 features", capsys.readouterr().err)


def test_a_db_needs_a_predictor_and_a_predictor_a_db(recorded, tmp_path, capsys):
    db, run = recorded
    assert main(["export", str(db), "-o", str(tmp_path)]) == 2
    assert "is a descriptor DB: add --predictor RUN" in capsys.readouterr().err
    assert main(["export", str(run.path), "--predictor", str(run.path), "-o", str(tmp_path)]) == 2
    assert "give one DB folder (got 0)" in capsys.readouterr().err
