"""`demiurge generate`: UNAGAN + vocoder -> the RAW GENERATED AUDIO DB (tiny trained runs)."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest
import soundfile as sf

from demiurge.cli import main
from demiurge.data.audio import load_audio, scan_audio
from demiurge.errors import DemiurgeError
from demiurge.synthesis import generate
from synth_helpers import unagan_args, vocoder_args

generate_module = importlib.import_module("demiurge.synthesis.generate")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    import soundfile

    from conftest import tone

    root = tmp_path_factory.mktemp("runs")
    audio = root / "audio"
    audio.mkdir()
    for i, f in enumerate((110.0, 220.0, 330.0)):
        soundfile.write(str(audio / f"t{i}.wav"), tone(1.0, freq=f, seed=i), 44100)
    assert main(vocoder_args(audio, root / "vocoder")) == 0
    assert main(unagan_args(audio, root / "unagan")) == 0
    assert main(unagan_args(audio, root / "unagan_centre", extra=["--mel-padding", "center"])) == 0
    return root


def test_generate_writes_the_raw_db(runs, tmp_path):
    out = tmp_path / "raw"
    assert main(["generate", "--unagan", str(runs / "unagan"), "--vocoder", str(runs / "vocoder"),
                 "-n", "3", "--duration", "0.7", "--seed", "11", "-o", str(out)]) == 0
    manifest = json.loads((out / "generated.json").read_text())
    assert [f["seed"] for f in manifest["files"]] == [11, 12, 13]
    assert manifest["unagan"]["run_id"] and manifest["vocoder"]["run_id"]
    files = scan_audio(out)
    assert [p.name for p in files] == [f["file"] for f in manifest["files"]]
    for path in files:
        audio, sr = sf.read(str(path), dtype="float32")
        assert sr == 44100 and audio.shape == (round(0.7 * 44100),)
        assert np.all(np.isfinite(audio)) and np.max(np.abs(audio)) <= 1.0
        assert np.max(np.abs(audio)) > 0.5  # normalised, not silent
        load_audio(path, sample_rate=44100)  # what `describe` will read
    # Different seeds give different sounds; the same seed gives the same sound again.
    a, b = (sf.read(str(p))[0] for p in files[:2])
    assert not np.allclose(a, b)
    again = generate(unagan=runs / "unagan", vocoder=runs / "vocoder", n=1, duration=0.7, seed=12,
                     out_dir=tmp_path / "again", log=lambda _: None)
    np.testing.assert_array_equal(sf.read(str(again[0]))[0], b)


def test_generate_refuses_bad_requests(runs, tmp_path, capsys):
    args = ["generate", "--unagan", str(runs / "unagan_centre"), "--vocoder", str(runs / "vocoder"),
            "-n", "1", "--duration", "0.5", "-o", str(tmp_path / "x")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "different mel settings (padding: center vs causal)" in err
    assert not (tmp_path / "x").exists()

    generate(unagan=runs / "unagan", vocoder=runs / "vocoder", n=1, duration=0.3, out_dir=tmp_path / "y",
             log=lambda _: None)
    with pytest.raises(DemiurgeError, match="already holds audio"):
        generate(unagan=runs / "unagan", vocoder=runs / "vocoder", n=1, duration=0.3, out_dir=tmp_path / "y")
    with pytest.raises(DemiurgeError, match="positive number of seconds"):
        generate(unagan=runs / "unagan", vocoder=runs / "vocoder", n=1, duration=0, out_dir=tmp_path / "z")
    with pytest.raises(DemiurgeError, match="vocoder run is needed"):
        generate(unagan=runs / "unagan", vocoder=runs / "unagan", n=1, duration=1, out_dir=tmp_path / "z")
    with pytest.raises(DemiurgeError, match="no run directory or run id"):
        generate(unagan=tmp_path / "nope", vocoder=runs / "vocoder", n=1, duration=1, out_dir=tmp_path / "z")


def test_finished_runs_export_themselves_for_nn_tilde(runs, tmp_path, capsys):
    """A vocoder run ends with RUN/export/<run>.ts; a UNAGAN run with --vocoder exports the pair,
    and without one it says how to export it instead."""
    import torch

    audio = runs / "audio"
    assert main(vocoder_args(audio, tmp_path / "voc", export=True)) == 0
    ts = tmp_path / "voc" / "export" / "voc.ts"
    assert ts.exists() and ts.with_suffix(".json").exists()
    assert {"forward", "encode", "decode"} <= set(torch.jit.load(str(ts)).get_methods())

    assert main(unagan_args(audio, tmp_path / "gan", export=True,
                            extra=["--vocoder", str(tmp_path / "voc")])) == 0
    assert (tmp_path / "gan" / "export" / "gan.ts").exists()

    capsys.readouterr()
    assert main(unagan_args(audio, tmp_path / "lone", export=True)) == 0
    assert "--vocoder" in capsys.readouterr().out
    assert not (tmp_path / "lone" / "export").exists()


def test_generated_files_carry_no_dc_and_stay_within_full_scale(runs, tmp_path):
    """A briefly trained vocoder's output is mostly DC: the written files are centred, peak at
    0.95, and hold no sample beyond +-1 (with --no-normalize too)."""
    for extra, peak in (([], 0.95), (["--no-normalize"], None)):
        out = tmp_path / f"raw{len(extra)}"
        assert main(["generate", "--unagan", str(runs / "unagan"), "--vocoder", str(runs / "vocoder"),
                     "-n", "2", "--duration", "1.0", "--seed", "3", "-o", str(out), *extra]) == 0
        for path in scan_audio(out):
            audio, sr = sf.read(str(path), dtype="float64")
            rms = float(np.sqrt(np.mean(audio ** 2)))
            assert abs(audio.mean()) < 0.01 * max(rms, 1e-6), path
            assert np.max(np.abs(audio)) <= 1.0
            if peak is not None:
                assert np.max(np.abs(audio)) == pytest.approx(peak, abs=1e-6)
        manifest = json.loads((out / "generated.json").read_text())
        assert manifest["dc_highpass_hz"] == generate_module.DC_CUTOFF_HZ


def test_dc_removal_keeps_speech_and_removes_the_offset():
    """Known answer: speech plus a 0.2 offset comes back centred, with its spectrum above 100 Hz
    unchanged (within 0.5 % of the power) and what lies below 10 Hz (the offset and espeak's
    slow drift) removed."""
    from speech import speech

    voice, sr = speech("Seven slow swans sailed south.", peak_db=-12.0)
    out = generate_module.remove_dc(voice + 0.2, sample_rate=sr)
    assert abs(out.mean()) < 1e-5

    def band_power(x, lo, hi):
        spectrum = np.abs(np.fft.rfft(x - x.mean())) ** 2
        freqs = np.fft.rfftfreq(x.shape[0], 1 / sr)
        return spectrum[(freqs >= lo) & (freqs < hi)].sum()

    assert band_power(out, 100, sr / 2) == pytest.approx(band_power(voice, 100, sr / 2), rel=5e-3)
    assert band_power(out, 0, 10) < 0.01 * band_power(voice, 0, 10)
