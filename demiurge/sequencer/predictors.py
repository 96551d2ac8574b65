"""The four descriptor predictors of the Demiurge sequencer (pure, TorchScript-able models).

Every model works on z-scored descriptor frames, time-major: ``Tensor[B x T x n]`` with
``n`` features per frame (39 by default). Two kinds:

* **one-step** (``lstm``, ``transformer-encoder``): ``forward(x[B x T x n]) -> [B x T x n]``
  predicts frame ``t + 1`` from frames ``0..t`` at every position (teacher forcing); a
  forecast is rolled out one frame at a time, feeding each prediction back.
* **seq2seq** (``lstm-encdec``, ``transformer``): ``forward(context[B x W x n]) ->
  [B x F x n]`` predicts the next ``forecast_size`` frames at once with a decoder; longer
  forecasts repeat blocks of ``forecast_size``, appending each block to the context.

All four share ``rollout(context[B x W x n], horizon, temperature) -> [B x horizon x n]``,
the one forecasting routine (used by :class:`demiurge.sequencer.forecast.Forecaster`,
``demiurge predict``, the live host and the nn~ export). ``temperature`` adds Gaussian noise
of that standard deviation (in z units) to each predicted frame before it is fed back.

Differences from the original models (see ``docs/predictors.md``):

* every output goes through a Linear projection to the ``n`` features, which is a
  **residual** on the last input frame (``next = last + Linear(h)``, the Linear
  initialised to zero): an untrained model starts as the persistence forecast and learns
  the change, which trains much faster on short CPU budgets;
* the Transformers use causal masks (the encoder-only model on its input, the full
  Transformer on its decoder queries), and the full Transformer has an output projection.
"""

from __future__ import annotations

import math
from typing import Dict

import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError
from demiurge.sequencer.predictor_config import HYPERPARAMETERS

ONE_STEP = "one-step"
SEQ2SEQ = "seq2seq"


def position_codes(start: int, length: int, dim: int, device: torch.device) -> Tensor:
    """Sinusoidal position codes for positions ``start .. start+length-1``: ``Tensor[length x dim]``.

    Code ``2i`` is ``sin(p / 10000^(2i/dim))`` and code ``2i+1`` the matching cosine
    (Vaswani et al.).
    """
    pos = torch.arange(start, start + length, device=device, dtype=torch.float32).unsqueeze(1)
    half = (dim + 1) // 2
    freq = torch.exp(torch.arange(half, device=device, dtype=torch.float32)
                     * (-2.0 * math.log(10000.0) / float(max(dim, 1))))
    angles = pos * freq.unsqueeze(0)
    codes = torch.stack([torch.sin(angles), torch.cos(angles)], dim=2).reshape(length, 2 * half)
    return codes[:, :dim]


def causal_mask(length: int, device: torch.device) -> Tensor:
    """Additive attention mask ``Tensor[length x length]``: ``-inf`` above the diagonal."""
    return torch.triu(torch.full((length, length), float("-inf"), device=device), diagonal=1)


def _with_positions(x: Tensor, start: int, dim: int) -> Tensor:
    """``x[B x T x n]`` -> ``[B x T x (n + dim)]``: frames concatenated with position codes."""
    codes = position_codes(start, x.shape[1], dim, x.device).to(x.dtype)
    return torch.cat([x, codes.unsqueeze(0).expand(x.shape[0], -1, -1)], dim=2)


def _zero_linear(n_in: int, n_out: int) -> nn.Linear:
    layer = nn.Linear(n_in, n_out)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def _noise(y: Tensor, temperature: float) -> Tensor:
    if temperature > 0.0:
        return y + temperature * torch.randn_like(y)
    return y


class LSTMPredictor(nn.Module):
    """One-step LSTM: ``LSTM(n -> hidden, num_layers)`` + Linear, residual on the input frame.

    ``forward(x[B x T x n]) -> [B x T x n]`` (prediction of frame t+1 at position t);
    ``rollout`` runs the context once and then carries the LSTM state ``(h, c)`` from frame
    to frame.
    """

    kind: str = ONE_STEP

    def __init__(self, n_features: int = 39, window_size: int = 10, forecast_size: int = 3,
                 hidden_size: int = 100, num_layers: int = 3, dropout: float = 0.1):
        super().__init__()
        self.n_features = n_features
        self.window_size = window_size
        self.forecast_size = forecast_size
        self.lstm = nn.LSTM(n_features, hidden_size, num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.out = _zero_linear(hidden_size, n_features)

    def forward(self, x: Tensor) -> Tensor:
        y, _ = self.lstm(x)
        return x + self.out(y)

    @torch.jit.export
    def rollout(self, context: Tensor, horizon: int, temperature: float = 0.0) -> Tensor:
        """``context[B x W x n] -> Tensor[B x horizon x n]`` (z-scored frames)."""
        y, state = self.lstm(context)
        frame = _noise(context[:, -1:] + self.out(y[:, -1:]), temperature)
        steps = [frame]
        for _ in range(horizon - 1):
            y, state = self.lstm(frame, state)
            frame = _noise(frame + self.out(y), temperature)
            steps.append(frame)
        return torch.cat(steps, dim=1)[:, :horizon]


class Seq2Seq(nn.Module):
    """Base of the seq2seq predictors: ``forward(context[B x W x n]) -> [B x forecast_size x n]``
    predicts a block of frames at once; longer forecasts repeat blocks."""

    @torch.jit.export
    def rollout(self, context: Tensor, horizon: int, temperature: float = 0.0) -> Tensor:
        """``context[B x W x n] -> Tensor[B x horizon x n]``, in blocks of ``forecast_size``."""
        blocks = []
        made = 0
        while made < horizon:
            block = _noise(self.forward(context), temperature)
            blocks.append(block)
            made += block.shape[1]
            context = torch.cat([context, block], dim=1)[:, block.shape[1]:]
        return torch.cat(blocks, dim=1)[:, :horizon]


class LSTMEncoderDecoder(Seq2Seq):
    """Seq2seq LSTM: the encoder reads ``frames ⊕ position codes`` of the context; the
    decoder, started from the encoder's final ``(h, c)``, is fed the position codes of the
    ``forecast_size`` future steps; a Linear maps its outputs to frames (residual on the last
    context frame).

    ``forward(context[B x W x n]) -> [B x forecast_size x n]``.
    """

    kind: str = SEQ2SEQ

    def __init__(self, n_features: int = 39, window_size: int = 10, forecast_size: int = 3,
                 hidden_size: int = 100, num_layers: int = 3, dim_pos_encoding: int = 26,
                 dropout: float = 0.1):
        super().__init__()
        self.n_features = n_features
        self.window_size = window_size
        self.forecast_size = forecast_size
        self.dim_pos = dim_pos_encoding
        drop = dropout if num_layers > 1 else 0.0
        self.encoder = nn.LSTM(n_features + dim_pos_encoding, hidden_size, num_layers,
                               batch_first=True, dropout=drop)
        self.decoder = nn.LSTM(dim_pos_encoding, hidden_size, num_layers, batch_first=True,
                               dropout=drop)
        self.out = _zero_linear(hidden_size, n_features)

    def forward(self, context: Tensor) -> Tensor:
        _, state = self.encoder(_with_positions(context, 0, self.dim_pos))
        queries = position_codes(context.shape[1], self.forecast_size, self.dim_pos, context.device)
        queries = queries.to(context.dtype).unsqueeze(0).expand(context.shape[0], -1, -1)
        y, _ = self.decoder(queries.contiguous(), state)
        return context[:, -1:] + self.out(y)


class TransformerEncoderPredictor(nn.Module):
    """One-step Transformer encoder: ``frames ⊕ position codes`` (d_model = n +
    dim_pos_encoding), causal self-attention, Linear out (residual on the input frame).

    ``forward(x[B x T x n]) -> [B x T x n]`` (prediction of frame t+1 at position t);
    ``rollout`` slides a window of the last ``window_size`` frames (positions 0..W-1, as in
    training) and predicts one frame per pass.
    """

    kind: str = ONE_STEP

    def __init__(self, n_features: int = 39, window_size: int = 10, forecast_size: int = 3,
                 num_layers: int = 3, dim_pos_encoding: int = 26, nhead: int = 5,
                 dim_feedforward: int = 128, dropout: float = 0.1):
        super().__init__()
        d_model = _transformer_sizes(self, n_features, window_size, forecast_size,
                                     dim_pos_encoding, nhead)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.out = _zero_linear(d_model, n_features)

    def forward(self, x: Tensor) -> Tensor:
        h = self.encoder(_with_positions(x, 0, self.dim_pos), mask=causal_mask(x.shape[1], x.device))
        return x + self.out(h)

    @torch.jit.export
    def rollout(self, context: Tensor, horizon: int, temperature: float = 0.0) -> Tensor:
        """``context[B x W x n] -> Tensor[B x horizon x n]``, one frame per pass."""
        window = context[:, context.shape[1] - min(context.shape[1], self.window_size):]
        steps = []
        for _ in range(horizon):
            frame = _noise(self.forward(window)[:, -1:], temperature)
            steps.append(frame)
            window = torch.cat([window, frame], dim=1)[:, 1:]
        return torch.cat(steps, dim=1)


class TransformerPredictor(Seq2Seq):
    """Seq2seq Transformer (``nn.Transformer``): the encoder reads ``frames ⊕ position codes``
    of the context; the decoder queries are ``zeros ⊕ position codes`` of the future steps
    under a causal mask; a Linear projects the decoder output to frames (residual on the last
    context frame).

    ``forward(context[B x W x n]) -> [B x forecast_size x n]``.
    """

    kind: str = SEQ2SEQ

    def __init__(self, n_features: int = 39, window_size: int = 10, forecast_size: int = 3,
                 num_layers: int = 3, dim_pos_encoding: int = 26, nhead: int = 5,
                 dim_feedforward: int = 128, dropout: float = 0.1):
        super().__init__()
        d_model = _transformer_sizes(self, n_features, window_size, forecast_size,
                                     dim_pos_encoding, nhead)
        # The encoder is built here only to turn off nested tensors (unused with odd nhead).
        encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True),
            num_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False)
        self.transformer = nn.Transformer(d_model, nhead, num_decoder_layers=num_layers,
                                          dim_feedforward=dim_feedforward, dropout=dropout,
                                          custom_encoder=encoder, batch_first=True)
        self.out = _zero_linear(d_model, n_features)

    def forward(self, context: Tensor) -> Tensor:
        src = _with_positions(context, 0, self.dim_pos)
        zeros = torch.zeros(context.shape[0], self.forecast_size, self.n_features,
                            device=context.device, dtype=context.dtype)
        tgt = _with_positions(zeros, context.shape[1], self.dim_pos)
        h = self.transformer(src, tgt, tgt_mask=causal_mask(self.forecast_size, context.device))
        return context[:, -1:] + self.out(h)


def _transformer_sizes(module: nn.Module, n_features: int, window_size: int, forecast_size: int,
                       dim_pos: int, nhead: int) -> int:
    """Set the sizes both Transformer predictors keep; return their width d_model (frames ⊕
    position codes), checked against ``nhead``."""
    module.n_features = n_features
    module.window_size = window_size
    module.forecast_size = forecast_size
    module.dim_pos = dim_pos
    d_model = n_features + dim_pos
    if nhead < 1 or d_model % nhead:
        raise DemiurgeError(
            f"the Transformer width ({n_features} features + {dim_pos} position codes = "
            f"{d_model}) must be divisible by nhead ({nhead}); change --nhead or "
            "--dim-pos-encoding")
    return d_model


# The models by name (the names and what each takes: :data:`HYPERPARAMETERS`).
MODELS: Dict[str, type] = {
    "lstm": LSTMPredictor,
    "lstm-encdec": LSTMEncoderDecoder,
    "transformer-encoder": TransformerEncoderPredictor,
    "transformer": TransformerPredictor,
}

def build_predictor(name: str, *, n_features: int, window_size: int, forecast_size: int,
                    **hyperparameters) -> nn.Module:
    """A fresh predictor ``name`` (one of :data:`MODELS`); hyperparameters that the model
    does not take (see :data:`HYPERPARAMETERS`) are ignored."""
    if name not in MODELS:
        raise DemiurgeError(f"unknown predictor {name!r}; choose one of {', '.join(MODELS)}")
    if window_size < 1 or forecast_size < 1:
        raise DemiurgeError(f"window size ({window_size}) and forecast size ({forecast_size}) "
                            "must be at least 1")
    kwargs = {k: hyperparameters[k] for k in HYPERPARAMETERS[name] if k in hyperparameters}
    return MODELS[name](n_features=n_features, window_size=window_size,
                        forecast_size=forecast_size, **kwargs)
