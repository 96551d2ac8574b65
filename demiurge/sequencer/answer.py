"""The answer to one target frame: the query chooses a DB frame and the playback plays it.

:class:`Answerer` joins the sequencer's query (:class:`~demiurge.sequencer.query.NearestFrames`)
and its streaming playback (:class:`~demiurge.sequencer.playback.Playback`): one target
descriptor frame in, one hop of DB audio out, joined to the previous hop by the playback's
crossfade. The live engine answers every hop with it; :class:`IndexedAnswerer` puts the faiss
candidate search in front of the same choice rules, for large DBs.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError
from demiurge.sequencer.query_settings import HNSW_FROM_FRAMES, SEARCHES, QuerySettings, parse_weights



class Answerer(nn.Module):
    """One DB's answer to a target frame: ``forward(Tensor[1 x F]) -> Tensor[1 x hop]``.

    ``last_index`` / ``last_distance`` hold the latest match (DB row, distance in the
    query's weighted space). TorchScript-able (the faiss variant is not).
    """

    def __init__(self, query: nn.Module, playback: nn.Module):
        super().__init__()
        self.query = query
        self.playback = playback
        self.n_frames = int(query.points.shape[0])
        self.last_index = -1
        self.last_distance = 0.0

    def forward(self, target: Tensor) -> Tensor:
        rows = self.rows(target)
        self.last_index = int(rows[0])
        self.last_distance = float(self.query.distances(target, rows.view(1, 1))[0, 0])
        return self.playback.stream(rows).unsqueeze(0)

    def rows(self, target: Tensor) -> Tensor:
        """The chosen DB row for ``Tensor[1 x F]``: ``Tensor[1]`` (exact k-NN + choice)."""
        return self.query.choose_next(target)

    @torch.jit.ignore
    def configure(self, settings: QuerySettings) -> None:
        """Apply ``k``, ``avoid_repeats`` and ``continuity`` (between blocks; the weights
        need a new search space: :meth:`with_weights`). A new ``avoid_repeats`` forgets past
        matches."""
        if self.query.set_choice(int(settings.k), int(settings.avoid_repeats),
                                 float(settings.continuity)) != 0:
            raise DemiurgeError(f"need k >= 1, avoid_repeats >= 0, 0 <= continuity <= 1 and "
                                f"k + avoid_repeats <= the DB's {self.n_frames} frames (got "
                                f"k={settings.k}, avoid_repeats={settings.avoid_repeats}, "
                                f"continuity={settings.continuity})")

    @torch.jit.ignore
    def with_crossfade(self, samples: int) -> "Answerer":
        """The same DB with another crossfade length (sharing the audio, the query and any
        index); the new playback continues from this one's previous frame."""
        return self._rebuilt(self.query, self.playback.with_crossfade(samples))

    @torch.jit.ignore
    def with_weights(self, spec: str, names) -> "Answerer":
        """The same DB and playback with other descriptor weights (``"mfcc0=0,..."``, see
        :func:`~demiurge.sequencer.query.parse_weights`): a new search space, and a new index
        for the faiss variant. Slow on a large DB: build it off the audio thread."""
        weights = torch.from_numpy(parse_weights(spec, names))
        query = self.query.with_weights(weights)
        query.previous.copy_(self.query.previous)
        return self._rebuilt(query, self.playback)

    @torch.jit.ignore
    def fork(self) -> "Answerer":
        """Another answerer over the same DB tensors (shared, not copied: scripted and saved
        once) with its own choice and playback state, fresh: one per stream of an nn~
        batch."""
        return Answerer(_own_state(self.query, ("previous", "recent")),
                        _own_state(self.playback, ("previous",)))

    @torch.jit.ignore
    def _rebuilt(self, query: nn.Module, playback: nn.Module) -> "Answerer":
        answerer = Answerer(query, playback)
        answerer.last_index, answerer.last_distance = self.last_index, self.last_distance
        return answerer

    @staticmethod
    def build(*, db, crossfade: int, search: str = "auto",
              settings: QuerySettings = QuerySettings(),
              audio_dtype: torch.dtype = torch.float32) -> "Answerer":
        """The answerer of a :class:`~demiurge.sequencer.db.DescriptorDB` (loads its audio,
        kept as ``audio_dtype``: float32, or float16 for half the memory).

        ``search``: ``exact`` (the sequencer's exact k-NN), ``hnsw`` (its faiss HNSW
        candidates, approximate, much faster on large DBs; needs ``demiurge[faiss]``), or
        ``auto`` (HNSW from :data:`HNSW_FROM_FRAMES` frames on when faiss is installed).
        """
        from demiurge.sequencer.playback import playback_for_db
        from demiurge.sequencer.query import index_db

        if search not in SEARCHES:
            raise DemiurgeError(f"unknown search {search!r}; choose one of {', '.join(SEARCHES)}")
        query = index_db(db, settings=settings)
        if search == "auto":
            try:
                import faiss  # noqa: F401
                search = "hnsw" if len(db) >= HNSW_FROM_FRAMES else "exact"
            except ImportError:
                search = "exact"
        playback = playback_for_db(db, crossfade=crossfade, audio_dtype=audio_dtype)
        if search == "exact":
            return Answerer(query, playback)
        return IndexedAnswerer(query, playback)


def _own_state(module: nn.Module, state: tuple) -> nn.Module:
    """A shallow copy of ``module`` sharing its buffers except ``state`` (fresh: -1)."""
    twin = copy.copy(module)
    twin._buffers = dict(module._buffers)
    twin._modules = dict(module._modules)
    twin._parameters = dict(module._parameters)
    for name in state:
        twin._buffers[name] = torch.full_like(module._buffers[name], -1)
    return twin


class IndexedAnswerer(Answerer):
    """An :class:`Answerer` whose candidates come from a faiss HNSW index
    (:class:`~demiurge.sequencer.query.FaissSearch`, approximate), re-ranked exactly and
    chosen by the same rules. Eager only: a scripted engine uses :class:`Answerer`."""

    def __init__(self, query: nn.Module, playback: nn.Module, index: Any = None):
        super().__init__(query, playback)
        if index is None:
            from demiurge.sequencer.query import FaissSearch

            index = FaissSearch(query, hnsw=True)  # a clear error without faiss
            import faiss

            faiss.omp_set_num_threads(1)  # one query per hop: threads only add overhead
        self.index = index

    def rows(self, target: Tensor) -> Tensor:
        return self.index(target)

    def _rebuilt(self, query: nn.Module, playback: nn.Module) -> "Answerer":
        index = self.index if query is self.query else None  # new weights: a new index
        answerer = IndexedAnswerer(query, playback, index)
        answerer.last_index, answerer.last_distance = self.last_index, self.last_distance
        return answerer
