"""What a new user reads when they get something wrong: one line that names the thing and
what to do, through the real CLI."""

from __future__ import annotations

import json

import torch
from torch import Tensor, nn

from demiurge.cli import main


def error_lines(capsys) -> list:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_missing_predictions_suggest_predict(tmp_path, capsys):
    (tmp_path / "db").mkdir()
    assert main(["render", "--predictions", str(tmp_path / "nope"), "--db", str(tmp_path / "db"),
                 "-o", str(tmp_path / "o.wav")]) == 2
    err, = error_lines(capsys)
    assert f"{tmp_path / 'nope'}: no predictions here" in err
    assert "`demiurge predict" in err and "describe" not in err


def test_a_folder_with_only_a_config_is_named_for_what_it_is(tmp_path, capsys):
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model": "lstm"}))
    assert main(["export", str(folder), "-o", str(tmp_path / "x")]) == 2
    err, = error_lines(capsys)
    assert f"{folder} is a folder but not a training run" in err
    assert "holds config.json" in err and "no manifest.json" in err
    assert "no run directory" not in err


class _Gain(nn.Module):
    """A minimal nn~ module with one method of ratio ``ratio``."""

    def __init__(self, ratio: int = 1):
        super().__init__()
        self.register_buffer("forward_params", torch.tensor([1, ratio, 1, ratio]))

    def forward(self, x: Tensor) -> Tensor:
        return x[:, :, :: self.forward_params[1]] * 0.5

    @torch.jit.export
    def get_methods(self):
        return ["forward"]


def test_random_bytes_named_ts_get_one_line_and_details_only_when_verbose(tmp_path, capsys):
    bad = tmp_path / "model.ts"
    bad.write_bytes(bytes(range(256)) * 40)
    assert main(["check", str(bad)]) == 2
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if line.strip()]
    assert lines == [f"demiurge check: error: {bad}: not a TorchScript file nn~ can load; Pd "
                     "aborts on such a file: export models with `demiurge export` "
                     "(--verbose shows torch's message)"]
    for args in (["--verbose", "check", str(bad)], ["check", str(bad), "--verbose"]):
        assert main(args) == 2
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert text.count("PytorchStreamReader") == 1


def test_check_says_when_it_raises_a_buffer_size(tmp_path, capsys):
    path = tmp_path / "gain.ts"
    torch.jit.script(_Gain(ratio=4096)).save(str(path))
    assert main(["check", str(path), "--bufsize", "2048", "--seconds", "0.2"]) == 0
    out = capsys.readouterr().out
    assert ("buffer size 2048 is below the model's highest ratio 4096: nn~ switches to 4096 "
            "(\"nn~: buffer size too small, switching to 4096\")") in out
    torch.jit.script(_Gain(ratio=1)).save(str(path))
    assert main(["check", str(path), "--bufsize", "1000", "--seconds", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "buffer size 1000 is not a power of two: nn~ rounds it up to 1024" in out
    assert main(["check", str(path), "--bufsize", "1024", "--seconds", "0.2"]) == 0
    assert "buffer size" not in capsys.readouterr().out
