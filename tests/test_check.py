"""`demiurge check`: nn~'s load and call sequence replayed on good and malformed files."""

from __future__ import annotations

from typing import List, Tuple

import pytest
import torch
from torch import Tensor, nn

from demiurge.cli import main
from demiurge.plugin.host import HostError, NNHost, check_file


def _save(module: nn.Module, path) -> str:
    torch.jit.script(module).save(str(path))
    return str(path)


class _Protocol(nn.Module):
    """A hand-written nn~ module (no demiurge base class), to be broken one way per test."""

    def __init__(self, out_channels: int = 1, out_ratio: int = 1):
        super().__init__()
        self.register_buffer("forward_params", torch.tensor([1, 1, out_channels, out_ratio]))
        self.gain = 1.0
        self.register_buffer("gain_params", torch.tensor([2]))

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gain

    @torch.jit.export
    def get_methods(self) -> List[str]:
        return ["forward"]

    @torch.jit.export
    def get_attributes(self) -> List[str]:
        return ["gain"]

    @torch.jit.export
    def get_gain(self) -> Tuple[float]:
        return (self.gain,)

    @torch.jit.export
    def set_gain(self, value: float) -> int:
        self.gain = value
        return 0


class _NoParams(_Protocol):
    def __init__(self):
        super().__init__()
        del self.forward_params


class _ListParams(_NoParams):
    def __init__(self):
        super().__init__()
        self.forward_params = [1, 1, 1, 1]


class _GhostMethod(_Protocol):
    """`forward` is fine, but `ghost` is listed without `ghost_params`: nn~ skips it."""

    @torch.jit.export
    def get_methods(self) -> List[str]:
        return ["forward", "ghost"]

    @torch.jit.export
    def ghost(self, x: Tensor) -> Tensor:
        return x


class _ShortOutput(_Protocol):
    def forward(self, x: Tensor) -> Tensor:
        return x[:, :, : x.shape[2] // 2]


class _Float64(_Protocol):
    def forward(self, x: Tensor) -> Tensor:
        return x.double()


class _Raises(_Protocol):
    def forward(self, x: Tensor) -> Tensor:
        if x.shape[2] > 0:
            raise RuntimeError("the model broke")
        return x


class _SetterNone(_Protocol):
    @torch.jit.export
    def set_gain(self, value: float) -> None:
        self.gain = value


class _ChannelsMixed(_Protocol):
    """Declares 2 output channels but returns one channel twice as long: same total size."""

    def __init__(self):
        super().__init__(out_channels=2)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([x, x], dim=2)


class _BareGetter(_Protocol):
    @torch.jit.export
    def get_gain(self) -> float:
        return self.gain


class _NoGetMethods(nn.Module):
    """Old-style module: nn~ falls back to methods that have a `_params` attribute."""

    def __init__(self):
        super().__init__()
        self.register_buffer("forward_params", torch.tensor([1, 1, 1, 1]))
        self.register_buffer("envelope_params", torch.tensor([1, 256, 1, 256]))
        self.sign = -1.0
        self.register_buffer("sign_params", torch.tensor([2]))

    def forward(self, x: Tensor) -> Tensor:
        return self.sign * x

    @torch.jit.export
    def get_sign(self) -> Tuple[float]:
        return (self.sign,)

    @torch.jit.export
    def set_sign(self, value: float) -> int:
        self.sign = value
        return 0

    @torch.jit.export
    def envelope(self, x: Tensor) -> Tensor:
        return x.abs()


def test_host_decimates_and_holds_like_nn_tilde(tmp_path):
    """nn~ keeps x[in_ratio-1::in_ratio] and repeats each output value out_ratio times."""
    host = NNHost(_save(_NoGetMethods(), tmp_path / "old.ts"))
    assert sorted(host.methods) == ["envelope", "forward"]      # get_methods fallback
    assert host.highest_ratio == 256
    assert host.attributes == {"sign": [2]}                     # get_attributes fallback
    x = torch.arange(1024, dtype=torch.float32).reshape(1, 1, 1024)
    y = host.perform("envelope", x)
    expected = torch.arange(255, 1024, 256, dtype=torch.float32).repeat_interleave(256)
    assert torch.equal(y[0, 0], expected)
    assert torch.equal(host.perform("forward", x), -x)
    assert host.bufsize_for(0) == 256 and host.bufsize_for(100) == 256
    assert host.bufsize_for(1000) == 1024 and host.bufsize_for(4096) == 4096


def test_check_passes_a_good_file_and_reports(tmp_path, capsys):
    path = _save(_Protocol(), tmp_path / "good.ts")
    assert main(["check", path, "--bufsize", "64", "2048", "--seconds", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "method forward: 1 in @ ratio 1 -> 1 out @ ratio 1" in out
    assert "64:" in out and "2048:" in out and "attribute gain = [1.0]" in out
    assert "OK for nn~" in out


@pytest.mark.parametrize("module, message", [
    (_NoParams(), "`forward_params` is missing"),
    (_ListParams(), "`forward_params` is a list, not a tensor"),
    (_GhostMethod(), "`ghost_params` is missing, so nn~ does not find `ghost`"),
    (_ShortOutput(), "model output size is not consistent, expected 2048 samples, got 1024"),
    (_Float64(), "returns float64; nn~ needs float32"),
    (_Raises(), "method `forward` raised at buffer size"),
    (_SetterNone(), "`set_gain` returned None, not an int"),
    (_ChannelsMixed(), "nn~ does not notice"),
    (_BareGetter(), "`get_gain` returned a float"),
], ids=["missing-params", "list-params", "one-method-without-params", "wrong-length", "float64", "raises", "setter-none",
        "channel-mismatch", "bare-getter"])
def test_check_rejects_each_malformed_kind(tmp_path, capsys, module, message):
    path = _save(module, tmp_path / "bad.ts")
    assert main(["check", path, "--bufsize", "2048", "--seconds", "0.1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("demiurge check: error: ") and message in err
    assert err.count("\n") == 1, "one clear line"


def test_check_rejects_files_that_are_not_torchscript(tmp_path, capsys):
    junk = tmp_path / "junk.ts"
    junk.write_bytes(b"not a model at all")
    weights = tmp_path / "weights.ts"
    torch.save({"w": torch.zeros(3)}, weights)
    for path in (junk, weights):
        assert main(["check", str(path)]) == 2
        assert "not a TorchScript file nn~ can load" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.ts")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_strict_check_catches_state_that_depends_on_the_buffer_size(tmp_path):
    class _Leaky(_Protocol):
        """Keeps only the last value of the previous buffer: output depends on the buffer."""

        def __init__(self):
            super().__init__()
            self.register_buffer("last", torch.zeros(1))

        def forward(self, x: Tensor) -> Tensor:
            y = x + self.last
            self.last.copy_(x[0, 0, -1:])
            return y

    path = _save(_Leaky(), tmp_path / "leaky.ts")
    assert check_file(path, bufsizes=(256, 1024), seconds=0.1).errors == []
    strict = check_file(path, bufsizes=(256, 1024), seconds=0.1, strict=True)
    assert any("different output at buffer size 1024" in e for e in strict.errors)


def test_setter_that_rebinds_state_in_place_fails_after_inference(tmp_path):
    """The InferenceMode pitfall: state made during perform is an inference tensor, and a
    setter (outside inference mode) that updates it in place raises in nn~."""

    class _Pitfall(_Protocol):
        def __init__(self):
            super().__init__()
            self.register_buffer("state", torch.zeros(1))

        def forward(self, x: Tensor) -> Tensor:
            self.state = self.state + x[0, 0, -1:]
            return x

        @torch.jit.export
        def set_gain(self, value: float) -> int:
            self.state.zero_()
            self.gain = value
            return 0

    report = check_file(_save(_Pitfall(), tmp_path / "pitfall.ts"), bufsizes=(256,), seconds=0.1)
    assert any("Inplace update to inference tensor outside InferenceMode" in e for e in report.errors)


def test_perform_refuses_buffers_the_ratios_do_not_divide(tmp_path):
    host = NNHost(_save(_NoGetMethods(), tmp_path / "old.ts"))
    with pytest.raises(HostError, match="does not divide by the ratios"):
        host.perform("envelope", torch.zeros(1, 1, 300))
