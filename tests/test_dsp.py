"""The one MFCC module and the one log-mel module: librosa agreement on real recordings at
every level, the gain law, streaming == offline, TorchScript round trips, bad settings.

Tolerances (measured on the realistic material of ``tests/material.py`` at 0, -20 and -40 dBFS
peak, float32): every one of the 39 descriptors vs ``librosa.feature.mfcc`` (on
``power_to_db(mel, top_db=None)``) and ``librosa.feature.delta`` within 0.02 absolute on every
sounding frame (measured <= 0.008, i.e. below 1e-3 of each coefficient's spread); deltas are
compared on frames whose delta window lies inside the file (librosa fits a polynomial at the
edges). Streaming vs offline <= 2e-3 (measured ~5e-4 on values up to ~1100: the same
operations on differently sized batches round differently); log-mel vs librosa <= 1e-4.
"""

from __future__ import annotations

import io
import math

import librosa
import numpy as np
import pytest
import torch

from conftest import tone
from demiurge.data.audio import load_audio
from demiurge.dsp import LogMel, MelConfig, MFCCConfig, Descriptors
from demiurge.dsp.config import MFCC_PRESETS, mfcc_preset, preset_name
from demiurge.errors import DemiurgeError
from material import LEVELS_DB, SR


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


def librosa_descriptors(y, cfg: MFCCConfig) -> np.ndarray:
    """librosa's 39 descriptors with the amin-only floor: ``float[F x frames]``."""
    static = librosa.feature.mfcc(S=librosa.power_to_db(librosa_mel_power(y, cfg), top_db=None),
                                  n_mfcc=cfg.n_mfcc)
    deltas = [librosa.feature.delta(static, width=cfg.delta_width, order=o)
              for o in range(1, cfg.delta_orders + 1)]
    return np.concatenate([static, *deltas])


def sounding(y, cfg: MFCCConfig) -> np.ndarray:
    """``bool[frames]``: frames whose analysis window holds a non-zero sample."""
    padded = np.pad(y, cfg.n_fft // 2)
    frames = librosa.util.frame(padded, frame_length=cfg.n_fft, hop_length=cfg.hop_length)
    return np.abs(frames).max(0) > 0


def recordings(material, level):
    return [(p.name, load_audio(p, sample_rate=SR)) for p in material.files(level)]


@pytest.mark.parametrize("level", LEVELS_DB)
def test_descriptors_equal_librosa_on_recordings_at_every_level(material, level):
    cfg = MFCCConfig()
    w = cfg.delta_width // 2
    for name, y in recordings(material, level):
        ours, ref = describe(cfg, y), librosa_descriptors(y, cfg)
        assert ours.shape == ref.shape == (39, y.shape[0] // cfg.hop_length + 1), name
        keep = sounding(y, cfg)
        assert keep.mean() > 0.5, name  # the comparison is about sound, not silence
        np.testing.assert_allclose(ours[:13, keep], ref[:13, keep], rtol=0, atol=0.02,
                                   err_msg=name)
        inner = keep.copy()
        inner[:w], inner[-w:] = False, False
        np.testing.assert_allclose(ours[13:, inner], ref[13:, inner], rtol=0, atol=0.02,
                                   err_msg=name)


def test_other_settings_equal_librosa_too(material):
    cfg = MFCCConfig(hop_length=512, n_mels=64, n_mfcc=20)
    for name, y in recordings(material, -20)[:3]:
        ours, ref = describe(cfg, y), librosa_descriptors(y, cfg)
        keep = sounding(y, cfg)
        np.testing.assert_allclose(ours[:20, keep], ref[:20, keep], rtol=0, atol=0.02,
                                   err_msg=name)


def test_a_gain_shifts_mfcc0_by_the_exact_constant_and_nothing_else(material):
    cfg = MFCCConfig()
    gain_db = -20.0
    checked = 0
    for name, y in recordings(material, 0):
        quiet = (y.astype(np.float64) * 10 ** (gain_db / 20)).astype(np.float32)
        loud_d, quiet_d = describe(cfg, y), describe(cfg, quiet)
        # frames where no mel band reaches the amin floor at the lower level (not silence)
        mel = librosa_mel_power(quiet, cfg)
        ok = mel.min(0) > 10 * cfg.amin
        checked += ok.sum()
        shift = gain_db * math.sqrt(cfg.n_mels)  # every band gains gain_db; DCT row 0
        np.testing.assert_allclose(quiet_d[0, ok] - loud_d[0, ok], shift, rtol=0, atol=0.01,
                                   err_msg=name)
        np.testing.assert_allclose(quiet_d[1:13, ok], loud_d[1:13, ok], rtol=0, atol=0.01,
                                   err_msg=name)
        # the deltas of frames whose whole delta window is above the floor do not move either
        w = cfg.delta_width // 2
        window_ok = np.convolve(ok, np.ones(2 * w + 1), "same") == 2 * w + 1
        np.testing.assert_allclose(quiet_d[13:, window_ok], loud_d[13:, window_ok], rtol=0,
                                   atol=0.01, err_msg=name)
    assert checked > 500


def test_digital_silence_sits_on_the_amin_floor():
    cfg = MFCCConfig()
    feats = describe(cfg, np.zeros(8 * cfg.hop_length, np.float32))
    np.testing.assert_allclose(feats[0], 10 * math.log10(cfg.amin) * math.sqrt(cfg.n_mels),
                               rtol=1e-5)
    np.testing.assert_allclose(feats[1:], 0.0, atol=1e-3)


def test_deltas_of_a_ramp_are_its_slope():
    cfg = MFCCConfig()
    w = cfg.delta_width // 2
    ramp = torch.arange(20.0).repeat(1, 13, 1)
    feats = Descriptors(cfg).with_deltas(ramp)
    assert feats.shape == (1, 39, 20 - 2 * w)
    torch.testing.assert_close(feats[0, :13], ramp[0, :, w:-w])
    torch.testing.assert_close(feats[0, 13:26], torch.ones(13, 20 - 2 * w))
    torch.testing.assert_close(feats[0, 26:], torch.zeros(13, 20 - 2 * w), rtol=0, atol=1e-5)


def test_causal_deltas_are_the_centred_ones_half_a_window_later(material):
    centred_cfg = MFCCConfig(n_fft=1024, hop_length=256)
    causal_cfg = centred_cfg.replace(delta_causal=True)
    w = centred_cfg.delta_width // 2
    y = recordings(material, LEVELS_DB[0])[0][1]
    centred, causal = describe(centred_cfg, y).T, describe(causal_cfg, y).T  # [T x 39]
    np.testing.assert_array_equal(causal[:, :13], centred[:, :13])  # the same MFCC
    np.testing.assert_allclose(causal[2 * w:, 13:], centred[w:-w, 13:], rtol=0, atol=1e-4)
    # Before a full window the first frame is replicated, as offline deltas do at the edges.
    padded = np.concatenate([np.repeat(centred[:1, :13], 2 * w, 0), centred[:2 * w, :13]])
    first = Descriptors(causal_cfg).with_deltas(torch.from_numpy(padded.T.copy())[None])[0].t()
    np.testing.assert_allclose(causal[:2 * w], first.numpy(), rtol=0, atol=1e-4)
    # No look-ahead: frame t does not change when the audio after its window does.
    t, hop = 40, causal_cfg.hop_length
    cut = y.copy()
    cut[t * hop + causal_cfg.n_fft // 2:] = 0.0
    np.testing.assert_array_equal(describe(causal_cfg, cut).T[:t + 1], causal[:t + 1])
    assert not np.array_equal(describe(centred_cfg, cut).T[:t + 1], centred[:t + 1])


def test_presets_by_name():
    assert mfcc_preset("default") == MFCCConfig()
    live = mfcc_preset("live")
    assert (live.n_fft, live.hop_length, live.delta_causal) == (1024, 256, True)
    assert Descriptors(live).latency_frames == 1
    assert preset_name(live) == "live" and preset_name(MFCCConfig()) == "default"
    assert preset_name(live.replace(n_mels=64)) == "custom"
    assert MFCCConfig.from_dict(live.to_dict()) == live
    with pytest.raises(DemiurgeError, match="unknown descriptor preset 'fast'.*live \\(n_fft 1024"):
        mfcc_preset("fast")


@pytest.mark.parametrize("level", LEVELS_DB)
@pytest.mark.parametrize("cfg,blocks", [(MFCCConfig(), 1), (MFCCConfig(), 3),
                                        (MFCCConfig(hop_length=512, delta_orders=1), 8),
                                        (MFCC_PRESETS["live"], 1), (MFCC_PRESETS["live"], 4)])
def test_streaming_equals_offline_after_the_reported_latency(material, level, cfg, blocks):
    block = blocks * cfg.hop_length
    d = Descriptors(cfg).eval()
    lat = d.latency_frames
    look_ahead = 0 if cfg.delta_causal else cfg.delta_width // 2
    assert lat == cfg.n_fft // 2 // cfg.hop_length - 1 + look_ahead
    assert d.latency_samples == lat * cfg.hop_length
    for name, y in recordings(material, level)[::2]:
        n = y.shape[0] // block * block
        with torch.no_grad():
            offline = d(torch.from_numpy(y[None, :n]))[0]
            d.reset()
            streamed = torch.cat([d.stream(torch.from_numpy(y[None, i: i + block]))
                                  for i in range(0, n, block)], dim=2)[0]
        assert streamed.shape == (cfg.n_features, n // cfg.hop_length)
        assert torch.equal(streamed[:, :lat], torch.zeros(cfg.n_features, lat))
        # Call k emits frame k - latency; every emitted frame's windows lie inside the signal.
        torch.testing.assert_close(streamed[:, lat:], offline[:, : streamed.shape[1] - lat],
                                   rtol=0, atol=2e-3, msg=name)


def test_settings_of_the_old_floor_are_refused():
    old = {**MFCCConfig().to_dict(), "top_db": 80.0}
    del old["amin"]
    with pytest.raises(DemiurgeError, match="old fixed dB floor"):
        MFCCConfig.from_dict(old)


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
