"""UNAGAN bundled with a vocoder as an nn~ model: sound from noise, or from z you steer.

One z vector (``Z`` = 20 channels) makes 16 mel frames, i.e. ``ratio = 16 * hop`` samples
(4096 at hop 256). Methods:

* ``forward`` (generate): ``[B x 1 x T / ratio]`` -> audio ``[B x 1 x T]``. The model draws
  its own Gaussian z, ``temperature`` times a seeded counter-based noise (the same sequence
  for a given ``seed`` whatever the buffer size), and adds the input to every z channel: feed
  0 for plain generation, or a slow signal to push the latent around.
* ``decode``: z ``[B x Z x T / ratio]`` -> audio ``[B x 1 x T]``: steer the z channels
  directly.

Attributes: ``temperature`` (float, standard deviation of the internal z), ``seed`` (int;
setting it restarts the noise sequence). Latency: UNAGAN's plus the vocoder's, in samples.
"""

from __future__ import annotations

import math
from typing import Tuple

import torch
from torch import Tensor, nn

from demiurge.dsp import MelConfig
from demiurge.plugin.base import NNModule
from demiurge.plugin.streams import state_copy

MAX_SEED = (1 << 24) - 1


def _hash_uniform(key: Tensor, seed: int) -> Tensor:
    """Counter-based uniform noise in (0, 1): ``key`` (int64, any shape) -> float64, same shape."""
    x = torch.bitwise_and(torch.bitwise_xor(key, seed * 0x9E3779B1), 0xFFFFFFFF)
    x = torch.bitwise_and(torch.bitwise_xor(x, x >> 16) * 0x45D9F3B, 0xFFFFFFFF)
    x = torch.bitwise_and(torch.bitwise_xor(x, x >> 16) * 0x45D9F3B, 0xFFFFFFFF)
    x = torch.bitwise_xor(x, x >> 16)
    return (x.to(torch.float64) + 0.5) / 4294967296.0


def hashed_normal(seed: int, start: int, frames: int, channels: int, device: torch.device) -> Tensor:
    """Standard normal noise ``Tensor[channels x frames]`` for z frames ``start ..
    start + frames - 1``: a pure function of (seed, frame, channel), so streaming in any block
    sizes gives the same sequence (Box-Muller on a 32-bit integer hash)."""
    frame = torch.arange(start, start + frames, dtype=torch.long, device=device)
    channel = torch.arange(channels, dtype=torch.long, device=device)
    key = (frame.unsqueeze(0) * channels + channel.unsqueeze(1)) * 2
    u1 = _hash_uniform(key, seed)
    u2 = _hash_uniform(key + 1, seed)
    normal = torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(2.0 * math.pi * u2)
    return normal.to(torch.float32)


class UNAGANPlugin(NNModule):
    """``forward`` (generate) and ``decode`` (z -> audio) of UNAGAN + vocoder (see the module
    docstring). Both generators are trained, offline, in eval mode; their mel configs must
    match (checked by the caller with :meth:`MelConfig.check_compatible`)."""

    def __init__(self, *, unagan: nn.Module, vocoder: nn.Module, mel_config: MelConfig,
                 temperature: float = 1.0, seed: int = 0):
        super().__init__()
        unagan_stream = unagan.streaming()
        vocoder_stream = vocoder.streaming()
        self.generate_unagan = unagan_stream
        self.generate_vocoder = vocoder_stream
        self.decode_unagan = state_copy(unagan_stream)
        self.decode_vocoder = state_copy(vocoder_stream)
        self.z_channels = int(unagan.z_channels)
        self.ratio = int(unagan.frames_per_z) * mel_config.hop_length
        self.max_seed = MAX_SEED
        self.register_buffer("z_frames", torch.zeros(1, dtype=torch.long), persistent=False)
        latency = int(unagan.latency_frames) * mel_config.hop_length + int(vocoder.latency_samples)
        self.register_method("forward", in_channels=1, in_ratio=self.ratio, out_channels=1,
                             out_ratio=1, latency=latency,
                             doc="generate audio from internal noise; the input is added to every z channel",
                             input_labels=["(signal) z offset"], output_labels=["(signal) audio out"])
        self.register_method("decode", in_channels=self.z_channels, in_ratio=self.ratio,
                             out_channels=1, out_ratio=1, latency=latency,
                             doc="z channels -> audio (steer the latent directly)",
                             input_labels=[f"(signal) z {i}" for i in range(self.z_channels)],
                             output_labels=["(signal) audio out"])
        self.register_attribute("temperature", type="float", default=float(temperature),
                                minimum=0.0, maximum=10.0,
                                doc="standard deviation of the internal z noise of `forward`")
        self.register_attribute("seed", type="int", default=int(seed), minimum=0, maximum=MAX_SEED,
                                doc="noise seed of `forward`; setting it restarts the sequence")

    def forward(self, x: Tensor) -> Tensor:
        """``Tensor[B x 1 x N] -> Tensor[B x 1 x N * ratio]``."""
        n = x.shape[2]
        start = int(self.z_frames.item())
        noise = hashed_normal(self.seed, start, n, self.z_channels, x.device)
        z = self.temperature * noise.unsqueeze(0) + x
        self.z_frames += n
        mel = self.generate_unagan.denormalise(self.generate_unagan(z))
        return self.generate_vocoder(mel)

    @torch.jit.export
    def decode(self, z: Tensor) -> Tensor:
        """``Tensor[B x Z x N] -> Tensor[B x 1 x N * ratio]``."""
        return self.decode_vocoder(self.decode_unagan.denormalise(self.decode_unagan(z)))

    @torch.jit.export
    def get_temperature(self) -> Tuple[float]:
        return (self.temperature,)

    @torch.jit.export
    def set_temperature(self, value: float) -> int:
        if value < 0.0 or value > 10.0:
            return -1
        self.temperature = value
        return 0

    @torch.jit.export
    def get_seed(self) -> Tuple[int]:
        return (self.seed,)

    @torch.jit.export
    def set_seed(self, value: int) -> int:
        if value < 0 or value > self.max_seed:
            return -1
        self.seed = value
        # Rebind (never update in place): the counter may be an inference tensor by now.
        self.z_frames = torch.zeros(1, dtype=torch.long, device=self.z_frames.device)
        return 0
