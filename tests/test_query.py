"""The query engine against brute force (numpy, float64), and its sequential choice rules."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from demiurge.errors import DemiurgeError
from demiurge.sequencer.query import FaissSearch, NearestFrames, next_rows


def brute(x: np.ndarray, q: np.ndarray, *, metric: str, standardize: bool, k: int):
    """Reference k-NN in float64 on the float32 search-space points; ties to the lower row."""
    x64 = x.astype(np.float64)
    mean, std = (x64.mean(0), x64.std(0)) if standardize else (0.0, 1.0)
    z, qz = (x64 - mean) / std, (q.astype(np.float64) - mean) / std
    if metric == "cosine":
        z = z / np.linalg.norm(z, axis=1, keepdims=True)
        qz = qz / np.linalg.norm(qz, axis=1, keepdims=True)
    z = z.astype(np.float32).astype(np.float64)  # the module stores float32 points
    qz = qz.astype(np.float32).astype(np.float64)
    sq = ((qz[:, None, :] - z[None]) ** 2).sum(-1)
    rows = np.argsort(sq, axis=1, kind="stable")[:, :k]
    d = np.take_along_axis(sq, rows, 1)
    return (d / 2 if metric == "cosine" else np.sqrt(d)), rows


def module(x: np.ndarray, **kw) -> NearestFrames:
    return NearestFrames(torch.from_numpy(x), torch.full([x.shape[0]], -1, dtype=torch.long), **kw)


@pytest.mark.parametrize("metric, standardize", [("euclidean", True), ("euclidean", False),
                                                 ("cosine", True)])
@pytest.mark.parametrize("k", [1, 5])
def test_search_is_exact_against_brute_force(metric, standardize, k):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3001, 39)) * rng.uniform(0.1, 30, 39) + rng.uniform(-50, 50, 39))
    x = x.astype(np.float32)
    x[1500] = x[17] = x[2999]  # ties: the same frame three times
    q = (rng.standard_normal((40, 39)) * 20).astype(np.float32)
    q[0] = x[2999]
    m = module(x, metric=metric, standardize=standardize, block_rows=1000)  # many blocks
    d, rows = m.search(torch.from_numpy(q), k)
    ref_d, ref_rows = brute(x, q, metric=metric, standardize=standardize, k=k)
    np.testing.assert_array_equal(rows.numpy(), ref_rows)
    np.testing.assert_allclose(d.numpy(), ref_d, rtol=1e-6, atol=1e-9)
    if k == 5:
        assert rows[0, :3].tolist() == [17, 1500, 2999]  # equal distances: lower row first


def test_exact_where_float32_scores_cannot_resolve_the_neighbours():
    # Raw features far from the origin with a tiny spread: |x|^2 ~ 4e7 while neighbour
    # distances are ~1e-4, so the float32 screening scores are useless and the proven bound
    # must send every close row to the float64 re-ranking.
    rng = np.random.default_rng(1)
    x = (1000.0 + 0.01 * rng.standard_normal((2000, 39))).astype(np.float32)
    q = (1000.0 + 0.01 * rng.standard_normal((10, 39))).astype(np.float32)
    d, rows = module(x, standardize=False).search(torch.from_numpy(q), 3)
    ref_d, ref_rows = brute(x, q, metric="euclidean", standardize=False, k=3)
    np.testing.assert_array_equal(rows.numpy(), ref_rows)


def test_many_exact_ties_on_an_integer_grid():
    rng = np.random.default_rng(2)
    x = rng.integers(-2, 3, size=(5000, 4)).astype(np.float32)  # 625 points, each ~8 times
    q = rng.integers(-2, 3, size=(30, 4)).astype(np.float32)
    m = module(x, standardize=False, block_rows=700)
    ref_d, ref_rows = brute(x, q, metric="euclidean", standardize=False, k=12)
    for rerank_rows in (1 << 17, 64):  # all queries re-ranked at once, or one by one
        m.rerank_rows = rerank_rows
        d, rows = m.search(torch.from_numpy(q), 12)
        np.testing.assert_array_equal(rows.numpy(), ref_rows)
        np.testing.assert_array_equal(d.numpy(), ref_d)


def _hard_cases():
    rng = np.random.default_rng(3)
    spread = (rng.standard_normal((3001, 39)) * rng.uniform(0.1, 30, 39)).astype(np.float32)
    spread[1500] = spread[17] = spread[2999]
    far = (1000.0 + 0.01 * rng.standard_normal((2000, 39))).astype(np.float32)
    grid = rng.integers(-2, 3, size=(5000, 4)).astype(np.float32)
    return [(spread, (rng.standard_normal((8, 39)) * 20).astype(np.float32), dict(metric="euclidean")),
            (spread, spread[[2999, 5, 6]], dict(metric="cosine", standardize=True)),
            (far, (1000.0 + 0.01 * rng.standard_normal((8, 39))).astype(np.float32),
             dict(metric="euclidean", standardize=False)),
            (grid, rng.integers(-2, 3, size=(8, 4)).astype(np.float32),
             dict(metric="euclidean", standardize=False))]


@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize("k", [1, 7])
def test_one_query_at_a_time_is_exact_too(case, k):
    """The streaming path (one query per call) has its own search: same known answers."""
    x, q, kw = _hard_cases()[case]
    m = module(x, **kw)
    ref_d, ref_rows = brute(x, q, metric=kw["metric"], standardize=kw.get("standardize", True), k=k)
    for i in range(q.shape[0]):
        d, rows = m.search(torch.from_numpy(q[i:i + 1]), k)
        np.testing.assert_array_equal(rows.numpy()[0], ref_rows[i])
        np.testing.assert_allclose(d.numpy()[0], ref_d[i], rtol=1e-6, atol=1e-9)


def test_a_db_full_of_identical_frames_answers_the_lowest_rows():
    x = np.zeros((20000, 39), np.float32)  # e.g. silence: every frame at the dB floor
    x[::1000] = 1.0
    d, rows = module(x, standardize=False).search(torch.zeros(2, 39), 3)
    assert rows.tolist() == [[1, 2, 3], [1, 2, 3]] and d.abs().max() == 0


def line_db():
    """Two 'files' on a line: file 0 = rows 0..4 at 0, 1, 2, 3, 4; file 1 = rows 5..9 at
    0.1, 1.1, 2.1, 3.1, 4.1 (raw 1-D features padded to 3 dims)."""
    pos = np.concatenate([np.arange(5), np.arange(5) + 0.1]).astype(np.float32)
    x = np.stack([pos, np.zeros(10, np.float32), np.zeros(10, np.float32)], 1)
    nxt = torch.from_numpy(next_rows(np.repeat([0, 1], 5)))
    return torch.from_numpy(x), nxt


def queries(*positions):
    return torch.tensor([[p, 0.0, 0.0] for p in positions])


def test_next_rows_stops_at_file_ends():
    np.testing.assert_array_equal(next_rows(np.array([0, 0, 0, 1, 1, 2])), [1, 2, -1, 4, -1, -1])


def test_repeat_avoidance():
    x, nxt = line_db()
    m = NearestFrames(x, nxt, standardize=False, avoid_repeats=2)
    # The same target five times: 1st, 2nd, 3rd nearest (2.0, 2.1, 1.1), then the 1st again.
    assert m(queries(2.0, 2.0, 2.0, 2.0, 2.0)).tolist() == [2, 7, 6, 2, 7]
    m.reset()
    assert m(queries(2.0)).tolist() == [2]
    plain = NearestFrames(x, nxt, standardize=False)
    assert plain(queries(2.0, 2.0, 2.0)).tolist() == [2, 2, 2]


def test_continuity_prefers_the_next_frame_of_the_previous_match():
    x, nxt = line_db()
    target = queries(0.0, 1.08, 2.09)  # nearest: row 0, then row 6 (1.1), then row 7 (2.1)
    assert NearestFrames(x, nxt, standardize=False)(target).tolist() == [0, 6, 7]
    # Continuing row 0 means row 1 (1.0): 0.08 away vs 0.02, kept when among the k nearest.
    assert NearestFrames(x, nxt, standardize=False, k=2, continuity=0.9)(target).tolist() == [0, 1, 2]
    assert NearestFrames(x, nxt, standardize=False, k=1, continuity=0.9)(target).tolist() == [0, 6, 7]
    # A weak preference does not beat a much nearer frame: 0.08 * 0.5 > 0.02.
    assert NearestFrames(x, nxt, standardize=False, k=2, continuity=0.5)(target).tolist() == [0, 6, 7]
    # The last frame of a file has no continuation.
    assert NearestFrames(x, nxt, standardize=False, k=2, continuity=1.0)(
        queries(4.0, 0.1)).tolist() == [4, 5]


def random_module(**kw):
    rng = np.random.default_rng(3)
    x = torch.from_numpy(rng.standard_normal((500, 39)).astype(np.float32))
    files = np.repeat(np.arange(10), 50)
    walk = x[100:140] + 0.3 * torch.from_numpy(rng.standard_normal((40, 39)).astype(np.float32))
    return NearestFrames(x, torch.from_numpy(next_rows(files)), **kw), walk


def test_frame_by_frame_equals_whole_sequence():
    m, walk = random_module(k=3, avoid_repeats=2, continuity=0.7)
    whole = m(walk)
    m.reset()
    steps = torch.cat([m(walk[i: i + 1]) for i in range(walk.shape[0])])
    assert torch.equal(whole, steps)
    assert (whole[1:] == whole[:-1] + 1).sum() > 20  # the walk is mostly continued


def test_scripted_module_equals_eager_and_survives_save_load():
    m, walk = random_module(k=3, avoid_repeats=1, continuity=0.5, metric="cosine")
    eager = m(walk)
    m.reset()
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(m), buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    loaded.reset()
    assert torch.equal(loaded(walk), eager)
    d1, r1 = m.search(walk, 4)
    d2, r2 = loaded.search(walk, 4)
    assert torch.equal(r1, r2) and torch.equal(d1, d2)


def test_faiss_candidates_give_the_same_choice():
    pytest.importorskip("faiss")
    m, walk = random_module(k=2, avoid_repeats=1, continuity=0.5)
    exact = m(walk)
    m.reset()
    assert torch.equal(FaissSearch(m, hnsw=False)(walk), exact)


@pytest.mark.parametrize("kw, message", [
    (dict(metric="minkowski"), "unknown metric"),
    (dict(k=0), "need k >= 1"),
    (dict(continuity=1.5), "continuity"),
    (dict(k=8, avoid_repeats=3), "exceeds the 10 frames"),
])
def test_bad_settings_are_clear_errors(kw, message):
    x, nxt = line_db()
    with pytest.raises(DemiurgeError, match=message):
        NearestFrames(x, nxt, **kw)


def test_empty_db_is_a_clear_error():
    with pytest.raises(DemiurgeError, match="no frames"):
        NearestFrames(torch.zeros(0, 39), torch.zeros(0, dtype=torch.long))


def test_weights_and_ignore_change_which_frame_matches():
    """Known answers: frame 0 is near the query in mfcc0 only, frame 1 in everything else."""
    from demiurge.sequencer.query import parse_weights

    names = [f"mfcc{i}" for i in range(4)]
    x = np.array([[0.0, 2.0, 2.0, 2.0],
                  [4.0, 0.0, 0.0, 0.0],
                  [9.0, 9.0, 9.0, 9.0]], np.float32)
    q = torch.tensor([[0.0, 0.5, 0.5, 0.5]])
    nearest = {}
    for spec, ignore in (("", ""), ("", "mfcc0"), ("mfcc0=0", ""), ("mfcc1-3=0.1", ""),
                         ("mfcc1-3=3", "")):
        w = torch.from_numpy(parse_weights(spec, names, ignore=ignore))
        nearest[spec, ignore] = int(module(x, standardize=False, weights=w).search(q, 1)[1][0, 0])
    # unweighted: |q - x0|^2 = 6.75 < |q - x1|^2 = 16.75
    assert nearest["", ""] == 0
    # without mfcc0 (ignored or weight 0) only the other three count: 6.75 > 0.75, frame 1
    assert nearest["", "mfcc0"] == 1 and nearest["mfcc0=0", ""] == 1
    # mfcc1-3 scaled by 3: 9 * 6.75 = 60.75 > 16 + 9 * 0.75 = 22.75, frame 1; by 0.1: frame 0
    assert nearest["mfcc1-3=3", ""] == 1 and nearest["mfcc1-3=0.1", ""] == 0
    # the distance is measured in the weighted space
    w = torch.tensor([0.0, 1.0, 1.0, 1.0], dtype=torch.float64)
    d, rows = module(x, standardize=False, weights=w).search(q, 1)
    assert rows[0, 0] == 1 and float(d[0, 0]) == pytest.approx(np.sqrt(0.75))


@pytest.mark.parametrize("spec, ignore, message", [
    ("mfcc4=1", "", "unknown descriptor 'mfcc4'"),
    ("loud=1", "", "unknown descriptor 'loud'"),
    ("mfcc1=-1", "", "must be a number >= 0"),
    ("mfcc1=x", "", "must be a number >= 0"),
    ("mfcc1", "", "must be a number >= 0"),
    ("", "mfcc0-3", "nothing is left to match on"),
])
def test_bad_weights_are_clear_errors(spec, ignore, message):
    from demiurge.sequencer.query import parse_weights

    with pytest.raises(DemiurgeError, match=message):
        parse_weights(spec, [f"mfcc{i}" for i in range(4)], ignore=ignore)


def test_with_weights_keeps_the_choice_settings():
    x, nxt = line_db()
    q = NearestFrames(x, nxt, k=2, avoid_repeats=1, continuity=0.3)
    w = q.with_weights(torch.ones(x.shape[1], dtype=torch.float64) * 2)
    assert (w.k, w.avoid_repeats, w.continuity) == (2, 1, 0.3)
    # a uniform weight scales every distance and changes no choice
    queries = x[:5] + 0.1
    assert torch.equal(q.search(queries, 3)[1], w.search(queries, 3)[1])
    torch.testing.assert_close(w.search(queries, 3)[0], 2 * q.search(queries, 3)[0])
