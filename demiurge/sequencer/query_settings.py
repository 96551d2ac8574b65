"""The k-NN choice's settings, one vocabulary for ``demiurge render`` and ``demiurge-live``
(:class:`QuerySettings`), and the per-descriptor weights (:func:`parse_weights`). Importable
without torch: the command line builds its flags from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from demiurge.errors import DemiurgeError

# The nearest-frame searches a live answer can use (exact k-NN, or faiss HNSW screening).
SEARCHES = ("auto", "exact", "hnsw")
HNSW_FROM_FRAMES = 50_000  # ``auto`` uses the HNSW index from this DB size on


@dataclass(frozen=True)
class QuerySettings:
    """The k-NN choice, one vocabulary for ``demiurge render`` (``--k``, ``--avoid-repeats``,
    ``--continuity``, ``--weights``) and ``demiurge-live`` (``/demiurge/k``,
    ``/demiurge/avoid_repeats``, ``/demiurge/continuity``, ``/demiurge/weights``), with the
    same defaults, so a forecast rendered offline sounds as it does live.

    The defaults choose among the 4 nearest frames, never replay the frame of the previous
    step (no stuck loops on steady input) and let the continuation of the previous match win
    when its distance, halved, beats the nearest: smooth playback of the DB's own phrases.
    ``weights`` (see :func:`parse_weights`) is empty: every descriptor counts once.
    """

    k: int = 4
    avoid_repeats: int = 1
    continuity: float = 0.5
    weights: str = ""


QUERY_HELP = {
    "k": "choose among the k nearest DB frames",
    "avoid_repeats": "never reuse a frame chosen in the last N steps (0 = off)",
    "continuity": "0..1: preference for continuing the previous match (the next frame of its "
                  "file) when it is among the k nearest; its distance is scaled by "
                  "1 - continuity",
    "weights": "per-descriptor weights NAME=W, comma separated, NAME a descriptor (mfcc0) or "
               "a range (mfcc13-38); each weight scales its descriptor's axis (0 ignores it, "
               "2 counts its differences twice); unnamed descriptors keep weight 1",
}

_WEIGHT_ITEM = re.compile(r"^mfcc(\d+)(?:-(?:mfcc)?(\d+))?$")


def parse_weights(spec: str, names: Sequence[str], *, ignore: str = "") -> np.ndarray:
    """``float64[F]`` weights from ``"mfcc0=0,mfcc13-38=0.5"`` (unnamed descriptors: 1) and
    ``ignore`` (``"mfcc0,mfcc1-12"``: weight 0); ``""`` or ``"none"``: all 1. Raises :class:`DemiurgeError` for a bad item."""
    weights = np.ones(len(names))
    spec = "" if spec.strip().lower() == "none" else spec
    items = [(item, None) for item in _items(ignore)] + \
        [tuple(item.split("=", 1)) if "=" in item else (item, "") for item in _items(spec)]
    for name, value in items:
        m = _WEIGHT_ITEM.match(name.strip())
        first = int(m.group(1)) if m else -1
        last = int(m.group(2)) if m and m.group(2) is not None else first
        if not m or not 0 <= first <= last < len(names):
            raise DemiurgeError(f"unknown descriptor {name.strip()!r} in the weights; name "
                                f"mfcc0 .. mfcc{len(names) - 1} or a range such as mfcc13-38")
        if value is None:
            w = 0.0
        else:
            try:
                w = float(value)
            except ValueError:
                w = float("nan")
            if not (np.isfinite(w) and w >= 0):
                raise DemiurgeError(f"weight {name.strip()}={value} must be a number >= 0 "
                                    "(write it as NAME=W)")
        weights[first: last + 1] = w
    if not weights.any():
        raise DemiurgeError("every descriptor has weight 0: nothing is left to match on")
    return weights


def _items(spec: str) -> List[str]:
    return [item for item in re.split(r"[,\s]+", spec.strip()) if item]
