"""``demiurge map DB -o map.png``: a picture of a descriptor DB before it is played.

Every frame of the DB becomes a point: its static MFCC (the deltas left out: at every onset
and release they leap, and would fill the picture with transitions) are z-scored and
projected on their first two principal components, coloured by file, with a legend. With ``--render`` the frames a render matched (the ``.json`` that ``demiurge render``
writes beside its wav) are drawn over the points as a path, in playing order.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from demiurge.errors import DemiurgeError
from demiurge.sequencer.db import DescriptorDB

MAX_POINTS = 50_000  # frames drawn (evenly spaced) from larger DBs
MAX_LEGEND = 20      # files named in the legend


def principal_plane(features: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``float32[N x F]`` -> ``(mean float64[F], scale float64[F], axes float64[F x 2])``:
    z-score, then the two principal directions (SVD of the z-scored frames)."""
    x = np.asarray(features, np.float64)
    mean = x.mean(0)
    std = x.std(0)
    scale = np.where(std > 1e-12, 1.0 / np.maximum(std, 1e-300), 0.0)
    z = (x - mean) * scale
    _, _, vt = np.linalg.svd(z - z.mean(0), full_matrices=False)
    axes = vt[:2].T
    if axes.shape[1] < 2:
        axes = np.pad(axes, ((0, 0), (0, 2 - axes.shape[1])))
    return mean, scale, axes


def matched_rows(db: DescriptorDB, render_json: Path) -> np.ndarray:
    """``int64[n]`` the DB rows a render played, from its ``.json`` (``_id``, ``_sample``)."""
    try:
        layout = json.loads(Path(render_json).read_text())
        ids, samples = layout["_id"], layout["_sample"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DemiurgeError(f"{render_json}: not the matched-frames JSON of `demiurge render` "
                            f"({exc}); give the .json written beside the rendered wav") from None
    by_path = {str(db.audio_path(i)): i for i in range(len(db.files))}
    hop = db.config.hop_length
    rows = []
    for audio_id, sample in zip(ids, samples):
        i = by_path.get(str(audio_id))
        if i is None or sample % hop or not 0 <= sample // hop < db.files[i].frames:
            raise DemiurgeError(f"{render_json} plays {audio_id} at sample {sample}, which is "
                                f"not a frame of the DB {db.path}; map the DB the render used")
        rows.append(db.files[i].first + sample // hop)
    return np.asarray(rows, np.int64)


def draw_map(db_path: str | os.PathLike, out_png: str | os.PathLike, *,
             render: Optional[str | os.PathLike] = None,
             log=print) -> Path:
    """Draw the DB at ``db_path`` (and the path of ``render``'s matched frames: a ``.wav``
    from ``demiurge render`` or the ``.json`` beside it) into ``out_png``, atomically."""
    try:
        import matplotlib
    except ImportError:
        raise DemiurgeError("drawing a map needs matplotlib: `pip install demiurge[plots]`") \
            from None
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from demiurge.fileio import atomic_path

    db = DescriptorDB.open(db_path)
    rows = None
    if render is not None:
        render = Path(render)
        rows = matched_rows(db, render.with_suffix(".json") if render.suffix != ".json" else render)
    step = max(1, len(db) // MAX_POINTS)
    shown = np.arange(0, len(db), step)
    statics = db.config.n_mfcc
    mean, scale, axes = principal_plane(np.asarray(db.features[shown, :statics]))

    def project(r: np.ndarray) -> np.ndarray:
        return ((np.asarray(db.features[r, :statics], np.float64) - mean) * scale) @ axes

    xy = project(shown)
    files = db.file_index[shown]
    fig, ax = plt.subplots(figsize=(9, 7))
    cmap = plt.get_cmap("tab20" if len(db.files) > 10 else "tab10")
    for i, f in enumerate(db.files):
        on = files == i
        label = Path(f.path).name if i < MAX_LEGEND else None
        ax.scatter(xy[on, 0], xy[on, 1], s=6, alpha=0.6, color=cmap(i % cmap.N), label=label,
                   linewidths=0)
    if rows is not None and rows.size:
        path = project(rows)
        ax.plot(path[:, 0], path[:, 1], "-", color="black", linewidth=0.8, alpha=0.8,
                label=f"render ({rows.size} frames)")
        ax.scatter(path[:1, 0], path[:1, 1], marker="o", s=40, color="black", zorder=3)
        ax.scatter(path[-1:, 0], path[-1:, 1], marker="x", s=50, color="black", zorder=3)
    more = len(db.files) - MAX_LEGEND
    title = f"{db.path.name}: {len(db)} frames of {len(db.files)} file(s)"
    if step > 1:
        title += f", every {step}th drawn"
    ax.set_title(title + (f" ({more} more files unnamed)" if more > 0 else ""), fontsize=10)
    ax.set_xlabel("principal component 1 (z-scored static MFCC)")
    ax.set_ylabel("principal component 2")
    ax.legend(fontsize=7, markerscale=2, loc="best", framealpha=0.8)
    fig.tight_layout()
    out_png = Path(out_png)
    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    log(f"map of {len(db)} frames ({len(db.files)} files"
        f"{', with the render path' if rows is not None else ''}) written to {out_png}")
    return out_png
