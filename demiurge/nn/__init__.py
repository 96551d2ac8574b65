"""Streaming building blocks: every layer runs offline (a whole signal at once) or streaming
(consecutive blocks, state kept in buffers updated in place), with the same output.

A layer is in one mode at a time (its ``streaming`` flag); :func:`make_streaming` returns a
streaming, TorchScript-able copy of a whole model (weight norm folded into the weights).
Causal layers add no latency: block by block output equals the one-shot output sample for
sample. Non-causal layers (centred convolutions, bidirectional GRU: the original models'
layers) are kept for offline use; a model containing one refuses to stream.
"""

from demiurge.nn.conv import CachedConv1d, CachedConvTranspose1d
from demiurge.nn.layers import (GELU, FrameNorm, GroupNormOverTime, Identity, LeakyReLU, Repeat, Residual,
                                Sequence, Tanh)
from demiurge.nn.recurrent import CachedGRU
from demiurge.nn.streaming import fold_weight_norm, is_causal, make_streaming, reset_streaming

__all__ = [
    "CachedConv1d", "CachedConvTranspose1d", "CachedGRU", "FrameNorm", "GELU", "GroupNormOverTime",
    "Identity", "LeakyReLU", "Repeat", "Residual", "Sequence", "Tanh", "fold_weight_norm", "is_causal",
    "make_streaming", "reset_streaming",
]
