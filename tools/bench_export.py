"""Real-time factor of every method of the exported models, as nn~ runs them: one CPU thread,
nn~ buffers of 2048 and 4096 samples, through the nn~ host emulation (decimation, call under
inference mode, sample-and-hold). Real time factor = audio duration / compute time (> 1 keeps
up). Weights are random: the cost does not depend on training.

Peer: RAVE v2 exported by RAVE's own exporter cannot run here (acids-rave 2.3.1 installs with
--no-deps, but imports torchaudio at module level, which has no CPU build for torch 2.13), so
the peer is a HiFi-GAN V1 generator of the paper's size (512 channels, upsampling 8-8-2-2,
ResBlock1 kernels 3/7/11), exported by the same exporter.

Usage: python tools/bench_export.py [--seconds 4] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from demiurge.dsp import MelConfig, MFCCConfig
from demiurge.models import DEFAULT_VOCODER, VOCODER_ARCHS, build_vocoder
from demiurge.models.configs import UNAGANConfig
from demiurge.models.unagan import UNAGANGenerator
from demiurge.plugin.exporter import model_card, save_export
from demiurge.plugin.host import NNHost
from demiurge.plugin.predictor import PredictorPlugin
from demiurge.plugin.unagan import UNAGANPlugin
from demiurge.plugin.vocoder import VocoderPlugin
from demiurge.sequencer.forecast import Forecaster
from demiurge.sequencer.predictors import build_predictor

BUFSIZES = (2048, 4096)


def _vocoder(arch: str):
    mel = MelConfig()
    return build_vocoder(arch=arch, generator=VOCODER_ARCHS[arch][1].to_dict(), mel=mel).eval()


def _unagan() -> UNAGANGenerator:
    """A random UNAGAN whose mels have the levels of real audio: it de-normalises with the base
    vocoder's mel statistics (with none, its mels reach +3, far louder than any recording, and
    the vocoder's mel fit renders them as clipped audio, which no benchmark should measure)."""
    from demiurge.models.pretrained import base_vocoder

    unagan = UNAGANGenerator(UNAGANConfig()).eval()
    base = base_vocoder()
    if base is not None:
        unagan.set_stats(torch.tensor(base.stats["mean"]), torch.tensor(base.stats["std"]))
    return unagan


def build_models(out: Path):
    """(label, .ts path) of each benchmarked export."""
    mel = MelConfig()
    voc = _vocoder(DEFAULT_VOCODER)
    fc = Forecaster(build_predictor("lstm", n_features=39, window_size=10, forecast_size=3,
                                    hidden_size=100, num_layers=3).eval(),
                    torch.zeros(39), torch.ones(39), 10, 3)
    modules = [
        (f"vocoder {DEFAULT_VOCODER} (ours, default)", "vocoder", VocoderPlugin(generator=voc, mel_config=mel)),
        ("UNAGAN + vocoder (ours, default)", "unagan",
         UNAGANPlugin(unagan=_unagan(), vocoder=voc, mel_config=mel)),
        ("predictor lstm (ours, original defaults)", "predictor",
         PredictorPlugin(forecaster=fc, mfcc_config=MFCCConfig())),
        ("PEER: HiFi-GAN V1, paper size", "hifigan-v1",
         VocoderPlugin(generator=_vocoder("hifigan-v1"), mel_config=mel)),
    ]
    built = []
    for label, name, module in modules:
        card = model_card(module, name=name, kind="benchmark", sample_rate=44100, source={})
        built.append((label, save_export(module, path=out / f"{name}.ts", card=card, bufsizes=(4096,))))
    return built


def realtime(path: Path, method: str, bufsize: int, seconds: float) -> float:
    host = NNHost(path)
    m = host.methods[method]
    blocks = max(3, int(seconds * 44100 / bufsize))
    signal = 0.1 * torch.randn(1, m.in_channels, bufsize * blocks, generator=torch.Generator().manual_seed(0))
    times = []
    host.stream(method, signal, bufsize, on_block=times.append)
    steady = times[1:]
    return len(steady) * bufsize / 44100 / sum(steady)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="audio per measurement")
    parser.add_argument("-o", "--output", type=Path, help="keep the .ts files here (default: a temp dir)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.output or Path(tmp)
        print(f"exporting benchmark models to {out} ...", flush=True)
        models = build_models(out)
        print(f"\nreal-time factor (x real time, 1 thread, torch {torch.__version__}; "
              f"nn~ raises buffers below the highest ratio to it)")
        print(f"{'model':44s} {'method':12s} " + " ".join(f"{'buf ' + str(b):>10s}" for b in BUFSIZES))
        results = {}
        for label, path in models:
            host = NNHost(path)
            for method in host.methods:
                row = []
                for bufsize in BUFSIZES:
                    actual = host.bufsize_for(bufsize)
                    rt = realtime(path, method, actual, args.seconds)
                    results[(label, method, bufsize)] = rt
                    row.append(f"{rt:9.1f}x" + ("*" if actual != bufsize else " "))
                print(f"{label:44s} {method:12s} " + " ".join(row), flush=True)
        ours = [k for k in results if k[0].startswith("vocoder") and k[1] == "forward"]
        for key in ours:
            peer = results[("PEER: HiFi-GAN V1, paper size", "forward", key[2])]
            print(f"vocoder forward at buffer {key[2]}: ours {results[key]:.1f}x vs peer "
                  f"{peer:.1f}x real time = {results[key] / peer:.1f}x faster")
        print("* run at the model's highest ratio (4096), the smallest buffer nn~ allows for it")


if __name__ == "__main__":
    main()
