"""An iSTFT-head vocoder (the idea of Vocos, Siuzdak 2024): ConvNeXt blocks at the mel frame
rate predict the log-magnitude and the phase of one STFT frame per mel frame; an inverse real
FFT, a Hann window and overlap-add make the audio. Unlike Vocos, the default head predicts
each bin's phase *advance* and adds it up (:class:`ISTFTHead`), so held notes keep their pitch. No upsampling layers: the work per second
is that of a small network at 172 frames/s, so it runs far faster than real time on a CPU.

Layers (all streaming, time-major inside: ``Tensor[B x F x C]``, the layout in which a
stream's few frames multiply fastest): a causal conv (kernel 7) from the z-scored mel to
``channels``, ``blocks`` ConvNeXt blocks (causal depthwise conv, per-frame layer norm, a
pointwise MLP of ``mlp_ratio`` x width with GELU, layer scale, residual), a layer norm, and
:class:`ISTFTHead`, whose spectrum :class:`MelFit` brings to the input mel before the
inverse FFT (per frame, so it adds no latency).

Latency: frame t's window covers the ``n_fft`` output samples that end at ``(t + 1) * hop`` (the
samples its causal mel frame saw), so a sample is complete only when the ``n_fft / hop - 1``
later frames that overlap it have arrived. Streaming therefore costs ``n_fft - hop`` samples
(768 = 17.4 ms at 44.1 kHz for the default n_fft 1024, hop 256): the price of overlap-add.
See :mod:`demiurge.models.vocoder` for the input contract.
"""

from __future__ import annotations

import math
from typing import Tuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from demiurge.dsp import spectral
from demiurge.dsp.config import MelConfig
from demiurge.errors import DemiurgeError
from demiurge.models.configs import ISTFTConfig
from demiurge.models.vocoder import VocoderGenerator
from demiurge.nn import GELU, Residual, Sequence
from demiurge.nn.layers import Stateless


# Inputs up to this many frames (a stream's blocks) take the frame-product path of TimeConv.
SHORT_INPUT = 64


class TimeConv(nn.Module):
    """A causal convolution over time in time-major layout: ``Tensor[B x T x C_in] ->
    Tensor[B x T x C_out]`` (``channels_first``: the input is ``Tensor[B x C_in x T]``, as the
    mel arrives). Dense, or depthwise (``groups == C_in == C_out``). The weights are an
    ``nn.Conv1d``'s (``conv``). Streaming, the last ``kernel - 1`` input frames are kept in
    ``cache`` (``Tensor[B x kernel - 1 x C_in]``).

    Time-major, each layer is one product of ``[B * T x C_in * kernel]`` frames by the weights,
    the shape CPU matrix kernels run fastest on a stream's few frames (3 to 4 times faster than
    weights by ``[C x T]``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *, groups: int = 1,
                 channels_first: bool = False):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, groups=groups)
        self.depthwise = groups > 1
        if self.depthwise and not groups == in_channels == out_channels:
            raise DemiurgeError("TimeConv groups must be 1 or the channel count")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.context = kernel_size - 1
        self.channels_first = channels_first
        self.short_input = SHORT_INPUT
        self.causal = True
        self.streaming = False
        self.latency = 0
        self.register_buffer("cache", torch.zeros(1, self.context, in_channels), persistent=False)

    @torch.jit.export
    def reset(self) -> None:
        self.cache = torch.zeros(1, self.context, self.in_channels, device=self.cache.device)

    def forward(self, x: Tensor) -> Tensor:
        if self.channels_first:
            x = x.transpose(1, 2)
        if self.streaming:
            if self.cache.shape[0] != x.shape[0] or self.cache.device != x.device:
                self.cache = torch.zeros(x.shape[0], self.context, self.in_channels, device=x.device,
                                         dtype=x.dtype)
            padded = torch.cat([self.cache, x], dim=1)
            self.cache.copy_(padded[:, padded.shape[1] - self.context:].detach())
        else:
            padded = F.pad(x, (0, 0, self.context, 0))
        weight, bias = self.conv.weight, self.conv.bias
        assert bias is not None
        if padded.shape[1] > self.short_input:   # long (offline, training): conv1d is faster
            groups = self.in_channels if self.depthwise else 1
            return F.conv1d(padded.transpose(1, 2), weight, bias, 1, 0, 1, groups).transpose(1, 2)
        taps = padded.unfold(1, self.kernel_size, 1)            # [B x T x C_in x kernel]
        if self.depthwise:
            return (taps * weight.reshape(self.out_channels, self.kernel_size)).sum(3) + bias
        flat = taps.reshape(taps.shape[0], taps.shape[1], self.in_channels * self.kernel_size)
        return F.linear(flat, weight.reshape(self.out_channels, -1), bias)


class Linear(Stateless):
    """A per-frame linear map, time-major: ``Tensor[B x T x C_in] -> Tensor[B x T x C_out]``."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        layer = nn.Linear(in_channels, out_channels)
        self.weight = layer.weight   # [C_out x C_in]
        self.bias = layer.bias       # [C_out]

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)


class LayerNorm(Stateless):
    """Each frame normalised over its channels: ``Tensor[B x T x C] -> Tensor[B x T x C]``."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, [self.channels], self.weight, self.bias, self.eps)


class LayerScale(Stateless):
    """``x * gamma`` per channel: ``Tensor[B x T x C] -> Tensor[B x T x C]``."""

    def __init__(self, channels: int, init: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels,), float(init)))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gamma


class Clip(Stateless):
    """Audio clipped to [-1, 1] (the vocoder contract; no tanh colouring inside the range)."""

    def __init__(self):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return torch.clamp(x, -1.0, 1.0)


def convnext_block(channels: int, mlp_ratio: int, kernel: int, scale: float) -> Residual:
    """Causal depthwise conv -> layer norm -> pointwise MLP (GELU) -> layer scale, residual."""
    hidden = channels * mlp_ratio
    return Residual(Sequence([
        TimeConv(channels, channels, kernel, groups=channels), LayerNorm(channels),
        Linear(channels, hidden), GELU(), Linear(hidden, channels), LayerScale(channels, scale)]))


def centre_advance(n_fft: int, hop_length: int) -> Tensor:
    """Each bin's phase advance over one hop at its centre frequency, wrapped to [0, 2 pi):
    ``Tensor[n_fft / 2 + 1]`` (float64)."""
    bins = torch.arange(n_fft // 2 + 1, dtype=torch.float64)
    return torch.remainder(2 * math.pi * bins * hop_length / n_fft, 2 * math.pi)


def synthesis_scale(n_fft: int, hop_length: int) -> float:
    """The factor that makes a Hann STFT the head's spectrum: with the head's synthesis window
    (Hann scaled to overlap-add to one), Hann analysis times synthesis overlap-adds to
    ``1 / scale``."""
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    product = window * window * hop_length / window.sum()
    return float(1.0 / product.reshape(n_fft // hop_length, hop_length).sum(0).mean())


class MelFit(nn.Module):
    """The head's log-magnitudes ``Tensor[B x F x bins]`` rescaled so that their mel is the
    input mel (raw log10, ``Tensor[B x n_mels x F]``): ``(log-magnitude, mel) -> log-magnitude``.

    Each of ``iterations`` passes computes the mel of the frame's magnitudes (as
    :class:`~demiurge.dsp.LogMel` would from the audio those magnitudes make, via
    :func:`synthesis_scale`), and multiplies each bin by the ratio of the wanted to that mel in
    the bands it belongs to, averaged by the bands' weights (bins no band covers keep theirs).
    The network shapes each band's partials; the fit makes the band's level the one asked for.
    Frame by frame, with no state, so a stream equals the offline output. The fit is exact
    for the spectrum; the audio's mel stays off by what overlap-add does to inconsistent
    phases. ``iterations`` 0 returns the log-magnitudes as they are (and needs no mel)."""

    def __init__(self, iterations: int, mel: MelConfig, *, n_fft: int, hop_length: int):
        super().__init__()
        self.iterations = iterations
        self.log_floor = math.log10(mel.log_floor)
        basis = torch.zeros(0, 0)
        if iterations:
            if mel.n_fft != n_fft or mel.padding != "causal":
                raise DemiurgeError(f"the iSTFT mel fit needs the mel's n_fft ({mel.n_fft}) and causal "
                                    f"frames; this head has n_fft {n_fft} and the mel {mel.padding} "
                                    "padding: set --set g.mel_fit=0 or match them")
            basis = spectral.mel_basis_t(sample_rate=mel.sample_rate, n_fft=n_fft, n_mels=mel.n_mels,
                                         fmin=mel.fmin, fmax=mel.fmax).double()
        coverage = basis.sum(1)                                      # [bins]
        # the head's magnitudes -> the mel of the audio they make: [bins x n_mels]
        self.register_buffer("analysis", (basis / synthesis_scale(n_fft, hop_length)).float(), persistent=False)
        # a ratio per band -> a gain per bin, the bands weighted as they weigh the bin: [n_mels x bins]
        self.register_buffer("spread", (basis / torch.clamp(coverage, min=1e-12).unsqueeze(1)).t().float(),
                             persistent=False)
        self.register_buffer("uncovered", (coverage <= 0).float(), persistent=False)   # [bins]

    def forward(self, log_mag: Tensor, mel: Tensor) -> Tensor:
        if self.iterations == 0:
            return log_mag
        floor = 10.0 ** self.log_floor
        wanted = torch.pow(10.0, torch.clamp(mel.transpose(1, 2), min=self.log_floor))  # [B x F x n_mels]
        mag = torch.exp(torch.clamp(log_mag, max=7.0))
        for _ in range(self.iterations):
            made = torch.clamp(torch.matmul(mag, self.analysis), min=floor)
            mag = mag * (torch.matmul(wanted / made, self.spread) + self.uncovered)
        return torch.log(torch.clamp(mag, min=1e-30))


class ISTFTHead(nn.Module):
    """``Tensor[B x F x C]`` features (time-major) -> ``Tensor[B x 1 x F * hop]`` audio.

    A pointwise layer gives ``n_fft / 2 + 1`` log-magnitudes and as many phase terms per frame
    (:meth:`spectrum`); ``irfft`` turns each frame into ``n_fft`` samples, windowed (Hann) and
    overlap-added at ``hop`` (:meth:`synthesize`). Offline, frame t covers output samples
    ``(t + 1) * hop - n_fft ... (t + 1) * hop - 1`` (samples before 0 are dropped).

    Phase (``phase``): ``absolute`` takes the phase term as each frame's phase. A network that
    sees a steady input then gives every frame the same spectrum, so its output repeats every
    hop whatever the input's pitch. ``integrated`` takes it as the advance of each bin's phase
    over one hop beyond the bin's centre frequency (``2 pi k hop / n_fft``), and adds the
    advances up, as a phase vocoder does: frame t's phase is frame t-1's plus the bin's centre
    advance plus the term. A steady tone of any frequency is then a steady advance.

    Streaming, the partial sums of samples that later frames still add to are kept in
    ``pending`` (``Tensor[B x n_fft - hop]``) and the last frame's phases in ``last_phase``
    (``Tensor[B x bins]``, float64), so a stream is the offline output delayed by
    ``latency = n_fft - hop`` samples. Plain ops (``irfft``, ``cumsum``, no ``torch.istft``),
    which load in torch 2.5.1.
    """

    def __init__(self, channels: int, *, n_fft: int, hop_length: int, phase: str = "integrated"):
        super().__init__()
        if n_fft % hop_length or n_fft < hop_length:
            raise DemiurgeError(f"the iSTFT n_fft ({n_fft}) must be a multiple of the mel hop "
                                f"({hop_length})")
        self.n_fft = n_fft
        self.hop = hop_length
        self.overlap = n_fft // hop_length
        self.bins = n_fft // 2 + 1
        self.integrated = phase == "integrated"
        self.proj = Linear(channels, 2 * self.bins)
        # Periodic Hann, scaled so that overlap-adding it at hop sums to one.
        window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
        self.register_buffer("window", (window * hop_length / window.sum()).float(), persistent=False)
        self.register_buffer("centre_advance", centre_advance(n_fft, hop_length), persistent=False)
        self.latency = n_fft - hop_length
        self.causal = True
        self.streaming = False
        self.register_buffer("pending", torch.zeros(1, n_fft - hop_length), persistent=False)
        self.register_buffer("last_phase", torch.zeros(1, self.bins, dtype=torch.float64), persistent=False)

    @torch.jit.export
    def reset(self) -> None:
        self.pending = torch.zeros(1, self.n_fft - self.hop, device=self.pending.device)
        self.last_phase = torch.zeros(1, self.bins, dtype=torch.float64, device=self.last_phase.device)

    def spectrum(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """``Tensor[B x F x C]`` -> (log-magnitude, phase term), each ``Tensor[B x F x bins]``."""
        spec = self.proj(x)
        return spec[:, :, :self.bins], spec[:, :, self.bins:]

    def phases(self, term: Tensor) -> Tensor:
        """The phase term ``Tensor[B x F x bins]`` -> each frame's phase (same shape)."""
        if not self.integrated:
            return term
        two_pi = 2 * math.pi
        phase = torch.cumsum(term.double() + self.centre_advance, dim=1)
        if self.streaming:
            if self.last_phase.shape[0] != phase.shape[0] or self.last_phase.device != phase.device:
                self.last_phase = torch.zeros(phase.shape[0], self.bins, dtype=phase.dtype,
                                              device=phase.device)
            phase = phase + self.last_phase.unsqueeze(1)
            self.last_phase = torch.remainder(phase[:, -1], two_pi).detach()
        return torch.remainder(phase, two_pi).float()

    def synthesize(self, log_mag: Tensor, term: Tensor) -> Tensor:
        """(log-magnitude, phase term) ``Tensor[B x F x bins]`` -> ``Tensor[B x 1 x F * hop]``."""
        mag = torch.exp(torch.clamp(log_mag, max=7.0))
        phase = self.phases(term)
        stft = torch.complex(mag * torch.cos(phase), mag * torch.sin(phase))
        frames = torch.fft.irfft(stft, n=self.n_fft, dim=2) * self.window
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

    def forward(self, x: Tensor) -> Tensor:
        log_mag, term = self.spectrum(x)
        return self.synthesize(log_mag, term)


class ISTFTGenerator(VocoderGenerator):
    """``Tensor[B x n_mels x F]`` raw log-mel -> ``Tensor[B x 1 x F * hop_length]`` in [-1, 1].
    The first layer turns the mel time-major; every later one keeps it so. ``net`` holds the
    trunk, then the head and the clip; between the head's spectrum and its synthesis, ``fit``
    (:class:`MelFit`) brings the spectrum to the input mel."""

    def __init__(self, config: ISTFTConfig = ISTFTConfig(), *, mel: MelConfig = MelConfig()):
        c = config
        layers = [TimeConv(mel.n_mels, c.channels, c.kernel_size, channels_first=True), LayerNorm(c.channels)]
        layers += [convnext_block(c.channels, c.mlp_ratio, c.kernel_size, 1.0 / c.blocks)
                   for _ in range(c.blocks)]
        layers += [LayerNorm(c.channels),
                   ISTFTHead(c.channels, n_fft=c.n_fft, hop_length=mel.hop_length, phase=c.phase), Clip()]
        super().__init__(n_mels=mel.n_mels, hop_length=mel.hop_length, net=Sequence(layers))
        self.head_at = len(layers) - 2
        self.fit = MelFit(c.mel_fit, mel, n_fft=c.n_fft, hop_length=mel.hop_length)
        self.config = config

    def spectral_forward(self, mel: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Raw log-mel ``Tensor[B x n_mels x F]`` -> (audio ``Tensor[B x 1 x F * hop]``, the
        head's own log-magnitude and phase term, each ``Tensor[B x F x bins]``, before the fit;
        training scores all three)."""
        x = self.net.prefix(self.normalise(mel), self.head_at)
        log_mag, term = self.net.layers[-2].spectrum(x)
        audio = self.net.layers[-2].synthesize(self.fit(log_mag, mel), term)
        return self.net.layers[-1](audio), log_mag, term

    def forward(self, mel: Tensor) -> Tensor:
        return self.spectral_forward(mel)[0]


__all__ = ["ISTFTConfig", "ISTFTGenerator", "ISTFTHead", "MelFit", "centre_advance", "synthesis_scale"]
