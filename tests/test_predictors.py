"""The four predictors and the streaming Forecaster: shapes, causality, TorchScript, streaming."""

from __future__ import annotations

import math

import pytest
import torch

from demiurge.errors import DemiurgeError
from demiurge.sequencer.forecast import Forecaster
from demiurge.sequencer.predictors import MODELS, ONE_STEP, build_predictor, position_codes

W, F, N = 6, 3, 39
SMALL = dict(hidden_size=16, num_layers=2, dim_pos_encoding=6, nhead=3, dim_feedforward=32,
             dropout=0.0)


def _model(name: str, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = build_predictor(name, n_features=N, window_size=W, forecast_size=F, **SMALL)
    torch.nn.init.normal_(model.out.weight, std=0.2)  # the trained-from-zero output, made visible
    return model.eval()


def test_position_codes_known_values():
    codes = position_codes(3, 2, 4, torch.device("cpu"))
    expected = torch.tensor([[math.sin(p), math.cos(p), math.sin(p / 100), math.cos(p / 100)]
                             for p in (3, 4)])
    assert torch.allclose(codes, expected, atol=1e-6)
    assert position_codes(0, 5, 5, torch.device("cpu")).shape == (5, 5)


@pytest.mark.parametrize("name", list(MODELS))
def test_untrained_model_forecasts_persistence(name):
    """The output projection is a zero-initialised residual: a fresh model repeats the last frame."""
    torch.manual_seed(1)
    model = build_predictor(name, n_features=N, window_size=W, forecast_size=F, **SMALL).eval()
    context = torch.randn(2, W, N)
    out = model.rollout(context, 7, 0.0)
    assert out.shape == (2, 7, N)
    assert torch.equal(out, context[:, -1:].expand(-1, 7, -1))


@pytest.mark.parametrize("name", list(MODELS))
def test_forward_shapes_and_causality(name):
    model = _model(name)
    x = torch.randn(3, W + F, N)
    if model.kind == ONE_STEP:
        y = model(x)
        assert y.shape == x.shape
        x2 = x.clone()
        x2[:, 4:] += 5.0  # changing the future must not change predictions made before it
        y2 = model(x2)
        assert torch.allclose(y[:, :4], y2[:, :4], atol=1e-5)
        assert not torch.allclose(y[:, 4:], y2[:, 4:], atol=1e-3)
    else:
        y = model(x[:, :W])
        assert y.shape == (3, F, N)


def test_transformer_decoder_is_causal():
    model = _model("transformer")
    context = torch.randn(1, W, N)
    # The decoder's query for step t must not see queries after t: perturb the last query.
    src = torch.cat([context, position_codes(0, W, 6, context.device)[None]], dim=2)
    queries = torch.cat([torch.zeros(1, F, N), position_codes(W, F, 6, context.device)[None]], dim=2)
    mask = torch.triu(torch.full((F, F), float("-inf")), diagonal=1)
    h = model.transformer(src, queries, tgt_mask=mask)
    queries2 = queries.clone()
    queries2[:, -1] += 3.0
    h2 = model.transformer(src, queries2, tgt_mask=mask)
    assert torch.allclose(h[:, :-1], h2[:, :-1], atol=1e-5)
    assert torch.allclose(model(context), context[:, -1:] + model.out(h), atol=1e-6)


@pytest.mark.parametrize("name", list(MODELS))
def test_rollout_blocks_and_one_step_feedback(name):
    """A rollout of 2F frames equals rolling F, appending them to the context and rolling F again."""
    model = _model(name)
    context = torch.randn(2, W, N)
    full = model.rollout(context, 2 * F, 0.0)
    first = model.rollout(context, F, 0.0)
    assert torch.allclose(full[:, :F], first, atol=1e-5)
    if model.kind != ONE_STEP or name == "transformer-encoder":
        second = model.rollout(torch.cat([context, first], 1)[:, F:], F, 0.0)
        assert torch.allclose(full[:, F:], second, atol=1e-5)


def test_bad_heads_is_a_clear_error():
    with pytest.raises(DemiurgeError, match="divisible by nhead"):
        build_predictor("transformer", n_features=39, window_size=4, forecast_size=2,
                        dim_pos_encoding=26, nhead=4)
    with pytest.raises(DemiurgeError, match="unknown predictor"):
        build_predictor("gru", n_features=39, window_size=4, forecast_size=2)


def _forecaster(name: str) -> Forecaster:
    g = torch.Generator().manual_seed(5)
    mean = torch.randn(N, generator=g)
    std = torch.rand(N, generator=g) + 0.5
    return Forecaster(_model(name), mean, std, W, F).eval()


@pytest.mark.parametrize("name", list(MODELS))
def test_scripted_forecaster_equals_eager_rollout(name, tmp_path):
    fc = _forecaster(name)
    frames = torch.randn(2, N, 20) * 3
    fc.push(frames)
    eager = fc.forecast(8)
    # the same by hand: z-score the last W frames, roll out, de-normalise
    z = ((frames[:, :, -W:] - fc.mean) / fc.std).transpose(1, 2)
    by_hand = fc.model.rollout(z, 8, 0.0).transpose(1, 2) * fc.std + fc.mean
    assert torch.allclose(eager, by_hand, atol=1e-5)

    scripted = torch.jit.script(_forecaster(name))
    scripted.save(str(tmp_path / "fc.ts"))
    loaded = torch.jit.load(str(tmp_path / "fc.ts"))
    loaded.push(frames)
    assert torch.allclose(loaded.forecast(8), eager, atol=1e-5)
    assert loaded.ready()


@pytest.mark.parametrize("name", list(MODELS))
def test_forecaster_streaming_equals_push_at_once(name):
    frames = torch.randn(3, N, 17)
    whole = _forecaster(name)
    whole.push(frames)
    pieces = torch.jit.script(_forecaster(name))
    context_buffer = None
    for a, b in ((0, 1), (1, 5), (5, 6), (6, 17)):
        pieces.push(frames[:, :, a:b])
        if context_buffer is None:
            context_buffer = pieces.context
        assert pieces.context.data_ptr() == context_buffer.data_ptr()  # updated in place
    assert torch.equal(pieces.context, whole.context)
    assert torch.allclose(pieces.forecast(5), whole.forecast(5), atol=1e-6)
    assert int(pieces.frames_seen) == 17


def test_forecaster_before_the_window_is_full_and_reset():
    fc = _forecaster("lstm")
    assert not fc.ready()
    fc.push(torch.randn(1, N, W - 1))
    assert not fc.ready()
    assert torch.equal(fc.context[:, 0], torch.zeros(1, N))  # missing frames = training mean
    fc.push(torch.randn(1, N, 1))
    assert fc.ready()
    fc.reset(1)
    assert not fc.ready() and torch.equal(fc.context, torch.zeros(1, W, N))
    fc.push(torch.randn(4, N, W))  # another batch size starts new streams
    assert fc.context.shape == (4, W, N) and fc.forecast(2).shape == (4, N, 2)


def test_forecaster_temperature():
    fc = _forecaster("lstm-encdec")
    fc.push(torch.randn(1, N, W))
    calm = fc.forecast(6)
    assert torch.equal(calm, fc.forecast(6))
    assert fc.set_temperature(-1.0) == -1 and fc.temperature == 0.0
    assert fc.set_temperature(0.5) == 0
    torch.manual_seed(0)
    noisy = fc.forecast(6)
    assert not torch.allclose(noisy, calm, atol=1e-3)
    torch.manual_seed(0)
    assert torch.equal(noisy, fc.forecast(6))
