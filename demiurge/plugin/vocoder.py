"""A mel vocoder (MelGAN or HiFi-GAN, :mod:`demiurge.models`) as an nn~ model.

Methods (``hop`` = the mel hop, 256 by default; ``M`` = mel bins, 80):

* ``forward``: audio ``[B x 1 x T]`` -> audio ``[B x 1 x T]``: the input's causal log-mel
  (:class:`demiurge.dsp.LogMel`, the training mel) resynthesised by the generator, i.e. the
  timbre of the training corpus applied to any input;
* ``encode``: audio ``[B x 1 x T]`` -> raw log-mel ``[B x M x T / hop]`` (out ratio hop);
* ``decode``: raw log-mel ``[B x M x T / hop]`` (in ratio hop) -> audio ``[B x 1 x T]``.

Each method streams with its own state (the generator's weights are stored once). Latency:
the generator's ``latency_samples`` for ``forward`` and ``decode`` (0 with the default causal
layers), 0 for ``encode``.
"""

from __future__ import annotations

from torch import Tensor, nn

import torch

from demiurge.dsp import LogMel, MelConfig
from demiurge.errors import DemiurgeError
from demiurge.plugin.base import NNModule
from demiurge.plugin.streams import state_copy


def streaming_mel(config: MelConfig, *, what: str) -> LogMel:
    if config.padding != "causal":
        raise DemiurgeError(f"{what} was trained on the centre-padded mel, which needs the future "
                            "and cannot stream; train with the causal mel (the default) to export")
    return LogMel(config)


class VocoderPlugin(NNModule):
    """``forward``, ``encode`` and ``decode`` of a trained vocoder (see the module docstring).

    ``generator``: the trained generator (offline, eval mode); its streaming copy is made here.
    """

    def __init__(self, *, generator: nn.Module, mel_config: MelConfig):
        super().__init__()
        stream = generator.streaming()
        self.forward_mel = streaming_mel(mel_config, what="this vocoder")
        self.forward_generator = stream
        self.encode_mel = LogMel(mel_config)
        self.decode_generator = state_copy(stream)
        hop, n_mels = mel_config.hop_length, mel_config.n_mels
        latency = int(generator.latency_samples)
        mels = [f"(signal) mel {i}" for i in range(n_mels)]
        self.register_method("forward", in_channels=1, in_ratio=1, out_channels=1, out_ratio=1,
                             latency=latency, doc="audio -> audio: resynthesis with the vocoder",
                             input_labels=["(signal) audio in"], output_labels=["(signal) audio out"])
        self.register_method("encode", in_channels=1, in_ratio=1, out_channels=n_mels, out_ratio=hop,
                             latency=0, doc="audio -> raw log10 mel frames",
                             input_labels=["(signal) audio in"], output_labels=mels)
        self.register_method("decode", in_channels=n_mels, in_ratio=hop, out_channels=1, out_ratio=1,
                             latency=latency, doc="raw log10 mel frames -> audio",
                             input_labels=mels, output_labels=["(signal) audio out"])

    def forward(self, x: Tensor) -> Tensor:
        """``Tensor[B x 1 x T] -> Tensor[B x 1 x T]``."""
        return self.forward_generator(self.forward_mel.stream(x[:, 0]))

    @torch.jit.export
    def encode(self, x: Tensor) -> Tensor:
        """``Tensor[B x 1 x T] -> Tensor[B x n_mels x T / hop]``."""
        return self.encode_mel.stream(x[:, 0])

    @torch.jit.export
    def decode(self, mel: Tensor) -> Tensor:
        """``Tensor[B x n_mels x F] -> Tensor[B x 1 x F * hop]``."""
        return self.decode_generator(mel)
