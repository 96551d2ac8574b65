"""Which descriptor predictor, and its sizes: :class:`PredictorConfig`, stored with every
predictor run. No torch here, so ``demiurge train predictor --help`` answers at once; the
models are in :mod:`demiurge.sequencer.predictors`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple

from demiurge.dsp.config import _Config, _help
from demiurge.errors import DemiurgeError

# The four predictors by name, and the hyperparameters each takes (the rest of the trainer's
# options do not apply to it).
HYPERPARAMETERS: Dict[str, Tuple[str, ...]] = {
    "lstm": ("hidden_size", "num_layers", "dropout"),
    "lstm-encdec": ("hidden_size", "num_layers", "dim_pos_encoding", "dropout"),
    "transformer-encoder": ("num_layers", "dim_pos_encoding", "nhead", "dim_feedforward", "dropout"),
    "transformer": ("num_layers", "dim_pos_encoding", "nhead", "dim_feedforward", "dropout"),
}


@dataclass(frozen=True)
class PredictorConfig(_Config):
    """Which predictor and its sizes (defaults follow the original CLI). Hyperparameters a
    model does not take (see :data:`HYPERPARAMETERS`) are ignored by it."""

    model: str = field(default="lstm", metadata=_help("which predictor", choices=tuple(HYPERPARAMETERS)))
    window_size: int = field(default=10, metadata=_help("context frames the model reads"))
    forecast_size: int = field(default=3, metadata=_help(
        "frames forecast per step (seq2seq) and in validation"))
    hidden_size: int = field(default=100, metadata=_help("LSTM hidden units"))
    num_layers: int = field(default=3, metadata=_help("LSTM / Transformer layers"))
    dim_pos_encoding: int = field(default=26, metadata=_help("sinusoidal position-code channels"))
    nhead: int = field(default=5, metadata=_help(
        "attention heads ((features + dim-pos-encoding) must divide by it)"))
    dim_feedforward: int = field(default=128, metadata=_help("Transformer feed-forward width"))
    dropout: float = field(default=0.1, metadata=_help("dropout"))

    def __post_init__(self):
        if self.model not in HYPERPARAMETERS:
            raise DemiurgeError(f"unknown predictor {self.model!r}; choose one of {', '.join(HYPERPARAMETERS)}")

    def hyperparameters(self) -> Dict[str, float]:
        """The settings this config's model takes, beyond the window and forecast sizes."""
        return {k: getattr(self, k) for k in HYPERPARAMETERS[self.model]}

    def build(self, *, n_features: int):
        """A fresh predictor (an ``nn.Module``) of this config for frames of ``n_features``."""
        from demiurge.sequencer.predictors import build_predictor

        return build_predictor(self.model, n_features=n_features, window_size=self.window_size,
                               forecast_size=self.forecast_size, **self.hyperparameters())
