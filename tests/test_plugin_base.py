"""The nn~ protocol base class: what it registers, and the declarations it refuses."""

from __future__ import annotations

from typing import Tuple

import pytest
import torch
from torch import Tensor

from demiurge.errors import DemiurgeError
from demiurge.plugin.base import NNModule
from demiurge.plugin.exporter import model_card, save_export
from demiurge.plugin.host import NNHost, load_card


class _Gain(NNModule):
    """``forward``: gain; ``peak``: per-channel peak of each 256 samples."""

    gain: float

    def __init__(self):
        super().__init__()
        self.register_method("forward", in_channels=2, in_ratio=1, out_channels=2, out_ratio=1,
                             latency=0, doc="gain")
        self.register_method("peak", in_channels=2, in_ratio=1, out_channels=2, out_ratio=256,
                             latency=0, doc="peaks", output_labels=["peak L", "peak R"])
        self.register_attribute("gain", type="float", default=0.5, minimum=0.0, maximum=2.0,
                                doc="linear gain")
        self.register_attribute("mode", type="str", default="abs", choices=["abs", "signed"],
                                doc="peak of |x| or of x")

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gain

    @torch.jit.export
    def peak(self, x: Tensor) -> Tensor:
        blocks = x.reshape(x.shape[0], x.shape[1], -1, 256)
        return blocks.abs().amax(3) if self.mode == "abs" else blocks.amax(3)

    @torch.jit.export
    def get_gain(self) -> Tuple[float]:
        return (self.gain,)

    @torch.jit.export
    def set_gain(self, value: float) -> int:
        if value < 0.0 or value > 2.0:
            return -1
        self.gain = value
        return 0

    @torch.jit.export
    def get_mode(self) -> Tuple[str]:
        return (self.mode,)

    @torch.jit.export
    def set_mode(self, value: str) -> int:
        if value != "abs" and value != "signed":
            return -1
        self.mode = value
        return 0


def test_registration_is_what_nn_tilde_reads(tmp_path):
    module = _Gain()
    card = model_card(module, name="gain", kind="test", sample_rate=48000, source={"run_id": "x"})
    path = save_export(module, path=tmp_path / "gain.ts", card=card)
    model = torch.jit.load(str(path))
    assert model.get_methods() == ["forward", "peak"]
    assert model.get_attributes() == ["gain", "mode"]
    assert model.peak_params.dtype == torch.int64 and model.peak_params.tolist() == [2, 1, 2, 256]
    assert model.gain_params.tolist() == [2] and model.mode_params.tolist() == [3]
    assert model.peak_output_labels == ["peak L", "peak R"]
    assert model.forward_input_labels == ["(signal) input 0", "(signal) input 1"]
    assert model.get_gain() == (0.5,) and model.set_mode("signed") == 0 and model.set_mode("x") == -1
    card = load_card(path)
    assert card["sample_rate"] == 48000 and card["highest_ratio"] == 256
    assert card["attributes"][1] == {"name": "mode", "type": "str", "default": "abs",
                                     "doc": "peak of |x| or of x", "choices": ["abs", "signed"]}
    host = NNHost(path)
    x = torch.linspace(-1, 1, 512).reshape(1, 1, 512).repeat(1, 2, 1)
    assert torch.allclose(host.perform("forward", x), 0.5 * x)
    assert host.perform("peak", x)[0, 0, 0] == 1.0


def test_declarations_are_validated():
    module = NNModule()
    with pytest.raises(DemiurgeError, match="in_ratio 3 is not a power of two"):
        module.register_method("m", in_channels=1, in_ratio=3, out_channels=1, out_ratio=1,
                               latency=0, doc="")
    with pytest.raises(DemiurgeError, match="one label per channel"):
        module.register_method("m", in_channels=2, in_ratio=1, out_channels=1, out_ratio=1,
                               latency=0, doc="", input_labels=["a"])
    with pytest.raises(DemiurgeError, match="type 'tensor' is not one of bool, int, float, str"):
        module.register_attribute("t", type="tensor", default=None, doc="")

    class _NoSetter(NNModule):
        def __init__(self):
            super().__init__()
            self.register_attribute("level", type="int", default=1, doc="")

        def forward(self, x: Tensor) -> Tensor:
            return x

    with pytest.raises(DemiurgeError, match="does not define get_level"):
        _NoSetter().check_declarations()


def test_self_check_keeps_a_broken_export_out(tmp_path):
    class _Wrong(_Gain):
        @torch.jit.export
        def set_gain(self, value: float) -> int:
            self.gain = value          # accepts anything: the card says 0..2
            return 0

    module = _Wrong()
    card = model_card(module, name="wrong", kind="test", sample_rate=44100, source={})
    with pytest.raises(DemiurgeError, match=r"wrong.ts failed its nn~ self-check.*set_gain\(-1.0\)"):
        save_export(module, path=tmp_path / "wrong.ts", card=card)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DemiurgeError, match="name the export <name>.ts"):
        save_export(_Gain(), path=tmp_path / "gain.pt", card=card)
