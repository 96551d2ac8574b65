"""The iSTFT head's phase and magnitude: the integrated head rebuilds real audio from its own
STFT's magnitudes and phase advances (so the training targets mean what they say), the two head
losses measure exactly those, and a steady tone through an absolute-phase head can only come
out hop-periodic."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from demiurge.dsp import LogMel, MelConfig
from demiurge.errors import DemiurgeError
from demiurge.models.istft import ISTFTHead, MelFit, synthesis_scale
from demiurge.train.head_targets import head_stft, log_magnitude_loss, phase_advance_loss

SR, N_FFT, HOP = 44100, 1024, 256


def recording(seconds: float = 1.0) -> torch.Tensor:
    """``Tensor[1 x T]``, -20 dBFS peak: a 440 Hz note with vibrato and a decay, a noise burst,
    a rest, then a 1234.5 Hz tone (no frequency here is a multiple of SR / HOP)."""
    t = np.arange(int(SR * seconds)) / SR
    note = np.sin(2 * np.pi * 440 * t + 3 * np.sin(2 * np.pi * 5 * t)) * np.exp(-3 * t)
    rng = np.random.default_rng(0)
    burst = np.where((t > 0.3) & (t < 0.35), rng.standard_normal(t.size) * 0.3, 0.0)
    tone = np.where(t > 0.6, np.sin(2 * np.pi * 1234.5 * t), 0.0)
    audio = note + burst + np.where((t > 0.45) & (t < 0.6), 0.0, tone)
    return torch.from_numpy(0.1 * audio / np.abs(audio).max()).float()[None]


def true_terms(audio: torch.Tensor):
    """The integrated head's (log-magnitude, phase term) that rebuild ``audio`` exactly."""
    spec = head_stft(audio.double(), n_fft=N_FFT, hop_length=HOP)
    head = ISTFTHead(8, n_fft=N_FFT, hop_length=HOP)
    scale = synthesis_scale(N_FFT, HOP)
    advance = torch.angle(torch.cat([spec[:, :1], spec[:, 1:] * spec[:, :-1].conj()], dim=1))
    term = advance - head.centre_advance
    return torch.log(spec.abs() * scale + 1e-12).float(), term.float(), head


def test_integrated_head_rebuilds_real_audio_from_its_phase_advances():
    audio = recording()
    log_mag, term, head = true_terms(audio)
    with torch.no_grad():
        rebuilt = head.synthesize(log_mag, term)[0, 0]
    n = log_mag.shape[1] * HOP - (N_FFT - HOP)   # the last samples await frames still to come
    error = (rebuilt[:n] - audio[0, :n]).abs().max()
    assert float(error) < 1e-4, float(error)
    # a whole turn more or less on any advance changes nothing
    turned = term + 2 * math.pi * torch.randint(-2, 3, term.shape)
    with torch.no_grad():
        torch.testing.assert_close(head.synthesize(log_mag, turned)[0, 0], rebuilt, atol=1e-4, rtol=0)


def test_phase_advance_loss_is_zero_for_the_true_advances_only():
    audio = recording()
    _, term, _ = true_terms(audio)
    exact = phase_advance_loss(term, audio, n_fft=N_FFT, hop_length=HOP)
    turned = phase_advance_loss(term + 2 * math.pi, audio, n_fft=N_FFT, hop_length=HOP)
    random = phase_advance_loss(torch.rand_like(term) * 2 * math.pi, audio, n_fft=N_FFT, hop_length=HOP)
    off = phase_advance_loss(term + 0.5, audio, n_fft=N_FFT, hop_length=HOP)
    assert float(exact) < 1e-3 and float(turned) < 1e-3
    assert float(random) == pytest.approx(math.pi / 2, rel=0.1)    # uniform error: mean pi / 2
    loud = (head_stft(audio, n_fft=N_FFT, hop_length=HOP).abs().sum(2) > 1e-3).float().mean()
    assert float(off) == pytest.approx(0.5 * float(loud), rel=0.02)  # silent frames weigh nothing


def test_log_magnitude_loss_measures_the_level_error_in_nepers():
    audio = recording()
    log_mag, _, _ = true_terms(audio)
    loud = log_mag > math.log(1e-3) + 1.0     # bins clear of the floor either way
    assert float(log_magnitude_loss(log_mag, audio, n_fft=N_FFT, hop_length=HOP)) < 1e-4
    louder = log_magnitude_loss(log_mag + math.log(2.0) * loud, audio, n_fft=N_FFT, hop_length=HOP)
    assert float(louder) == pytest.approx(math.log(2.0) * float(loud.float().mean()), rel=1e-3)


def test_silence_weighs_nothing():
    term = torch.randn(1, 20, N_FFT // 2 + 1)
    assert float(phase_advance_loss(term, torch.zeros(1, 20 * HOP), n_fft=N_FFT, hop_length=HOP)) == 0.0


def test_a_steady_spectrum_through_the_absolute_head_repeats_every_hop():
    """Why the head integrates: frames that do not change give a signal of period HOP."""
    torch.manual_seed(0)
    frame = torch.randn(1, 1, 8).expand(1, 40, 8)
    absolute = ISTFTHead(8, n_fft=N_FFT, hop_length=HOP, phase="absolute")
    integrated = ISTFTHead(8, n_fft=N_FFT, hop_length=HOP)
    integrated.load_state_dict(absolute.state_dict())
    with torch.no_grad():
        out = absolute(frame)[0, 0, N_FFT:-(N_FFT - HOP)]   # the frames overlap fully here
        held = integrated(frame)[0, 0, N_FFT:-(N_FFT - HOP)]
    torch.testing.assert_close(out[HOP:], out[:-HOP], atol=1e-6, rtol=0)
    assert float((held[HOP:] - held[:-HOP]).abs().max()) > 0.1 * float(held.abs().max())


def peak_frequency(audio: np.ndarray) -> float:
    """The frequency of ``audio``'s strongest partial (Hann window, DC left out)."""
    power = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.fft.rfftfreq(len(audio), 1 / SR)[1 + np.argmax(power[1:])])


def semitones(a: float, b: float) -> float:
    return abs(12 * math.log2(a / b))


def resynthesise(generator, audio: np.ndarray) -> np.ndarray:
    from demiurge.dsp import LogMel, MelConfig

    with torch.no_grad():
        return generator(LogMel(MelConfig())(torch.from_numpy(audio).float()[None]))[0, 0].numpy()


@pytest.fixture(scope="module")
def base():
    from demiurge.models.pretrained import base_generator

    return base_generator()


@pytest.mark.parametrize("frequency", [440.0, 1300.0])
def test_the_base_vocoder_keeps_a_held_note_at_its_pitch(base, frequency):
    """A steady sine at -20 dBFS, about halfway between two multiples of SR / HOP (where an
    absolute-phase head puts all of it: 2.8 and 1.3 semitones off for the earlier base), comes
    back with its strongest partial within a semitone."""
    t = np.arange(2 * SR) / SR
    out = resynthesise(base, 0.1 * np.sin(2 * np.pi * frequency * t))
    assert semitones(peak_frequency(out[SR // 2:SR + SR // 2]), frequency) < 1.0


def test_the_base_vocoder_keeps_the_pitch_of_recorded_notes(base, material):
    """GM piano, strings and marimba at -20 dBFS: in most loud windows, the resynthesis's
    strongest partial is the recording's within a quarter tone (26 % of them for the earlier
    absolute-phase base)."""
    import soundfile as sf

    size, agree = 8192, []
    level = lambda x: float(np.sqrt(np.mean(x ** 2)))
    for name in ("piano", "strings", "marimba"):
        audio, _ = sf.read(material.folder[-20] / f"{name}.wav", dtype="float32")
        out = resynthesise(base, audio)
        windows = [(i, audio[i:i + size]) for i in range(0, len(out) - size, size // 2)]
        loudest = max(level(w) for _, w in windows)
        agree += [semitones(peak_frequency(out[i:i + size]), peak_frequency(w)) <= 0.5
                  for i, w in windows if level(w) > 0.1 * loudest]
    assert len(agree) >= 60 and np.mean(agree) > 0.6, (len(agree), np.mean(agree))


def test_mel_fit_brings_a_mislevelled_spectrum_back_to_the_mel_it_is_given():
    """The head's magnitudes of a recording, tilted +-7 dB across the spectrum (what an
    untrained or off-corpus network does), are fitted back to the recording's own mel: the audio
    the head then makes has the recording's mel again, and a right spectrum is left as it is."""
    audio = recording()
    log_mag, term, head = true_terms(audio)
    frames = log_mag.shape[1]
    logmel = LogMel()
    mel = logmel(audio)[:, :, :frames]
    fit = MelFit(3, MelConfig(), n_fft=N_FFT, hop_length=HOP)
    freqs = torch.arange(head.bins) * SR / N_FFT
    tilted = log_mag + 0.8 * (freqs / (SR / 2) * 2 - 1)

    def mel_error(lm):
        with torch.no_grad():
            made = head.synthesize(lm, term)[:, 0]
        complete = frames - N_FFT // HOP     # the last frames await overlaps still to come
        return float((logmel(made)[:, :, :complete] - mel[:, :, :complete]).abs().mean())

    with torch.no_grad():
        fitted = fit(tilted, mel)
        kept = fit(log_mag, mel)
    assert mel_error(tilted) > 0.08
    assert mel_error(fitted) < 0.1 * mel_error(tilted), (mel_error(fitted), mel_error(tilted))
    assert mel_error(kept) < 0.01
    torch.testing.assert_close(MelFit(0, MelConfig(), n_fft=N_FFT, hop_length=HOP)(tilted, mel), tilted)


def test_mel_fit_refuses_a_mel_it_cannot_match():
    with pytest.raises(DemiurgeError, match="g.mel_fit=0"):
        MelFit(3, MelConfig(n_fft=2048), n_fft=N_FFT, hop_length=HOP)
    with pytest.raises(DemiurgeError, match="g.mel_fit=0"):
        MelFit(3, MelConfig(padding="center"), n_fft=N_FFT, hop_length=HOP)
