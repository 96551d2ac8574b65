"""UNAGAN + vocoder export: `forward` (generate from internal seeded noise plus the input) and
`decode` (z -> audio) stream exactly as the offline generators, with attributes."""

from __future__ import annotations

import pytest
import torch

from demiurge.cli import main
from demiurge.dsp import MelConfig
from demiurge.models.loading import load_unagan, load_vocoder
from demiurge.models.configs import UNAGANConfig
from demiurge.plugin.host import NNHost, load_card
from demiurge.plugin.unagan import hashed_normal
from export_fixtures import TINY_UNAGAN, held, make_unagan_run, make_vocoder_run


def _offline(unagan, vocoder, z):
    with torch.no_grad():
        return vocoder(unagan.denormalise(unagan(z)))


@pytest.mark.parametrize("config", [TINY_UNAGAN, UNAGANConfig(channels=8, groups=2, n_stages=3,
                                                              kernel_size=5, d_channels=8)],
                         ids=["default-stages", "3-stages"])
def test_unagan_export_streams_exactly(tmp_path, config):
    voc = make_vocoder_run(tmp_path / "voc")
    una = make_unagan_run(tmp_path / "una", config=config)
    assert main(["export", str(una.path), "--vocoder", str(voc.path), "-o", str(tmp_path / "out")]) == 0
    path = tmp_path / "out" / "una.ts"
    card = load_card(path)
    ratio = config.frames_per_z * 256
    methods = {m["name"]: m for m in card["methods"]}
    assert methods["forward"]["in_ratio"] == ratio == methods["decode"]["in_ratio"]
    assert methods["decode"]["in_channels"] == 20
    assert card["source"]["vocoder"]["run_id"] == voc.id and card["highest_ratio"] == ratio
    unagan, vocoder = load_unagan(una.path).generator, load_vocoder(voc.path).generator
    latency = methods["decode"]["latency"]

    frames = 6 * 8192 // ratio
    z = torch.randn(2, 20, frames, generator=torch.Generator().manual_seed(3))
    want = _offline(unagan, vocoder, z)
    offsets = torch.linspace(-1, 1, frames).reshape(1, 1, frames).repeat(2, 1, 1)
    offsets[1] *= -1
    host = NNHost(path)
    assert host.set_attribute("temperature", 0.5) == 0 and host.set_attribute("seed", 7) == 0
    noise = hashed_normal(7, 0, frames, 20, torch.device("cpu"))
    want_gen = _offline(unagan, vocoder, 0.5 * noise + offsets)
    for bufsize in sorted({ratio, 2 * ratio, 8192}):
        got = NNHost(path).stream("decode", held(z, ratio), bufsize)
        n = got.shape[2] - latency
        assert float((got[..., latency:] - want[..., :n]).abs().max()) < 1e-4, f"decode @{bufsize}"
        gen_host = NNHost(path)
        gen_host.set_attribute("temperature", 0.5)
        gen_host.set_attribute("seed", 7)
        got = gen_host.stream("forward", held(offsets, ratio), bufsize)
        assert float((got[..., latency:] - want_gen[..., :n]).abs().max()) < 1e-4, f"forward @{bufsize}"


def test_seed_restarts_the_noise_and_setters_validate(tmp_path):
    voc = make_vocoder_run(tmp_path / "voc")
    from demiurge.plugin.from_runs import export_run

    path = export_run(make_unagan_run(tmp_path / "una"), tmp_path / "out", vocoder=voc)[0]
    host = NNHost(path)
    silence = torch.zeros(1, 1, 8192)
    first = host.stream("forward", silence, 4096)
    assert first.abs().max() > 0
    assert host.stream("forward", silence, 4096).sub(first).abs().max() > 1e-3   # noise moves on
    assert host.set_attribute("seed", 0) == 0                   # restarts the sequence (and in
    assert torch.equal(NNHost(path).stream("forward", silence, 4096), first)  # a fresh copy)
    assert host.set_attribute("seed", 1) == 0
    assert host.stream("forward", silence, 4096).sub(first).abs().max() > 1e-3
    assert host.set_attribute("seed", -1) == -1 and host.get_attribute("seed") == [1]
    assert host.set_attribute("temperature", 11.0) == -1 and host.get_attribute("temperature") == [1.0]


def test_hashed_noise_is_standard_normal_and_block_independent():
    a = hashed_normal(0, 0, 4096, 20, torch.device("cpu"))
    assert abs(float(a.mean())) < 0.02 and abs(float(a.std()) - 1) < 0.02
    b = torch.cat([hashed_normal(0, s, 64, 20, torch.device("cpu")) for s in range(0, 4096, 64)], 1)
    assert torch.equal(a, b)
    assert not torch.equal(a, hashed_normal(1, 0, 4096, 20, torch.device("cpu")))


def test_unagan_needs_a_matching_vocoder(tmp_path, capsys):
    una = make_unagan_run(tmp_path / "una")
    assert main(["export", str(una.path), "-o", str(tmp_path / "out")]) == 2
    assert "add --vocoder RUN" in capsys.readouterr().err
    voc = make_vocoder_run(tmp_path / "voc", mel=MelConfig(fmax=8000.0))
    assert main(["export", str(una.path), "--vocoder", str(voc.path), "-o", str(tmp_path / "out")]) == 2
    assert "use different mel settings (fmax: None vs 8000.0)" in capsys.readouterr().err
    assert main(["export", str(una.path), "--vocoder", str(una.path), "-o", str(tmp_path / "out")]) == 2
    assert "is a unagan run, not a vocoder run" in capsys.readouterr().err
