"""An iSTFT-head vocoder (the idea of Vocos, Siuzdak 2024): ConvNeXt blocks at the mel frame
rate predict the log-magnitude and the phase of one STFT frame per mel frame; an inverse real
FFT, a Hann window and overlap-add make the audio. No upsampling layers: the work per second
is that of a small network at 172 frames/s, so it runs far faster than real time on a CPU.

Layers (all streaming, :mod:`demiurge.nn`): a causal conv (kernel 7) from the z-scored mel to
``channels``, ``blocks`` ConvNeXt blocks (causal depthwise conv, per-frame layer norm, a
pointwise MLP of ``mlp_ratio`` x width with GELU, layer scale, residual), a layer norm, and
:class:`ISTFTHead`.

Latency: frame t's window covers the ``n_fft`` output samples that end at ``(t + 1) * hop`` (the
samples its causal mel frame saw), so a sample is complete only when the ``n_fft / hop - 1``
later frames that overlap it have arrived. Streaming therefore costs ``n_fft - hop`` samples
(768 = 17.4 ms at 44.1 kHz for the default n_fft 1024, hop 256): the price of overlap-add.
See :mod:`demiurge.models.vocoder` for the input contract.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from demiurge.errors import DemiurgeError
from demiurge.models.configs import ISTFTConfig
from demiurge.models.vocoder import VocoderGenerator
from demiurge.nn import GELU, CachedConv1d, FrameNorm, Residual, Sequence
from demiurge.nn.layers import Stateless


class LayerScale(Stateless):
    """``x * gamma`` per channel: ``Tensor[B x C x T] -> Tensor[B x C x T]``."""

    def __init__(self, channels: int, init: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels,), float(init)))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gamma.unsqueeze(1)


class Clip(Stateless):
    """Audio clipped to [-1, 1] (the vocoder contract; no tanh colouring inside the range)."""

    def __init__(self):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return torch.clamp(x, -1.0, 1.0)


class Pointwise(Stateless):
    """A per-frame linear map ``Tensor[B x C_in x T] -> Tensor[B x C_out x T]`` as one matrix
    product (CPU ``conv1d`` with kernel 1 takes a slow path)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        layer = nn.Linear(in_channels, out_channels)
        self.weight = layer.weight   # [C_out x C_in]
        self.bias = layer.bias       # [C_out]

    def forward(self, x: Tensor) -> Tensor:
        return torch.matmul(self.weight, x) + self.bias.unsqueeze(1)


def convnext_block(channels: int, mlp_ratio: int, kernel: int, scale: float) -> Residual:
    """Causal depthwise conv -> layer norm -> pointwise MLP (GELU) -> layer scale, residual."""
    hidden = channels * mlp_ratio
    return Residual(Sequence([
        CachedConv1d(channels, channels, kernel, groups=channels, weight_norm=False),
        FrameNorm(1, channels),
        Pointwise(channels, hidden), GELU(), Pointwise(hidden, channels),
        LayerScale(channels, scale)]))


class ISTFTHead(nn.Module):
    """``Tensor[B x C x F]`` features -> ``Tensor[B x 1 x F * hop]`` audio.

    A pointwise layer gives ``n_fft / 2 + 1`` log-magnitudes and as many phases per frame;
    ``irfft`` turns each frame into ``n_fft`` samples, windowed (Hann) and overlap-added at
    ``hop``. Offline, frame t covers output samples ``(t + 1) * hop - n_fft ... (t + 1) * hop - 1``
    (samples before 0 are dropped). Streaming, the partial sums of samples that later frames
    still add to are kept in ``pending`` (``Tensor[B x n_fft - hop]``), so a stream is the
    offline output delayed by ``latency = n_fft - hop`` samples. Plain ops (``irfft``, no
    ``torch.istft``), which load in torch 2.5.1.
    """

    def __init__(self, channels: int, *, n_fft: int, hop_length: int):
        super().__init__()
        if n_fft % hop_length or n_fft < hop_length:
            raise DemiurgeError(f"the iSTFT n_fft ({n_fft}) must be a multiple of the mel hop "
                                f"({hop_length})")
        self.n_fft = n_fft
        self.hop = hop_length
        self.overlap = n_fft // hop_length
        self.bins = n_fft // 2 + 1
        self.proj = Pointwise(channels, 2 * self.bins)
        # Periodic Hann, scaled so that overlap-adding it at hop sums to one.
        window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
        self.register_buffer("window", (window * hop_length / window.sum()).float(), persistent=False)
        self.latency = n_fft - hop_length
        self.causal = True
        self.streaming = False
        self.register_buffer("pending", torch.zeros(1, n_fft - hop_length), persistent=False)

    @torch.jit.export
    def reset(self) -> None:
        self.pending = torch.zeros(1, self.n_fft - self.hop, device=self.pending.device)

    def frames(self, x: Tensor) -> Tensor:
        """``Tensor[B x C x F]`` -> windowed frames ``Tensor[B x F x n_fft]``."""
        spec = self.proj(x)
        log_mag, phase = spec[:, :self.bins], spec[:, self.bins:]
        mag = torch.exp(torch.clamp(log_mag, max=7.0))
        stft = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))
        return torch.fft.irfft(stft, n=self.n_fft, dim=1).transpose(1, 2) * self.window

    def forward(self, x: Tensor) -> Tensor:
        frames = self.frames(x)
        b, f = frames.shape[0], frames.shape[1]
        # Overlap-add: piece k (hop samples) of frame t lands in hop slot t + k of a buffer
        # whose slot j holds samples (j - overlap + 1) * hop ...
        pieces = frames.reshape(b, f, self.overlap, self.hop)
        buf = torch.zeros(b, f + self.overlap - 1, self.hop, dtype=frames.dtype, device=frames.device)
        for k in range(self.overlap):
            buf[:, k:k + f] += pieces[:, :, k]
        buf = buf.reshape(b, -1)
        if not self.streaming:
            return buf[:, self.latency:].unsqueeze(1)
        if self.pending.shape[0] != b or self.pending.device != buf.device:
            self.pending = torch.zeros(b, self.latency, dtype=buf.dtype, device=buf.device)
        head = buf[:, :self.latency] + self.pending
        out = torch.cat([head, buf[:, self.latency:]], dim=1)
        self.pending.copy_(out[:, f * self.hop:].detach())
        return out[:, :f * self.hop].unsqueeze(1)


class ISTFTGenerator(VocoderGenerator):
    """``Tensor[B x n_mels x F]`` raw log-mel -> ``Tensor[B x 1 x F * hop_length]`` in [-1, 1]."""

    def __init__(self, config: ISTFTConfig = ISTFTConfig(), *, n_mels: int = 80, hop_length: int = 256):
        c = config
        layers = [CachedConv1d(n_mels, c.channels, c.kernel_size, weight_norm=False),
                  FrameNorm(1, c.channels)]
        layers += [convnext_block(c.channels, c.mlp_ratio, c.kernel_size, 1.0 / c.blocks)
                   for _ in range(c.blocks)]
        layers += [FrameNorm(1, c.channels), ISTFTHead(c.channels, n_fft=c.n_fft, hop_length=hop_length),
                   Clip()]
        super().__init__(n_mels=n_mels, hop_length=hop_length, net=Sequence(layers))
        self.config = config


__all__ = ["ISTFTConfig", "ISTFTGenerator", "ISTFTHead"]
