"""Training audio: a folder of recordings split into training and held-out files, sampled as
random segments weighted by file duration."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, List, Tuple

import numpy as np
import torch

from demiurge.data.audio import SkipReport, iter_corpus
from demiurge.errors import DemiurgeError


class AudioCorpus:
    """Peak-normalised mono recordings (as the original UNAGAN), split into training and
    held-out parts: with two or more files, ``val_fraction`` of the files (at least one) are
    held out; a single file keeps its last ``val_fraction`` for validation.
    """

    def __init__(self, root: str | os.PathLike, *, sample_rate: int, min_samples: int,
                 val_fraction: float = 0.1, log: Callable[[str], None] = print):
        self.root = Path(root)
        report = SkipReport()
        files = [(path, audio) for path, audio in
                 iter_corpus(root, sample_rate=sample_rate, min_samples=min_samples, report=report, log=log)]
        if not files:
            reasons = "; ".join(f"{Path(p).name}: {r}" for p, r in report.skipped[:3])
            raise DemiurgeError(
                f"{root}: no usable audio ({len(report.skipped)} file(s) skipped: {reasons}); "
                f"training needs recordings of at least {min_samples / sample_rate:.2f} s")
        log(f"training audio: {report.summary(used=len(files))} in {root}")
        normed = [(p, a / max(float(np.max(np.abs(a))), 1e-4) * 0.95) for p, a in files]
        if len(normed) >= 2:
            n_val = max(1, int(round(val_fraction * len(normed))))
            self.train = [a for _, a in normed[:-n_val]]
            self.val = [a for _, a in normed[-n_val:]]
            self.val_names = [p.name for p, _ in normed[-n_val:]]
        else:
            path, audio = normed[0]
            cut = int(len(audio) * (1 - val_fraction))
            self.train, self.val = [audio[:cut]], [audio[cut:]]
            self.val_names = [f"{path.name} (last {val_fraction:.0%})"]
        self.sample_rate = sample_rate
        self.train_samples = sum(len(a) for a in self.train)
        lengths = np.array([len(a) for a in self.train], dtype=np.float64)
        self.weights = torch.from_numpy(lengths / lengths.sum())

    def sample(self, batch: int, length: int, generator: torch.Generator) -> torch.Tensor:
        """``Tensor[batch x length]`` of random training segments (files picked in proportion
        to their duration; a file shorter than ``length`` is zero-padded)."""
        picks = torch.multinomial(self.weights, batch, replacement=True, generator=generator).tolist()
        out = torch.zeros(batch, length)
        for i, f in enumerate(picks):
            audio = self.train[f]
            room = len(audio) - length
            start = int(torch.randint(0, room + 1, (1,), generator=generator)) if room > 0 else 0
            piece = torch.from_numpy(audio[start:start + length])
            out[i, :piece.shape[0]] = piece
        return out

    def validation(self, count: int, length: int) -> torch.Tensor:
        """``Tensor[count x length]``: fixed held-out segments (evenly spread over the held-out
        audio, zero-padded if it is short), the same on every call."""
        joined = np.concatenate(self.val)
        if len(joined) < length:
            joined = np.pad(joined, (0, length - len(joined)))
        starts = np.linspace(0, len(joined) - length, count).astype(int)
        return torch.from_numpy(np.stack([joined[s:s + length] for s in starts]).astype(np.float32))


def file_mels(audios: List[np.ndarray], mel) -> List[torch.Tensor]:
    """Raw log-mel ``Tensor[n_mels x F]`` of each recording (``mel``: a LogMel)."""
    with torch.no_grad():
        return [mel(torch.from_numpy(a).unsqueeze(0))[0] for a in audios]


def mel_statistics(mels: List[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-bin mean and standard deviation (``Tensor[n_mels]`` each) over all frames."""
    frames = torch.cat(mels, dim=1)
    return frames.mean(dim=1), frames.std(dim=1).clamp(min=1e-3)
