"""Tiny settings and a small synthesised corpus for the synthesis tests (each run: seconds)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

from conftest import tone

TINY_VOCODER = {
    "melgan": ["--set", "g.channels=32", "--set", "g.n_residual=1"],
    "hifigan-v1": ["--set", "g.channels=16", "--set", "g.resblock_kernels=[3,5]",
                   "--set", "g.resblock_dilations=[[1,3],[1,3]]"],
    "hifigan-v2": ["--set", "g.channels=16"],
    "hifigan-v3": ["--set", "g.channels=16"],
    "hifigan-rt": ["--set", "g.channels=16"],
    "istft": ["--set", "g.channels=16", "--set", "g.blocks=2", "--gan-start", "1"],
}
TINY_DISCRIMINATOR = ["--set", "d.msd_channels=2", "--set", "d.msd_max_channels=8", "--set", "d.mpd_channels=1",
                      "--set", "d.msd_scales=2", "--set", "d.mrd_channels=2"]
TINY_UNAGAN = ["--set", "u.channels=16", "--set", "u.groups=4", "--set", "u.d_channels=8",
               "--set", "u.d_channels_2d=2", "--batch-size", "2", "--segment-frames", "32"]


def write_corpus(make_wav, folder: str = "audio", seconds: float = 1.0) -> Path:
    """Three harmonic tones (different pitches) in ``tmp_path/folder``."""
    paths = [make_wav(f"{folder}/tone_{f}.wav", tone(seconds, freq=f, seed=i))
             for i, f in enumerate((110.0, 196.0, 330.0))]
    return paths[0].parent


def vocoder_args(audio: Path, out: Path, *, arch: str = "hifigan-rt", steps: int = 2,
                 extra: List[str] = (), export: bool = False) -> List[str]:
    """CLI arguments of a tiny vocoder run (no nn~ export at the end unless ``export``)."""
    return (["train", "vocoder", "--audio", str(audio), "-o", str(out), "--arch", arch,
             "--max-steps", str(steps), "--eval-every", "2", "--batch-size", "2", "--segment", "2048",
             "--device", "cpu", "--no-wandb"] + TINY_VOCODER[arch] + TINY_DISCRIMINATOR + list(extra)
            + ([] if export else ["--no-export"]))


def unagan_args(audio: Path, out: Path, *, steps: int = 2, extra: List[str] = (),
                export: bool = False) -> List[str]:
    """CLI arguments of a tiny UNAGAN run (no nn~ export at the end unless ``export``)."""
    return (["train", "unagan", "--audio", str(audio), "-o", str(out), "--max-steps", str(steps),
             "--eval-every", "2", "--device", "cpu", "--no-wandb"] + TINY_UNAGAN + list(extra)
            + ([] if export else ["--no-export"]))


def metrics(run: Path) -> List[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
