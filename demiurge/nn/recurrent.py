"""A GRU over the time axis of a ``Tensor[B x C x T]`` signal, streaming with its state in a buffer."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class CachedGRU(nn.Module):
    """``Tensor[B x C x T] -> Tensor[B x C x T]``.

    ``causal=True``: a unidirectional GRU (hidden size C) whose last state is kept in the
    ``state`` buffer while streaming, so consecutive blocks continue one sequence; no latency.
    ``causal=False``: the originals' bidirectional GRU (C/2 per direction); offline only.
    Offline, every sequence starts from a zero state.
    """

    def __init__(self, channels: int, *, causal: bool = True, num_layers: int = 1):
        super().__init__()
        if not causal and channels % 2:
            raise ValueError(f"a bidirectional GRU needs an even channel count, not {channels}")
        self.hidden = channels if causal else channels // 2
        self.num_layers = num_layers
        self.gru = nn.GRU(channels, self.hidden, num_layers, batch_first=True, bidirectional=not causal)
        self.causal = causal
        self.streaming = False
        self.latency = 0
        self.register_buffer("state", torch.zeros(num_layers, 1, self.hidden), persistent=False)

    @torch.jit.export
    def reset(self) -> None:
        self.state = torch.zeros(self.num_layers, 1, self.hidden, device=self.state.device)

    def forward(self, x: Tensor) -> Tensor:
        seq = x.transpose(1, 2)
        if self.streaming:
            if self.state.shape[1] != x.shape[0] or self.state.device != x.device:
                self.state = torch.zeros(self.num_layers, x.shape[0], self.hidden, device=x.device,
                                         dtype=x.dtype)
            out, last = self.gru(seq, self.state)
            self.state.copy_(last.detach())
        else:
            out, _ = self.gru(seq)
        return out.transpose(1, 2)
