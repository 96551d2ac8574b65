"""Streaming layers and generators: block-by-block output equals the one-shot output shifted
by the reported latency, for several block sizes; TorchScript round trips are exact."""

from __future__ import annotations

import io

import pytest
import torch

from demiurge.errors import DemiurgeError
from demiurge.models import VOCODER_ARCHS, build_vocoder
from demiurge.models.configs import MelGANConfig, UNAGANConfig
from demiurge.models.unagan import UNAGANGenerator
from demiurge.dsp import MelConfig
from demiurge.nn import CachedConv1d, CachedConvTranspose1d, CachedGRU, make_streaming

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")

TINY = {
    "melgan": MelGANConfig(channels=32, gru=True),
    "hifigan-v1": VOCODER_ARCHS["hifigan-v1"][1].replace(channels=32),
    "hifigan-v3": VOCODER_ARCHS["hifigan-v3"][1].replace(channels=32),
    "hifigan-rt": VOCODER_ARCHS["hifigan-rt"][1].replace(channels=32),
    "istft": VOCODER_ARCHS["istft"][1].replace(channels=32, blocks=2),
    "istft-absolute": VOCODER_ARCHS["istft"][1].replace(channels=32, blocks=2, phase="absolute"),
}
ARCH = {"istft-absolute": "istft"}   # a TINY name -> its arch


def blockwise(module, x, block):
    module.reset()
    return torch.cat([module(x[:, :, i:i + block]) for i in range(0, x.shape[2], block)], dim=2)


def assert_streams(model, x, blocks, *, ratio):
    """Streaming copy, fed ``block`` input steps at a time, equals offline shifted by latency."""
    model.eval()
    with torch.no_grad():
        offline = model(x)
        stream = model.streaming()
        latency = int(getattr(stream, "latency_samples", 0) if ratio > 1 else getattr(stream, "latency_frames", 0))
        for block in blocks:
            out = blockwise(stream, x, block)
            assert out.shape == offline.shape
            n = out.shape[2] - latency
            torch.testing.assert_close(out[:, :, latency:], offline[:, :, :n], atol=1e-4, rtol=0)
    return offline


@pytest.mark.parametrize("layer", [
    lambda: CachedConv1d(3, 4, 5, dilation=3),
    lambda: CachedConv1d(4, 4, 3, groups=2),
    lambda: CachedConvTranspose1d(3, 2, 8, 4),
    lambda: CachedConvTranspose1d(3, 2, 3, 3),
    lambda: CachedGRU(6),
])
@pytest.mark.parametrize("block", [1, 2, 7, 40])
def test_layer_stream_equals_offline(layer, block):
    torch.manual_seed(0)
    module = layer()
    x = torch.randn(2, module.gru.input_size if isinstance(module, CachedGRU) else
                    (module.in_channels if isinstance(module, CachedConv1d) else 3), 40)
    with torch.no_grad():
        offline = module(x)
        stream = make_streaming(module)
        out = blockwise(stream, x, block)
    torch.testing.assert_close(out, offline, atol=1e-5, rtol=0)
    # Offline causal output at time t ignores the future: changing x after t changes nothing before.
    y = x.clone()
    y[:, :, 20:] += 1.0
    with torch.no_grad():
        ratio = offline.shape[2] // x.shape[2]
        torch.testing.assert_close(module(y)[:, :, :20 * ratio], offline[:, :, :20 * ratio])


@pytest.mark.parametrize("dilation,groups", [(1, 1), (3, 1), (9, 1), (2, 2)])
@pytest.mark.parametrize("causal", [True, False])
def test_conv_equals_torch(dilation, groups, causal):
    """Causal: torch's conv1d on the signal padded on the left; centred: padded on both sides."""
    torch.manual_seed(6)
    layer = CachedConv1d(4, 6, 3, dilation=dilation, groups=groups, causal=causal)
    x = torch.randn(2, 4, 30)
    pad = 2 * dilation
    padding = (pad, 0) if causal else (pad // 2, pad - pad // 2)
    with torch.no_grad():
        expected = torch.nn.functional.conv1d(torch.nn.functional.pad(x, padding), layer.current_weight(),
                                              layer.conv.bias, dilation=dilation, groups=groups)
        torch.testing.assert_close(layer(x), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kernel,stride", [(16, 8), (8, 4), (4, 2), (3, 3), (5, 2)])
@pytest.mark.parametrize("causal", [True, False])
def test_transposed_conv_equals_torch(kernel, stride, causal):
    """The polyphase form gives torch's transposed convolution: its first T*stride samples
    (causal) or the centred crop of the originals (padding (kernel - stride) / 2)."""
    torch.manual_seed(5)
    layer = CachedConvTranspose1d(3, 2, kernel, stride, causal=causal)
    x = torch.randn(2, 3, 11)
    with torch.no_grad():
        full = torch.nn.functional.conv_transpose1d(x, layer.current_weight(), layer.conv.bias, stride=stride)
        start = 0 if causal else (kernel - stride) // 2
        torch.testing.assert_close(layer(x), full[:, :, start:start + 11 * stride], atol=1e-5, rtol=0)
        if causal:
            torch.testing.assert_close(blockwise(make_streaming(layer), x, 4), layer(x), atol=1e-5, rtol=0)


def test_centred_layers_are_offline_only():
    conv = CachedConv1d(2, 2, 3, causal=False)
    x = torch.randn(1, 2, 10)
    with torch.no_grad():
        y = x.clone()
        y[:, :, 5:] += 1
        assert not torch.allclose(conv(y)[:, :, 4], conv(x)[:, :, 4])  # looks one step ahead
    with pytest.raises(DemiurgeError, match="non-causal"):
        make_streaming(conv)
    with pytest.raises(DemiurgeError, match="non-causal"):
        build_vocoder(arch="melgan", generator=MelGANConfig(channels=32, causal=False).to_dict(),
                      mel=MelConfig()).streaming()


@pytest.mark.parametrize("arch", sorted(TINY))
def test_vocoder_streams(arch):
    torch.manual_seed(1)
    g = build_vocoder(arch=ARCH.get(arch, arch), generator=TINY[arch].to_dict(), mel=MelConfig())
    x = torch.randn(2, 80, 24)
    offline = assert_streams(g, x, [1, 3, 8, 24], ratio=256)
    assert offline.shape == (2, 1, 24 * 256)
    assert float(offline.abs().max()) <= 1.0


def test_unagan_streams():
    torch.manual_seed(2)
    g = UNAGANGenerator(UNAGANConfig(channels=32, groups=4))
    z = torch.randn(2, 20, 9)
    offline = assert_streams(g, z, [1, 2, 4, 9], ratio=1)
    assert offline.shape == (2, 80, 16 * 9)


def test_original_unagan_layers_differ_and_refuse_streaming():
    g = UNAGANGenerator(UNAGANConfig(channels=32, groups=4, causal=False))
    assert g(torch.randn(1, 20, 3)).shape == (1, 80, 48)
    with pytest.raises(DemiurgeError, match="non-causal"):
        g.streaming()


def _script_roundtrip(model, x, blocks=(2, 3)):
    stream = model.streaming()
    scripted = torch.jit.script(stream)
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    with torch.no_grad():
        for block in blocks:
            reference = blockwise(stream, x, block)
            torch.testing.assert_close(blockwise(loaded, x, block), reference, atol=0, rtol=0)
    # nn~ calls the model in inference mode and may reset it outside: state must survive both.
    with torch.inference_mode():
        first = blockwise(loaded, x, blocks[0])
    loaded.reset()
    with torch.inference_mode():
        torch.testing.assert_close(blockwise(loaded, x, blocks[0]), first, atol=0, rtol=0)
    assert int(loaded.latency_samples) == stream.latency_samples
    assert int(loaded.latency_frames) == stream.latency_frames


@pytest.mark.parametrize("arch", sorted(TINY))
def test_vocoder_script_roundtrip(arch):
    torch.manual_seed(3)
    g = build_vocoder(arch=ARCH.get(arch, arch), generator=TINY[arch].to_dict(), mel=MelConfig())
    g.set_stats(torch.randn(80), torch.rand(80) + 0.5)
    _script_roundtrip(g, torch.randn(1, 80, 12) - 2.0)


def test_unagan_script_roundtrip():
    torch.manual_seed(4)
    g = UNAGANGenerator(UNAGANConfig(channels=32, groups=4))
    _script_roundtrip(g, torch.randn(1, 20, 6))
