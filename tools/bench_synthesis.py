"""Synthesis speed (prints figures; not part of the tests): every generator's streaming
TorchScript copy on ONE CPU thread, called block by block (2048 samples = 8 mel frames per
call; UNAGAN: one z vector = 16 frames per call), in kHz of 44.1 kHz audio per second (best of
several 0.25 s rounds, so that other jobs on the machine disturb the figure less), side by side
with a HiFi-GAN V1 of the paper's size. Quality: ``tools/bench_vocoder_quality.py``.

    python tools/bench_synthesis.py
"""

from __future__ import annotations

import argparse
import time

import torch

from demiurge.dsp import MelConfig
from demiurge.models import VOCODER_ARCHS, build_vocoder
from demiurge.models.configs import UNAGANConfig
from demiurge.models.unagan import UNAGANGenerator

def speed(block_samples: int = 2048, seconds: float = 3.0) -> None:
    torch.set_num_threads(1)
    config = MelConfig()
    frames = block_samples // config.hop_length
    print(f"\n(b) speed, 1 CPU thread, streaming TorchScript, {block_samples}-sample blocks "
          f"({frames} mel frames per call), 44.1 kHz; torch {torch.__version__}")
    print(f"{'':4}{'generator':28}{'params':>9}{'kHz':>9}{'x real time':>13}{'vs HiFi-GAN V1':>16}")
    generators = [(arch, build_vocoder(arch=arch, generator=VOCODER_ARCHS[arch][1].to_dict(), mel=config))
                  for arch in ("hifigan-v1", "hifigan-v2", "hifigan-v3", "melgan", "hifigan-rt", "istft")]
    without_fit = dict(VOCODER_ARCHS["istft"][1].to_dict(), mel_fit=0)   # what the mel fit costs
    generators.append(("istft, mel_fit 0", build_vocoder(arch="istft", generator=without_fit, mel=config)))
    generators.append(("unagan (z -> mel)", UNAGANGenerator(UNAGANConfig())))
    reference = None
    for name, model in generators:
        stream = torch.jit.script(model.streaming())
        if isinstance(model, UNAGANGenerator):
            x, produced = torch.randn(1, 20, 1), 16 * config.hop_length
        else:
            x, produced = torch.randn(1, config.n_mels, frames) - 2.0, block_samples
        rates = []
        with torch.inference_mode():
            for _ in range(3):
                stream(x)
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline or len(rates) < 3:  # rounds of >= 0.25 s; best kept
                calls, started = 0, time.perf_counter()
                while time.perf_counter() - started < 0.25 or calls < 2:
                    stream(x)
                    calls += 1
                rates.append(calls * produced / (time.perf_counter() - started))
        khz = max(rates) / 1000
        reference = reference or khz
        params = sum(p.numel() for p in model.parameters()) / 1e6
        print(f"{'':4}{name:28}{params:8.2f}M{khz:9.1f}{khz * 1000 / config.sample_rate:12.1f}x"
              f"{khz / reference:15.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args()
    speed()


if __name__ == "__main__":
    main()
