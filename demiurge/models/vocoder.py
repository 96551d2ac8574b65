"""What every mel vocoder generator shares: its input contract and its streaming copy.

Contract (relied on by generation and export):

- ``vocoder(mel)``: ``Tensor[B x n_mels x F]`` of RAW log-mel frames, exactly as
  :class:`demiurge.dsp.LogMel` computes them (log10 magnitude mel), to
  ``Tensor[B x 1 x F * hop_length]`` audio in [-1, 1]. The generator z-scores its input with
  the per-bin statistics of its training data, which it carries as the buffers ``mel_mean``
  and ``mel_std`` (``Tensor[n_mels]``), so no other file is needed.
- Mel frame t (computed from samples ending at ``(t + 1) * hop``, causal mel) drives output
  samples ``t * hop ... (t + 1) * hop - 1``.
- ``vocoder.streaming()``: a copy for block-by-block use, TorchScript-able (weight norm
  folded): calling it on consecutive blocks of frames returns the one-shot output delayed by
  ``latency_samples`` samples (0 for the causal layers used by default). ``reset()`` starts a
  new signal. Non-causal generators (the originals' layers) refuse to stream.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError
from demiurge.nn import Sequence, make_streaming


def check_upsampling(ratios, hop_length: int, *, what: str) -> None:
    """Refuse upsampling ``ratios`` whose product is not the mel hop (``what`` names them,
    e.g. "HiFi-GAN upsample rates")."""
    product = math.prod(int(r) for r in ratios)
    if product != hop_length:
        raise DemiurgeError(f"{what} {list(ratios)} upsample by {product}, but the mel hop is "
                            f"{hop_length}; choose values whose product is the hop")


class VocoderGenerator(nn.Module):
    """Base of the MelGAN and HiFi-GAN generators: normalises the raw log-mel input with the
    stored statistics, then runs ``self.net`` (a :class:`~demiurge.nn.Sequence`)."""

    __jit_ignored_attributes__ = ["config"]

    def __init__(self, *, n_mels: int, hop_length: int, net: Sequence):
        super().__init__()
        self.n_mels = n_mels
        self.hop_length = hop_length
        self.net = net
        self.register_buffer("mel_mean", torch.zeros(n_mels))
        self.register_buffer("mel_std", torch.ones(n_mels))
        self.latency_samples = int(net.latency)
        self.latency_frames = int(math.ceil(net.latency / hop_length))
        self.causal = bool(net.causal)

    def set_stats(self, mean: Tensor, std: Tensor) -> None:
        """Store the per-bin statistics (``Tensor[n_mels]`` each) of the training mels."""
        with torch.no_grad():
            self.mel_mean.copy_(mean)
            self.mel_std.copy_(std)

    def normalise(self, mel: Tensor) -> Tensor:
        """Raw log-mel -> z-scored with the stored statistics (both ``Tensor[B x n_mels x F]``)."""
        return (mel - self.mel_mean.unsqueeze(1)) / self.mel_std.unsqueeze(1)

    def forward(self, mel: Tensor) -> Tensor:
        """``Tensor[B x n_mels x F]`` raw log-mel -> ``Tensor[B x 1 x F * hop_length]``."""
        return self.net(self.normalise(mel))

    @torch.jit.export
    def reset(self) -> None:
        """Forget the stream (only meaningful on the streaming copy)."""
        self.net.reset()

    @torch.jit.ignore
    def streaming(self) -> "VocoderGenerator":
        """A streaming, scriptable copy in eval mode (see the module docstring)."""
        return make_streaming(self, what=f"this {type(self).__name__}")
