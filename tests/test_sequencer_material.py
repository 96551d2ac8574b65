"""The sequencer on realistic recordings (tests/material.py), through the real CLI: describe,
train each of the four predictors (tiny, a few steps), predict from what sounds, render.

Known answers: N predicted frames render to N x hop samples per input; the render is audible
(RMS within 14 dB of the inputs'); different inputs give different forecasts and audio;
``--context-end`` moves the context and bad values are one clear line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from demiurge.cli import main
from demiurge.data.audio import load_audio
from demiurge.sequencer.db import DescriptorDB
from demiurge.sequencer.predictors import MODELS
from material import SR, rms_db

W, F, N = 4, 2, 40
TINY = ["--window-size", str(W), "--forecast-size", str(F), "--hidden-size", "16",
        "--num-layers", "1", "--dim-pos-encoding", "3", "--nhead", "3", "--dim-feedforward", "16",
        "--batch-size", "16", "--val-every", "10", "--max-steps", "20"]


@pytest.fixture(scope="module")
def corpus(material, tmp_path_factory):
    """The -20 dBFS recordings described into a DB."""
    root = tmp_path_factory.mktemp("seqmat")
    assert main(["describe", str(material.folder[-20]), "-o", str(root / "db")]) == 0
    return root, DescriptorDB.open(root / "db")


@pytest.fixture(scope="module", params=sorted(MODELS))
def trained(request, corpus):
    root, db = corpus
    run = root / request.param
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WANDB_MODE", "disabled")
        assert main(["train", "predictor", "--db", str(db.path), "--model", request.param,
                     "-o", str(run), "--no-export", *TINY]) == 0
    return run


def inputs(material, level=-20):
    """Three inputs of different kinds at one level."""
    names = ("piano.wav", "speech_en.wav", "pd_bell.wav")
    return [material.folder[level] / n for n in names]


def test_round_trip_renders_audible_audio_different_per_input(material, corpus, trained,
                                                             tmp_path, capsys):
    root, db = corpus
    src = tmp_path / "inputs"
    src.mkdir()
    for path in inputs(material):
        (src / path.name).symlink_to(path)
    pred = tmp_path / "pred"
    assert main(["predict", str(trained), "--input", str(src), "--length", str(N),
                 "-o", str(pred)]) == 0
    out = capsys.readouterr().out
    for path in inputs(material):  # the trimming is reported per file
        assert f"{src / path.name}: sounds " in out
    p = DescriptorDB.open(pred)
    assert [f.frames for f in p.files] == [N] * 3
    contexts = p.meta["contexts"]
    for c, f in zip(contexts, db.files):
        assert c["context_end"] == c["last_sounding"]
    seqs = [s for _, s in p.sequences()]
    assert not np.allclose(seqs[0], seqs[1]) and not np.allclose(seqs[1], seqs[2])

    wav = tmp_path / "render.wav"
    assert main(["render", "--predictions", str(pred), "--db", str(db.path),
                 "-o", str(wav)]) == 0
    audio = load_audio(wav, sample_rate=SR, allow_silent=True)
    hop = db.config.hop_length
    assert audio.shape[0] == 3 * N * hop
    pieces = audio.reshape(3, N * hop)
    sources = [load_audio(path, sample_rate=SR) for path, _ in p.sequences()]
    # audible: the render's RMS within 14 dB of the inputs' (the forecast of a silent tail,
    # the old behaviour, lay 37 dB under); each input's piece far above silence too
    assert abs(rms_db(audio) - rms_db(np.concatenate(sources))) < 14.0
    for piece, source in zip(pieces, sources):
        assert abs(rms_db(piece) - rms_db(source)) < 24.0
    assert not np.allclose(pieces[0], pieces[1]) and not np.allclose(pieces[1], pieces[2])


def test_context_end_moves_the_context_and_bad_values_are_one_line(material, corpus, tmp_path,
                                                                   capsys):
    root, db = corpus
    run = root / "lstm"
    if not run.exists():
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("WANDB_MODE", "disabled")
            assert main(["train", "predictor", "--db", str(db.path), "--model", "lstm",
                         "-o", str(run), "--no-export", *TINY]) == 0
    piano = material.folder[-20] / "piano.wav"
    at = 1.0
    assert main(["predict", str(run), "--input", str(piano), "--length", "5",
                 "-o", str(tmp_path / "p"), "--context-end", str(at)]) == 0
    meta = json.loads((tmp_path / "p" / "db.json").read_text())
    (c,) = meta["contexts"]
    assert c["context_end"] == round(at * SR / db.config.hop_length)
    assert c["context_end"] - c["context_start"] == W - 1
    assert meta["context_end_seconds"] == at
    capsys.readouterr()
    for bad, words in (("-1", "must be a time in seconds >= 0"),
                       ("nan", "must be a time in seconds >= 0"),
                       ("60", "lies after its end"),
                       ("0.01", "fewer frames than the predictor's window")):
        assert main(["predict", str(run), "--input", str(piano), "--length", "5",
                     "-o", str(tmp_path / f"bad{bad}"), "--context-end", bad]) != 0
        err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert len(err) == 1 and words in err[0], (bad, err)


def test_ignoring_mfcc0_matches_the_corpus_at_any_level(material, tmp_path):
    """Known answer: a gain changes mfcc0 only (the floor is amin), so with ``--ignore mfcc0``
    a recording (Pd's voice, left out of this DB) and the same recording 20 dB up match the
    very same DB frames, while with every descriptor weighted the louder copy matches other
    frames."""
    import librosa
    import soundfile as sf

    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    for path in material.files(-20):
        if path.name != "pd_voice.wav":
            (corpus_dir / path.name).symlink_to(path)
    assert main(["describe", str(corpus_dir), "-o", str(tmp_path / "db")]) == 0
    db = DescriptorDB.open(tmp_path / "db")
    # 44.1 kHz recorded speech: no mel band at the floor, so the gain law holds on every frame
    y = load_audio(material.folder[-20] / "pd_voice.wav", sample_rate=SR)
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=2048, hop_length=1024, n_mels=128)
    clear = mel.min(0) > 10 * db.config.amin  # frames with no band at the floor
    assert clear.mean() > 0.5
    matched = {}
    for gain in (1.0, 10.0):
        folder = tmp_path / f"in{gain:g}"
        folder.mkdir()
        sf.write(folder / "voice.wav", y * gain, SR, subtype="FLOAT")
        assert main(["describe", str(folder), "-o", str(tmp_path / f"q{gain:g}")]) == 0
        for ignore in ("", "mfcc0"):
            out = tmp_path / f"r{gain:g}{ignore}.wav"
            assert main(["render", "--predictions", str(tmp_path / f"q{gain:g}"),
                         "--db", str(db.path), "-o", str(out), "--k", "1",
                         "--avoid-repeats", "0", "--continuity", "0", "--ignore", ignore]) == 0
            layout = json.loads(out.with_suffix(".json").read_text())
            matched[gain, ignore] = np.array([f"{i}@{s}" for i, s in
                                              zip(layout["_id"], layout["_sample"])])
    same = matched[1.0, "mfcc0"] == matched[10.0, "mfcc0"]
    assert same[clear].all()
    differ = matched[1.0, ""] != matched[10.0, ""]
    assert differ[clear].mean() > 0.2  # measured 0.30
    # --weights mfcc0=0 is the same thing
    out = tmp_path / "w.wav"
    assert main(["render", "--predictions", str(tmp_path / "q10"), "--db", str(db.path),
                 "-o", str(out), "--k", "1", "--avoid-repeats", "0", "--continuity", "0",
                 "--weights", "mfcc0=0"]) == 0
    layout = json.loads(out.with_suffix(".json").read_text())
    assert [f"{i}@{s}" for i, s in zip(layout["_id"], layout["_sample"])] == \
        matched[10.0, "mfcc0"].tolist()


def test_map_draws_the_db_and_a_render_path(corpus, tmp_path, capsys):
    import matplotlib.image

    root, db = corpus
    first = db.files[2]
    pred = DescriptorDB.write(tmp_path / "pred", config=db.config,
                              entries=[("f", np.asarray(db.features[first.first: first.first + 30]))],
                              extra={"kind": "predictions"})
    wav = tmp_path / "r.wav"
    assert main(["render", "--predictions", str(pred.path), "--db", str(db.path),
                 "-o", str(wav)]) == 0
    png = tmp_path / "map.png"
    assert main(["map", str(db.path), "-o", str(png), "--render", str(wav)]) == 0
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 400 and image.shape[1] > 500
    assert image[..., :3].std() > 0.05  # something is drawn
    assert "with the render path" in capsys.readouterr().out
    # a JSON that is not a render of this DB is one clear line
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"_id": ["/elsewhere.wav"], "_sample": [0]}))
    assert main(["map", str(db.path), "-o", str(tmp_path / "m2.png"), "--render", str(bad)]) != 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "not a frame of the DB" in err[0]
    assert not (tmp_path / "m2.png").exists()
