"""The one MFCC module and the one log-mel module: librosa agreement, streaming == offline,
TorchScript round trips, bad settings.

Tolerances (measured on these signals, float32): static MFCC vs librosa <= 5e-4 absolute on
coefficients up to ~200 (measured ~1e-4: float32 FFT and matrix products vs librosa's float32
/float64 mix); deltas vs ``librosa.feature.delta`` on interior frames <= 5e-5 (measured ~1e-5);
streaming vs offline <= 2e-4 (measured ~3e-5: the same operations on differently sized
batches round differently); log-mel vs librosa <= 1e-4 (log10 units).
"""

from __future__ import annotations

import io

import librosa
import numpy as np
import pytest
import scipy.fft
import torch

from conftest import SR, tone
from demiurge.dsp import LogMel, MelConfig, MFCCConfig, Descriptors, spectral
from demiurge.errors import DemiurgeError


def signal(seconds=3.0, gain=2.5, seed=0):
    """Harmonic tone with vibrato and noise, peaking near full scale."""
    return tone(seconds, freq=220.0, seed=seed) * gain


def describe(cfg: MFCCConfig, y: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return Descriptors(cfg)(torch.from_numpy(y)[None])[0].numpy()


def librosa_mel_power(y, cfg: MFCCConfig):
    return librosa.feature.melspectrogram(y=y, sr=cfg.sample_rate, n_fft=cfg.n_fft,
                                          hop_length=cfg.hop_length, n_mels=cfg.n_mels,
                                          power=2.0, center=True, pad_mode="constant")


@pytest.mark.parametrize("cfg", [MFCCConfig(top_db=None),
                                 MFCCConfig(top_db=None, hop_length=512, n_mels=64, n_mfcc=20)])
def test_static_mfcc_matches_librosa(cfg):
    y = signal()
    ours = describe(cfg, y)
    ref = librosa.feature.mfcc(S=librosa.power_to_db(librosa_mel_power(y, cfg), top_db=None),
                               n_mfcc=cfg.n_mfcc)
    assert ours.shape == (cfg.n_features, y.shape[0] // cfg.hop_length + 1) == (
        cfg.n_features, ref.shape[1])
    np.testing.assert_allclose(ours[: cfg.n_mfcc], ref, rtol=0, atol=5e-4)


def test_deltas_match_librosa_on_interior_frames():
    cfg = MFCCConfig(top_db=None)
    y = signal()
    ours = describe(cfg, y)
    static = ours[:13]
    w = cfg.delta_width // 2
    for order in (1, 2):
        mine = ours[13 * order: 13 * (order + 1), w:-w]
        ref = librosa.feature.delta(static, width=cfg.delta_width, order=order)[:, w:-w]
        np.testing.assert_allclose(mine, ref, rtol=0, atol=5e-5)
    # And against librosa's whole pipeline (its own MFCC, then its deltas).
    lib = librosa.feature.mfcc(S=librosa.power_to_db(librosa_mel_power(y, cfg), top_db=None),
                               n_mfcc=13)
    np.testing.assert_allclose(ours[13:26, w:-w], librosa.feature.delta(lib, width=9)[:, w:-w],
                               rtol=0, atol=5e-5)
    # Known answer: a ramp of slope 1 in every coefficient has delta 1 and delta-delta 0.
    ramp = torch.arange(20.0).repeat(1, 13, 1)
    feats = Descriptors(cfg).with_deltas(ramp)
    assert feats.shape == (1, 39, 20 - 2 * w)
    torch.testing.assert_close(feats[0, :13], ramp[0, :, w:-w])
    torch.testing.assert_close(feats[0, 13:26], torch.ones(13, 20 - 2 * w))
    torch.testing.assert_close(feats[0, 26:], torch.zeros(13, 20 - 2 * w), rtol=0, atol=1e-5)


def test_top_db_floor_is_librosa_with_a_fixed_reference():
    cfg = MFCCConfig()  # top_db 80 below a full-scale sine
    y = signal(gain=0.02)  # quiet: part of the mel bins fall under the floor
    mel_db = librosa.power_to_db(librosa_mel_power(y, cfg), top_db=None)
    floor = spectral.full_scale_db(cfg.n_fft) - cfg.top_db
    assert 0.05 < (mel_db < floor).mean() < 0.95
    emulated = scipy.fft.dct(np.maximum(mel_db, floor), axis=0, type=2, norm="ortho")[:13]
    np.testing.assert_allclose(describe(cfg, y)[:13], emulated, rtol=0, atol=5e-4)
    # Without the floor the quiet bins would differ: the test can tell the two apart.
    assert np.abs(describe(cfg.replace(top_db=None), y)[:13] - emulated).max() > 1.0


def test_full_scale_db_is_the_peak_bin_power_of_a_full_scale_sine():
    n = 2048
    k = 100  # a sine exactly on bin k
    frame = np.sin(2 * np.pi * k * np.arange(n) / n)
    power = np.abs(np.fft.rfft(frame * spectral.hann_window(n).numpy())) ** 2
    assert 10 * np.log10(power.max()) == pytest.approx(spectral.full_scale_db(n), abs=1e-6)


@pytest.mark.parametrize("cfg", [MFCCConfig(), MFCCConfig(hop_length=512, delta_orders=1)])
@pytest.mark.parametrize("blocks", [1, 2, 3, 8])
def test_streaming_equals_offline_after_the_reported_latency(cfg, blocks):
    y = signal(seconds=2.0)
    block = blocks * cfg.hop_length
    n = y.shape[0] // block * block
    d = Descriptors(cfg).eval()
    with torch.no_grad():
        offline = d(torch.from_numpy(y[None, :n]))[0]
        d.reset()
        streamed = torch.cat([d.stream(torch.from_numpy(y[None, i: i + block]))
                              for i in range(0, n, block)], dim=2)[0]
    lat = d.latency_frames
    assert lat == cfg.n_fft // 2 // cfg.hop_length - 1 + cfg.delta_width // 2
    assert d.latency_samples == lat * cfg.hop_length
    assert streamed.shape == (cfg.n_features, n // cfg.hop_length)
    assert torch.equal(streamed[:, :lat], torch.zeros(cfg.n_features, lat))
    # Call k emits frame k - latency; every emitted frame's windows lie inside the signal.
    torch.testing.assert_close(streamed[:, lat:], offline[:, : streamed.shape[1] - lat],
                               rtol=0, atol=2e-4)


def test_stream_reset_and_batch():
    y = np.stack([signal(1.0, seed=1), signal(1.0, seed=2)]).astype(np.float32)
    d = Descriptors().eval()
    with torch.no_grad():
        both = d.stream(torch.from_numpy(y[:, :8192]))
        d.reset()
        one = d.stream(torch.from_numpy(y[1:, :8192]))
        d.reset()
        again = d.stream(torch.from_numpy(y[1:, :8192]))
    assert both.shape == (2, 39, 8)
    torch.testing.assert_close(both[1:], one, rtol=0, atol=2e-4)
    assert torch.equal(one, again)


def test_stream_rejects_a_block_that_is_not_whole_hops():
    with pytest.raises(ValueError, match="multiple of hop_length"):
        Descriptors().stream(torch.zeros(1, 1000))
    with pytest.raises(ValueError, match="multiple of hop_length"):
        LogMel().stream(torch.zeros(1, 1000))


def test_logmel_matches_librosa_in_both_paddings():
    y = signal(1.0, gain=0.5)
    for padding in ("causal", "center"):
        cfg = MelConfig(padding=padding)
        with torch.no_grad():
            ours = LogMel(cfg)(torch.from_numpy(y)[None])[0].numpy()
        extra = cfg.n_fft - cfg.hop_length
        pad = (extra, 0) if padding == "causal" else (extra // 2, extra // 2)
        padded = np.pad(y[: y.shape[0] // cfg.hop_length * cfg.hop_length], pad,
                        mode="constant" if padding == "causal" else "reflect")
        mag = np.abs(librosa.stft(padded, n_fft=cfg.n_fft, hop_length=cfg.hop_length, center=False))
        mel = librosa.filters.mel(sr=cfg.sample_rate, n_fft=cfg.n_fft, n_mels=cfg.n_mels) @ mag
        ref = np.log10(np.maximum(mel, cfg.log_floor))
        assert ours.shape == ref.shape == (cfg.n_mels, y.shape[0] // cfg.hop_length)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-4)


@pytest.mark.parametrize("blocks", [1, 3, 16])
def test_logmel_streaming_equals_offline(blocks):
    y = signal(1.0, gain=0.5)
    mel = LogMel().eval()
    block = blocks * mel.hop
    n = y.shape[0] // block * block
    with torch.no_grad():
        offline = mel(torch.from_numpy(y[None, :n]))
        mel.reset()
        streamed = torch.cat([mel.stream(torch.from_numpy(y[None, i: i + block]))
                              for i in range(0, n, block)], dim=2)
    torch.testing.assert_close(streamed, offline, rtol=0, atol=1e-5)


def test_centre_padded_logmel_cannot_stream():
    with pytest.raises(ValueError, match="only the causal mel can stream"):
        LogMel(MelConfig(padding="center")).stream(torch.zeros(1, 256))


def round_trip(module):
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(module), buf)
    buf.seek(0)
    return torch.jit.load(buf)


def test_descriptors_torchscript_round_trip():
    eager = Descriptors().eval()
    loaded = round_trip(eager)
    y = torch.from_numpy(signal(1.0))[None]
    with torch.no_grad():
        assert torch.equal(loaded(y), eager(y))
        eager.reset()
        loaded.reset()
        for i in range(0, 16 * 1024, 2048):
            assert torch.equal(loaded.stream(y[:, i: i + 2048]), eager.stream(y[:, i: i + 2048]))
    assert loaded.latency_frames == eager.latency_frames


def test_logmel_torchscript_round_trip():
    eager = LogMel().eval()
    loaded = round_trip(eager)
    y = torch.from_numpy(signal(0.5, gain=0.5))[None]
    with torch.no_grad():
        assert torch.equal(loaded(y), eager(y))
        assert torch.equal(loaded.stream(y[:, :1024]), eager.stream(y[:, :1024]))


@pytest.mark.parametrize("kw, message", [
    (dict(n_fft=3000), "must be even and n_fft/2 a multiple of hop_length"),
    (dict(hop_length=768), "must be even and n_fft/2 a multiple of hop_length"),
    (dict(delta_width=8), "delta_width must be odd"),
    (dict(delta_orders=3), "delta_orders must be 0, 1 or 2"),
    (dict(n_mfcc=200), "cannot exceed n_mels"),
])
def test_bad_mfcc_settings_are_clear_errors(kw, message):
    with pytest.raises(DemiurgeError, match=message):
        MFCCConfig(**kw)


@pytest.mark.parametrize("kw, message", [
    (dict(padding="same"), "padding must be 'causal' or 'center'"),
    (dict(n_fft=200), "must be >= hop_length"),
])
def test_bad_mel_settings_are_clear_errors(kw, message):
    with pytest.raises(DemiurgeError, match=message):
        MelConfig(**kw)


def test_unknown_setting_in_a_stored_config_is_a_clear_error():
    with pytest.raises(DemiurgeError, match="unknown MFCCConfig setting"):
        MFCCConfig.from_dict({"hop": 512})


def test_long_signals_are_analysed_in_chunks_with_the_same_result():
    y = torch.from_numpy(signal(2.0))[None]
    d = Descriptors().eval()
    with torch.no_grad():
        whole = d(y)
        d.chunk_frames = 7  # 87 frames in 13 chunks
        chunked = d(y)
    torch.testing.assert_close(chunked, whole, rtol=0, atol=2e-4)
