"""What the live engine loads: a descriptor DB with its audio, a predictor, a seed file, and
the embedded default (the demo corpus, described and with a small predictor trained on it,
built on first use into a cache folder).

All of this is slow, file-bound work: the host runs it on a loader thread, never on the
engine or audio thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
from torch import nn

from demiurge.data.audio import load_audio
from demiurge.dsp import Descriptors, MFCCConfig
from demiurge.errors import DemiurgeError
from demiurge.live.params import default_xfade_ms

@dataclass
class LoadedDB:
    """A descriptor DB ready for the engine: its
    :class:`~demiurge.sequencer.answer.Answerer` plus the frame origins."""

    path: Path
    config: MFCCConfig
    answerer: nn.Module
    file_rows: np.ndarray   # int64 [N]: file index of each DB frame
    offsets: np.ndarray     # int64 [N]: sample offset of each DB frame in its file
    files: List[str]

    def file_name(self, row: int) -> str:
        return self.files[int(self.file_rows[row])]


def load_db(path: str | os.PathLike, *, crossfade_ms: Optional[float] = None,
            search: str = "auto", audio_root: str | os.PathLike | None = None) -> LoadedDB:
    """Open a descriptor DB and load the audio of every file it describes (from
    ``audio_root`` if the audio moved after it was described); the playback crossfades for
    ``crossfade_ms`` milliseconds (at most one hop; default
    :func:`~demiurge.live.params.default_xfade_ms`); ``search`` picks the nearest-frame
    search (see :meth:`demiurge.sequencer.answer.Answerer.build`)."""
    from demiurge.sequencer.answer import Answerer
    from demiurge.sequencer.db import DescriptorDB
    from demiurge.sequencer.playback import crossfade_samples

    db = DescriptorDB.open(path, audio_root=audio_root, need_audio=True)
    cfg = db.config
    if crossfade_ms is None:
        crossfade_ms = default_xfade_ms(sample_rate=cfg.sample_rate, hop_length=cfg.hop_length)
    crossfade = crossfade_samples(crossfade_ms, sample_rate=cfg.sample_rate,
                                  hop_length=cfg.hop_length)
    return LoadedDB(path=Path(path), config=cfg,
                    answerer=Answerer.build(db=db, crossfade=crossfade, search=search),
                    file_rows=np.array(db.file_index), offsets=np.array(db.sample),
                    files=[str(db.audio_path(i)) for i in range(len(db.files))])


def load_forecaster(path: str | os.PathLike) -> nn.Module:
    """A streaming forecaster from a predictor run (directory or id) or an exported ``.ts``."""
    path = Path(path)
    if path.suffix == ".ts":
        try:
            module = torch.jit.load(str(path), map_location="cpu")
        except Exception as exc:  # RuntimeError / ValueError from the TorchScript loader
            raise DemiurgeError(f"{path}: not a loadable TorchScript file; export the predictor "
                                "again with `demiurge export`",
                                detail=str(exc).strip() or type(exc).__name__,
                                detail_source="torch's message") from None
        if not hasattr(module, "push") and hasattr(module, "forecaster"):
            module = module.forecaster  # a predictor export for nn~ (demiurge export)
        missing = [m for m in ("push", "forecast", "reset", "set_temperature")
                   if not hasattr(module, m)]
        if missing:
            raise DemiurgeError(f"{path}: this .ts is not a streaming forecaster (no "
                                f"{', '.join(missing)}); give a predictor export or run")
        return module.eval()
    from demiurge.sequencer.forecast import load_forecaster as load_run

    return load_run(path)


def describe_file(path: str | os.PathLike, *, config: MFCCConfig) -> np.ndarray:
    """Descriptors of one audio file: ``float32[F x T]`` (as the streaming engine sees them)."""
    from demiurge.sequencer.describe import min_samples

    audio = load_audio(path, sample_rate=config.sample_rate, min_samples=min_samples(config))
    with torch.no_grad():
        frames = Descriptors(config)(torch.from_numpy(audio)[None])
    return frames[0].numpy()


def cache_dir() -> Path:
    """Where the embedded default lives: ``$DEMIURGE_CACHE`` or ``~/.cache/demiurge``."""
    root = os.environ.get("DEMIURGE_CACHE")
    if root:
        return Path(root).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "demiurge"


def default_models(*, log: Callable[[str], None] = print) -> Tuple[Path, Path]:
    """``(db_dir, predictor_run_dir)`` of the embedded default, built on first use.

    The default is the demo's recorded chain (:func:`demiurge.demo.recorded_chain`) described
    with the ``live`` descriptor preset (the lowest latency): first use writes the demo
    corpus, describes it and trains the demo's small predictor on it (progress bars, a few
    minutes on two CPU cores) into :func:`cache_dir`; later uses find them there (a cache
    described otherwise, by an older Demiurge, is built again).
    """
    from demiurge.demo import recorded_chain

    root = cache_dir() / "default"
    log(f"embedded default: {root} (built on first use)")
    chain = recorded_chain(root, preset="live", log=log)
    return chain.db, chain.predictor
