"""Playback: one frame -> one hop, centring, crossfades, streaming == offline."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from demiurge.errors import DemiurgeError
from demiurge.sequencer.playback import Playback, pack_audio

HOP = 256


def engine(files, *, crossfade=HOP, hop=HOP):
    """Playback over ``files`` with one DB frame per hop (centre t * hop) of each file."""
    packed, offsets = pack_audio(files, hop_length=hop)
    centres = np.concatenate([off + np.arange(len(f) // hop + 1) * hop
                              for off, f in zip(offsets, files)])
    first = np.cumsum([0] + [len(f) // hop + 1 for f in files])[:-1]
    return Playback(torch.from_numpy(packed), torch.from_numpy(centres), hop_length=hop,
                    crossfade=crossfade), first


def sine(n, freq=441.0, sr=44100):
    return np.sin(2 * np.pi * freq / sr * np.arange(n)).astype(np.float32)


@pytest.mark.parametrize("crossfade", [0, HOP // 2, HOP])
@pytest.mark.parametrize("n", [1, 2, 17])
def test_n_frames_give_n_hops(crossfade, n):
    play, _ = engine([sine(HOP * 30)], crossfade=crossfade)
    rows = torch.randint(0, 31, (n,), generator=torch.Generator().manual_seed(n))
    assert play(rows).shape == (n * HOP,)


@pytest.mark.parametrize("crossfade", [0, HOP // 2, HOP])
def test_consecutive_frames_reproduce_the_source_centred_on_each_frame(crossfade):
    x = sine(HOP * 40)
    play, _ = engine([x], crossfade=crossfade)
    y = play(torch.arange(5, 25)).numpy()
    # Frame j (centre j * hop) plays source [j*hop - hop/2, j*hop + hop/2): no seam anywhere.
    np.testing.assert_allclose(y, x[5 * HOP - HOP // 2: 25 * HOP - HOP // 2], atol=1e-6)


def test_a_single_frame_plays_the_hop_around_its_centre():
    x = np.arange(HOP * 10, dtype=np.float32)
    play, _ = engine([x], crossfade=HOP)
    np.testing.assert_array_equal(play(torch.tensor([4])).numpy(),
                                  x[4 * HOP - HOP // 2: 4 * HOP + HOP // 2])


def test_frames_at_the_file_edges_read_zeros_outside_the_file():
    x = np.ones(HOP * 4, np.float32)
    play, _ = engine([x], crossfade=0)
    y = play(torch.tensor([0, 4])).numpy()
    np.testing.assert_array_equal(y[: HOP // 2], 0.0)          # before sample 0
    np.testing.assert_array_equal(y[HOP // 2: HOP + HOP // 2], 1.0)
    np.testing.assert_array_equal(y[HOP + HOP // 2:], 0.0)     # after the last sample


def test_jumps_crossfade_at_equal_power():
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(HOP * 200).astype(np.float32) for _ in range(2))
    play, (fa, fb) = engine([a, b], crossfade=HOP)
    # Alternate the two files frame by frame: every join is a jump between unrelated noise.
    rows = torch.tensor([(fa if j % 2 else fb) + 2 + j for j in range(190)])
    y = play(rows).numpy()[HOP: -HOP].reshape(-1, HOP)
    power = (y ** 2).mean(0).reshape(8, -1).mean(1)  # across joins, per 1/8 of the fade
    np.testing.assert_allclose(power, 1.0, atol=0.06)  # a linear fade would dip to 0.5
    gains = play.fade_out[0] ** 2 + play.fade_in[0] ** 2
    np.testing.assert_allclose(gains.numpy(), 1.0, atol=1e-6)


@pytest.mark.parametrize("crossfade", [0, 64, HOP])
def test_streaming_equals_offline_delayed_by_half_the_crossfade(crossfade):
    rng = np.random.default_rng(1)
    play, _ = engine([rng.standard_normal(HOP * 50).astype(np.float32), sine(HOP * 30)],
                     crossfade=crossfade)
    rows = torch.from_numpy(rng.integers(0, 82, 40))
    rows[10:20] = torch.arange(60, 70)  # some continuations too
    offline = play(rows)
    play.reset()
    streamed = torch.cat([play.stream(rows[i: i + 1]) for i in range(rows.shape[0])])
    lat = play.latency_samples
    assert lat == crossfade // 2
    assert torch.equal(streamed[lat:], offline[: offline.shape[0] - lat])


def test_scripted_playback_equals_eager_after_save_and_load():
    play, _ = engine([sine(HOP * 20), sine(HOP * 20, freq=600.0)])
    rows = torch.tensor([3, 4, 5, 30, 31, 2, 9])
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(play), buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    assert torch.equal(loaded(rows), play(rows))
    loaded.reset()
    play.reset()
    for i in range(rows.shape[0]):
        assert torch.equal(loaded.stream(rows[i: i + 1]), play.stream(rows[i: i + 1]))


@pytest.mark.parametrize("crossfade", [-2, 3, HOP + 2])
def test_bad_crossfade_is_a_clear_error(crossfade):
    with pytest.raises(DemiurgeError, match="crossfade must be an even number"):
        engine([sine(HOP * 4)], crossfade=crossfade)


def test_unpadded_audio_is_a_clear_error():
    with pytest.raises(DemiurgeError, match="pad every file"):
        Playback(torch.zeros(HOP * 4), torch.tensor([0, HOP]), hop_length=HOP)


def test_with_crossfade_shares_the_audio_and_continues_the_stream():
    play, _ = engine([sine(HOP * 8)], crossfade=HOP)
    rows = torch.tensor([1, 2, 5, 6])
    play.stream(rows[:1])
    other = play.with_crossfade(HOP // 2)
    assert other.fade == HOP // 2 and other.audio.data_ptr() == play.audio.data_ptr()
    assert torch.equal(other.starts, play.starts)
    fresh, _ = engine([sine(HOP * 8)], crossfade=HOP // 2)
    fresh.stream(rows[:1])
    for i in range(1, 4):  # continues from the previous frame as a fresh stream would
        assert torch.equal(other.stream(rows[i:i + 1]), fresh.stream(rows[i:i + 1]))


def test_milliseconds_become_even_samples_up_to_one_hop():
    from demiurge.sequencer.playback import crossfade_samples

    assert crossfade_samples(5.0, sample_rate=44100, hop_length=1024) == 220  # 220.5 samples
    assert crossfade_samples(0.0, sample_rate=44100, hop_length=1024) == 0
    assert crossfade_samples(1024 / 44.1, sample_rate=44100, hop_length=1024) == 1024
    for ms in (30.0, -1.0):
        with pytest.raises(DemiurgeError, match="not between 0 and one hop"):
            crossfade_samples(ms, sample_rate=44100, hop_length=1024)
