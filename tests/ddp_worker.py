"""Run by tests/test_ddp.py under ``torchrun --nproc-per-node 2``: trains a tiny vocoder and a
tiny UNAGAN through the real CLI entry point, then each rank saves the weights it holds."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))

from demiurge.cli import main  # noqa: E402
from demiurge.train import vocoder as vocoder_trainer, unagan as unagan_trainer  # noqa: E402
from synth_helpers import unagan_args, vocoder_args  # noqa: E402

torch.set_num_threads(1)
audio, out = Path(sys.argv[1]), Path(sys.argv[2])
rank = int(os.environ["RANK"])

held = {}


def keep(cls, name):
    """Record the trainer's networks after fit() so this rank's weights can be compared."""
    original = cls.fit

    def fit(self):
        result = original(self)
        held[name] = {k: v.detach().clone() for k, v in self.state()["generator"].items()}
        held[name + "_d"] = {k: v.detach().clone() for k, v in self.state()["discriminator"].items()}
        return result

    cls.fit = fit


keep(vocoder_trainer.VocoderTrainer, "vocoder")
keep(unagan_trainer.UNAGANTrainer, "unagan")
assert main(vocoder_args(audio, out / "vocoder", steps=3)) == 0
assert main(unagan_args(audio, out / "unagan", steps=3)) == 0
torch.save(held, out / f"rank{rank}.pt")
