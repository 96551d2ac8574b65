"""Nearest-frame search over a descriptor DB (the sequencer's query engine).

:class:`NearestFrames` is a TorchScript-able module holding the DB frames in search space
(z-scored with the DB's own mean and std by default, or raw as in the original) and answering

* ``search(queries, k)``: the exact k nearest frames (stateless), and
* ``forward(queries)``: one chosen frame per query, in order, with optional avoidance of
  recently chosen frames and a preference for continuing the previous choice (stateful: a
  sequence can be given at once or frame by frame with identical results).

Exact search: candidates are screened with one matrix product per block of DB rows (scores
``|x|^2 - 2 q.x`` from precomputed norms, as faiss's flat index does), every row whose score
could be within float32 rounding of the k-th best is kept (a proven error bound), and the
candidates are re-ranked with distances recomputed in float64; ties go to the lower row.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError
from demiurge.sequencer.query_settings import QuerySettings, parse_weights

METRICS = ("euclidean", "cosine")
_UNIT_ROUNDOFF = 2.0 ** -24  # float32


class NearestFrames(nn.Module):
    """Exact k-NN over DB frames, plus a stateful frame-by-frame choice.

    Args:
        features: ``Tensor[N x F]`` the DB descriptors (raw, as stored in the DB).
        next_row: ``Tensor[N]`` (int64) the row of the frame that follows each frame in its
            file, ``-1`` for a file's last frame (see :func:`next_rows`).
        standardize: z-score features and queries with the DB's per-feature mean and std.
        metric: ``"euclidean"`` or ``"cosine"`` (cosine distance ``1 - cos``, computed as half
            the squared distance between unit vectors).
        k: the choice considers the ``k`` nearest allowed frames.
        avoid_repeats: never choose a frame chosen in the last ``avoid_repeats`` steps.
        continuity: in ``[0, 1]``; the frame after the previous choice (same file), if it is
            as near as the k-th candidate, competes with its distance scaled by
            ``1 - continuity`` (1: always continue when it is among the k nearest).
        weights: ``Tensor[F]`` (>= 0) scales each descriptor's axis of the search space after
            the z-score (0 ignores a descriptor); None: all 1. See :func:`parse_weights`.

    Streaming API (``forward``): ``Tensor[Q x F] -> Tensor[Q]`` (int64 DB rows). State: the
    previous choice and the last ``avoid_repeats`` choices; calling ``forward`` on a sequence
    at once equals calling it on each frame in turn. ``reset()`` forgets the state (start of
    a new sequence). ``search(queries, k) -> (Tensor[Q x k] float64 distances, Tensor[Q x k]
    int64 rows)`` is stateless.
    """

    def __init__(self, features: Tensor, next_row: Tensor, *, standardize: bool = True,
                 metric: str = "euclidean", k: int = 1, avoid_repeats: int = 0,
                 continuity: float = 0.0, weights: Optional[Tensor] = None,
                 block_rows: int = 32768, query_chunk: int = 256):
        super().__init__()
        if metric not in METRICS:
            raise DemiurgeError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
        if features.dim() != 2 or features.shape[0] == 0:
            raise DemiurgeError("the DB has no frames to search; describe some audio first")
        if next_row.shape != features.shape[:1]:
            raise DemiurgeError("next_row must give one entry per DB frame")
        if k < 1 or avoid_repeats < 0 or not 0.0 <= continuity <= 1.0:
            raise DemiurgeError(f"need k >= 1, avoid_repeats >= 0 and 0 <= continuity <= 1 "
                                f"(got k={k}, avoid_repeats={avoid_repeats}, "
                                f"continuity={continuity})")
        if k + avoid_repeats > features.shape[0]:
            raise DemiurgeError(f"k + avoid_repeats ({k + avoid_repeats}) exceeds the "
                                f"{features.shape[0]} frames of the DB")
        x = features.double()
        if standardize:
            mean = x.mean(0)
            std = x.std(0, unbiased=False)
            std = torch.where(std > 1e-12 * std.max().clamp(min=1e-30), std, torch.ones_like(std))
        else:
            mean = torch.zeros(x.shape[1], dtype=torch.float64)
            std = torch.ones(x.shape[1], dtype=torch.float64)
        w = torch.ones(x.shape[1], dtype=torch.float64) if weights is None else weights.double()
        if w.shape != (x.shape[1],) or bool((w < 0).any()) or not bool((w > 0).any()):
            raise DemiurgeError(f"need {x.shape[1]} weights >= 0, not all 0")
        self.standardize = standardize
        self.cosine = metric == "cosine"
        self.metric = metric
        self.k = k
        self.avoid_repeats = avoid_repeats
        self.continuity = float(continuity)
        self.block_rows = max(32, block_rows // 32 * 32)  # DB rows scored per product
        self.query_chunk = query_chunk
        self.n_features = int(features.shape[1])
        # The raw frames, kept to rebuild the search space with other weights.
        self.register_buffer("features", features.float().contiguous())
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.register_buffer("weights", w)
        self.register_buffer("inv_std", w / std)
        self.register_buffer("scored_t", torch.zeros(0))
        self.register_buffer("points", torch.zeros(0))
        self.max_norm = 0.0
        self._build_space(w)
        self.group = 32  # rows per group screened by their smallest score (divides block_rows)
        self.rerank_rows = 1 << 17  # candidate rows re-ranked in float64 per pass
        # Relative rounding bound of a float32 score over F features (see _search_chunk).
        self.roundoff = (self.n_features + 4) * _UNIT_ROUNDOFF
        self.register_buffer("next_row", next_row.long().contiguous())
        self.register_buffer("previous", torch.full([1], -1, dtype=torch.long))
        self.register_buffer("recent", torch.full([max(avoid_repeats, 1)], -1, dtype=torch.long))

    @torch.jit.ignore
    def with_weights(self, weights: Tensor) -> "NearestFrames":
        """The same DB and choice settings with other weights (a new search space; the
        choice state starts afresh)."""
        return NearestFrames(self.features, self.next_row, standardize=self.standardize,
                             metric=self.metric, k=self.k, avoid_repeats=self.avoid_repeats,
                             continuity=self.continuity, weights=weights,
                             block_rows=self.block_rows, query_chunk=self.query_chunk)

    # ------------------------------------------------------------------ search space
    def _build_space(self, weights: Tensor) -> None:
        """The frames in search space for ``weights`` ``Tensor[F]`` float64: z-scored, then
        scaled by the weights (one scale, ``inv_std``)."""
        self.weights = weights
        self.inv_std = weights / self.std
        points = self._space((self.features.double() - self.mean) * self.inv_std).float()
        sq = points.double().square().sum(1)
        # Columns [x, |x|^2] (feature-major: blocks of frames are contiguous per feature): a
        # query row [-2 q, 1] scores a block of frames with one matrix product.
        self.scored_t = torch.cat([points, sq.float().unsqueeze(1)], 1).t().contiguous()
        # Tensor[N x F]: the frames in search space (a view of scored_t, no copy).
        self.points = self.scored_t[: self.n_features].t()
        self.max_norm = float(sq.max().sqrt())

    @torch.jit.export
    def set_weights(self, weights: Tensor) -> int:
        """Other descriptor weights ``Tensor[F]`` (>= 0, not all 0) in place (the choice state
        is kept): 0, or -1 (nothing changed) if they are not valid."""
        if weights.shape != self.weights.shape or bool((weights < 0).any()) or \
                not bool((weights > 0).any()):
            return -1
        self._build_space(weights.double())
        return 0

    def _space(self, x: Tensor) -> Tensor:
        if self.cosine:
            return x / x.square().sum(-1, keepdim=True).sqrt().clamp(min=1e-12)
        return x

    @torch.jit.export
    def transform(self, queries: Tensor) -> Tensor:
        """``Tensor[Q x F]`` raw descriptors -> ``Tensor[Q x F]`` float32 in search space
        (z-scored, weighted)."""
        q = (queries.double() - self.mean) * self.inv_std
        return self._space(q).float()

    def _finish(self, sq_dist: Tensor) -> Tensor:
        if self.cosine:
            return sq_dist * 0.5
        return sq_dist.clamp(min=0.0).sqrt()

    def _exact_sq(self, q: Tensor, rows: Tensor) -> Tensor:
        """Squared distances in float64: ``q Tensor[Q x F]``, ``rows Tensor[Q x C]``."""
        pts = self.scored_t[: self.n_features].index_select(1, rows.reshape(-1))
        pts = pts.t().reshape(rows.shape[0], rows.shape[1], self.n_features)
        return (pts.double() - q.double().unsqueeze(1)).square().sum(2)

    # ------------------------------------------------------------------ exact k-NN
    @torch.jit.export
    def search(self, queries: Tensor, k: int) -> Tuple[Tensor, Tensor]:
        """The exact k nearest DB frames of each query (raw descriptors).

        ``Tensor[Q x F] -> (Tensor[Q x k] float64 distances, Tensor[Q x k] int64 rows)``,
        nearest first, ties to the lower row.
        """
        if queries.dim() != 2 or queries.shape[1] != self.n_features:
            raise ValueError("queries must be Tensor[Q x n_features]")
        if k < 1 or k > self.scored_t.shape[1]:
            raise ValueError("k must be between 1 and the number of DB frames")
        q = self.transform(queries)
        if q.shape[0] == 1:
            return self._search_one(q, k)
        dists: List[Tensor] = []
        rows: List[Tensor] = []
        for start in range(0, q.shape[0], self.query_chunk):
            d, r = self._search_chunk(q[start: start + self.query_chunk], k)
            dists.append(d)
            rows.append(r)
        return torch.cat(dists), torch.cat(rows)

    def _rounding_bound(self, q: Tensor) -> Tensor:
        """``Tensor[Q]`` float64: how far a float32 score may be from the exact one."""
        qn = q.double().square().sum(1).sqrt()
        return self.roundoff * (2.0 * self.max_norm ** 2 + 4.0 * qn * self.max_norm)

    def _search_one(self, q: Tensor, k: int) -> Tuple[Tensor, Tensor]:
        """One query (the streaming case): score every row with one matrix-vector product,
        then re-rank in float64 the rows whose score lies within the rounding bound of the
        k-th smallest. ``q Tensor[1 x F]`` in search space."""
        q_scored = torch.cat([-2.0 * q, torch.ones(1, 1, device=q.device)], 1)
        s = torch.matmul(q_scored, self.scored_t).squeeze(0)  # [n]
        # An upper bound of the k-th smallest score is all the screening needs: the k-th
        # smallest of the minima of g interleaved groups of rows (k distinct rows).
        n = s.shape[0]
        g = self.group if n >= self.group * k else 1
        mins = s[: n // g * g].reshape(g, n // g).amin(0) if g > 1 else s
        kth = torch.topk(mins, k, largest=False).values[k - 1].double()
        limit = (kth + 2.0 * self._rounding_bound(q)[0]).float()
        limit = torch.nextafter(limit, torch.full_like(limit, float("inf")))  # round up
        cand = torch.nonzero(s <= limit).squeeze(1).unsqueeze(0)  # rows, ascending
        exact = self._exact_sq(q, cand)
        best = torch.sort(exact, dim=1, stable=True).indices[:, :k]  # ties to the lower row
        return self._finish(exact.gather(1, best)), cand.gather(1, best)

    def _search_chunk(self, q: Tensor, k: int) -> Tuple[Tensor, Tensor]:
        n = self.scored_t.shape[1]
        g = self.group
        nq = q.shape[0]
        block_rows = self.block_rows
        q_scored = torch.cat([-2.0 * q, torch.ones(nq, 1, device=q.device)], 1)
        group_min: List[Tensor] = []
        for start in range(0, n, block_rows):
            stop = min(start + block_rows, n)
            s = torch.matmul(q_scored, self.scored_t[:, start:stop])  # [Q x rows]
            pad = (g - (stop - start) % g) % g
            if pad > 0:
                s = torch.cat([s, torch.full([nq, pad], float("inf"), device=q.device)], 1)
            # Group j of the block holds rows start + j + i * stride, i < g (the minimum runs
            # across contiguous memory, which vectorises well).
            stride = s.shape[1] // g
            group_min.append(s.reshape(nq, g, stride).amin(1))
        mins = torch.cat(group_min, dim=1)  # [Q x groups]: smallest score of each group of rows
        n_groups = mins.shape[1]
        # The k-th smallest group minimum bounds the k-th smallest score from above; any row
        # within the rounding bound of it may be a true neighbour, so its group is re-ranked.
        eps = self._rounding_bound(q)
        if k < n_groups:
            kth = torch.topk(mins, k, dim=1, largest=False).values[:, k - 1].double()
            counts = (mins.double() <= (kth + 2.0 * eps).unsqueeze(1)).sum(1)
        else:
            counts = torch.full([nq], n_groups, dtype=torch.long, device=q.device)
        # Re-rank a few queries at a time, so that many tied frames (e.g. silence) in the DB
        # cannot blow up memory: about RERANK_ROWS candidate rows per pass.
        per_pass = max(1, self.rerank_rows // (g * int(counts.max())))
        dists: List[Tensor] = []
        rows: List[Tensor] = []
        for s in range(0, nq, per_pass):
            e = min(s + per_pass, nq)
            d, r = self._rerank(q[s:e], mins[s:e], int(counts[s:e].max()), k, block_rows)
            dists.append(d)
            rows.append(r)
        return torch.cat(dists), torch.cat(rows)

    def _rerank(self, q: Tensor, mins: Tensor, count: int, k: int,
                block_rows: int) -> Tuple[Tensor, Tensor]:
        """Exact k-NN among the ``count`` groups with the smallest minima of each query."""
        n = self.scored_t.shape[1]
        g = self.group
        groups = torch.topk(mins, count, dim=1, largest=False).indices
        # Group -> (block, j): rows block * block_rows + j + i * stride (shorter last block).
        per_block = block_rows // g
        last = (n - 1) // block_rows
        block = torch.div(groups, per_block, rounding_mode="floor")
        first = block * block_rows + groups - block * per_block
        stride = torch.where(block == last, (n - last * block_rows + g - 1) // g, per_block)
        cand = (first.unsqueeze(2) + stride.unsqueeze(2) * torch.arange(g, device=q.device)
                ).reshape(q.shape[0], -1)
        valid = cand < n
        cand = cand.clamp(max=n - 1)
        exact = self._exact_sq(q, cand)
        exact = torch.where(valid, exact, torch.full_like(exact, float("inf")))
        # Ties to the lower row: order by row, then stably by distance.
        order = torch.sort(cand, dim=1, stable=True).indices
        exact = exact.gather(1, order)
        cand = cand.gather(1, order)
        best = torch.sort(exact, dim=1, stable=True).indices[:, :k]
        return self._finish(exact.gather(1, best)), cand.gather(1, best)

    @torch.jit.export
    def distances(self, queries: Tensor, rows: Tensor) -> Tensor:
        """Exact distances ``Tensor[Q x C]`` float64 from each query to the given DB rows."""
        return self._finish(self._exact_sq(self.transform(queries), rows))

    # ------------------------------------------------------------------ sequential choice
    @torch.jit.export
    def set_choice(self, k: int, avoid_repeats: int, continuity: float) -> int:
        """New choice settings (between queries): 0, or -1 (nothing changed) if ``k < 1``,
        ``avoid_repeats < 0``, ``continuity`` outside [0, 1] or ``k + avoid_repeats`` more
        than the DB's frames. A new ``avoid_repeats`` forgets past matches."""
        if k < 1 or avoid_repeats < 0 or not 0.0 <= continuity <= 1.0 or \
                k + avoid_repeats > self.scored_t.shape[1]:
            return -1
        self.k = k
        if avoid_repeats != self.avoid_repeats:
            self.avoid_repeats = avoid_repeats
            self.recent = torch.full([max(avoid_repeats, 1)], -1, dtype=torch.long,
                                     device=self.previous.device)
        self.continuity = continuity
        return 0

    @torch.jit.export
    def reset(self) -> None:
        """Forget previous choices: the next query starts a new sequence."""
        self.previous.fill_(-1)
        self.recent.fill_(-1)

    def forward(self, queries: Tensor) -> Tensor:
        """Choose one DB row per query, in order: ``Tensor[Q x F] -> Tensor[Q]`` (int64)."""
        dist, rows = self.search(queries, self.k + self.avoid_repeats)
        return self.choose(queries, dist, rows)

    @torch.jit.export
    def choose_next(self, query: Tensor) -> Tensor:
        """``forward`` for one query ``Tensor[1 x F] -> Tensor[1]``, the streaming case (only
        the single-query search: a smaller graph for TorchScript to optimise)."""
        dist, rows = self._search_one(self.transform(query), self.k + self.avoid_repeats)
        return self.choose(query, dist, rows)

    @torch.jit.export
    def choose(self, queries: Tensor, dist: Tensor, rows: Tensor) -> Tensor:
        """The choice given each query's nearest rows (sorted, ``k + avoid_repeats`` of them,
        e.g. from another index): ``Tensor[Q x F], Tensor[Q x C], Tensor[Q x C] -> Tensor[Q]``."""
        q = self.transform(queries)
        out = torch.empty(q.shape[0], dtype=torch.long, device=q.device)
        for i in range(q.shape[0]):
            cand = rows[i]
            cand_d = dist[i]
            if self.avoid_repeats > 0:
                allowed = (cand.unsqueeze(1) != self.recent.unsqueeze(0)).all(1)
                cand = cand[allowed]
                cand_d = cand_d[allowed]
            kk = min(self.k, int(cand.shape[0]))
            choice = int(cand[0])
            cost = float(cand_d[0])
            prev = int(self.previous[0])
            if self.continuity > 0.0 and prev >= 0:
                follow = int(self.next_row[prev])
                if follow >= 0 and not bool((self.recent == follow).any()):
                    d_follow = float(self._finish(self._exact_sq(
                        q[i: i + 1], torch.full([1, 1], follow, dtype=torch.long,
                                                device=q.device)))[0, 0])
                    if d_follow <= float(cand_d[kk - 1]) and \
                            d_follow * (1.0 - self.continuity) < cost:
                        choice = follow
            out[i] = choice
            self.previous.fill_(choice)
            if self.avoid_repeats > 0:
                self.recent.copy_(torch.cat([self.recent[1:], self.previous]))
        return out


def next_rows(file_index: np.ndarray) -> np.ndarray:
    """``int64[N]`` file of each DB row -> ``int64[N]`` the following row in the same file, or -1."""
    file_index = np.asarray(file_index)
    nxt = np.arange(1, file_index.shape[0] + 1, dtype=np.int64)
    same = np.zeros(file_index.shape[0], dtype=bool)
    same[:-1] = file_index[1:] == file_index[:-1]
    return np.where(same, nxt, -1)


def index_db(db, *, settings: QuerySettings = QuerySettings(), metric: str = "euclidean",
             standardize: bool = True, ignore: str = "") -> NearestFrames:
    """A :class:`NearestFrames` over a :class:`~demiurge.sequencer.db.DescriptorDB`, choosing
    by ``settings`` (its weights, and ``ignore``, parsed against the DB's descriptor names)."""
    weights = parse_weights(settings.weights, db.config.feature_names, ignore=ignore)
    return NearestFrames(torch.from_numpy(np.array(db.features, dtype=np.float32)),
                         torch.from_numpy(next_rows(db.file_index)), standardize=standardize,
                         metric=metric, k=settings.k, avoid_repeats=settings.avoid_repeats,
                         continuity=settings.continuity, weights=torch.from_numpy(weights))


class FaissSearch:
    """Candidates from a faiss index for very large DBs (optional extra ``demiurge[faiss]``).

    ``hnsw=True`` uses an approximate HNSW graph (sub-linear, may miss the true nearest);
    otherwise a flat index (exact up to float32 rounding). Candidates are re-ranked with the
    module's exact distances, so the choice logic is the same as with exact search.
    """

    def __init__(self, frames: NearestFrames, *, hnsw: bool = True):
        try:
            import faiss
        except ImportError:
            raise DemiurgeError("faiss is not installed; `pip install demiurge[faiss]` or "
                                "drop the faiss option to use exact search") from None
        self.frames = frames
        dim = frames.n_features
        self.index = faiss.IndexHNSWFlat(dim, 32) if hnsw else faiss.IndexFlatL2(dim)
        self.index.add(np.ascontiguousarray(frames.points.numpy()))

    def search(self, queries: Tensor, k: int) -> Tuple[Tensor, Tensor]:
        """Same contract as :meth:`NearestFrames.search`."""
        q = self.frames.transform(queries).numpy()
        _, rows = self.index.search(q, k)
        rows = torch.from_numpy(rows).long()
        dist = self.frames.distances(queries, rows.clamp(min=0))
        dist = torch.where(rows >= 0, dist, torch.full_like(dist, float("inf")))
        order = torch.sort(rows, dim=1, stable=True).indices
        dist, rows = dist.gather(1, order), rows.gather(1, order)
        best = torch.sort(dist, dim=1, stable=True).indices
        return dist.gather(1, best), rows.gather(1, best)

    def __call__(self, queries: Tensor) -> Tensor:
        f = self.frames
        dist, rows = self.search(queries, f.k + f.avoid_repeats)
        return f.choose(queries, dist, rows)


def weights_from_spec(spec: str, n_features: int) -> Tensor:
    """:func:`~demiurge.sequencer.query_settings.parse_weights` for TorchScript (the nn~
    sequencer's ``weights`` attribute): ``"mfcc0=0,mfcc13-38=0.5"`` -> ``Tensor[F]`` float64
    (unnamed descriptors 1; ``""`` or ``"none"``: all 1), or an empty tensor if an item is
    not ``mfccI=W`` / ``mfccI-J=W`` with ``0 <= I <= J < F`` and W a plain decimal number
    >= 0, or if every weight is 0."""
    bad = torch.zeros(0, dtype=torch.float64)
    weights = torch.ones(n_features, dtype=torch.float64)
    text = spec.strip()
    if text.lower() == "none":
        return weights
    for item in text.replace(",", " ").split():
        parts = item.split("=")
        if len(parts) != 2 or not parts[0].startswith("mfcc") or not _is_decimal(parts[1]):
            return bad
        span = parts[0][4:].split("-")
        if len(span) == 2 and span[1].startswith("mfcc"):
            span[1] = span[1][4:]
        if len(span) > 2 or not span[0].isdigit() or not span[-1].isdigit():
            return bad
        first, last = int(span[0]), int(span[-1])
        if not 0 <= first <= last < n_features:
            return bad
        weights[first:last + 1] = float(parts[1])
    if not bool((weights > 0).any()):
        return bad
    return weights


def _is_decimal(text: str) -> bool:
    """Digits with at most one decimal point (and at least one digit)."""
    digits = text.replace(".", "", 1)
    return len(digits) > 0 and digits.isdigit()
