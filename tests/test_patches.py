"""Every nn~ object in patches/ (Pd and Max) names a model file in ../export/ and a method
that the exported file of that kind provides, and every connection to it fits its channels."""

from __future__ import annotations

import json
import shutil
import subprocess
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from demiurge.cli import main
from demiurge.patches import outputs
from demiurge.plugin.host import NNHost, load_card
from export_fixtures import make_predictor_run, make_unagan_run, make_vocoder_run
from live_fixtures import TONES, write_tone_db

PATCHES = Path(__file__).resolve().parents[1] / "patches"
EXPORT_DIR = (PATCHES / ".." / "export").resolve()
# Patches that play exported models (others, e.g. the demiurge-live OSC patch, have no nn~).
NN_PATCHES = sorted(p.name for p in PATCHES.iterdir()
                    if p.suffix in (".pd", ".maxpat", ".maxhelp") and "nn~ " in p.read_text())


@pytest.fixture(scope="module")
def hosts(tmp_path_factory) -> Dict[str, NNHost]:
    """Tiny models exported under the names the patches use, through the real CLI."""
    root = tmp_path_factory.mktemp("patch-models")
    out = root / "export"
    voc = make_vocoder_run(root / "v")
    runs = {"vocoder": (voc, []), "unagan": (make_unagan_run(root / "u"), ["--vocoder", str(voc.path)]),
            "predictor": (make_predictor_run(root / "p", "lstm"), [])}
    for name, (run, extra) in runs.items():
        assert main(["export", str(run.path), "--name", name, "-o", str(out)] + extra) == 0
    db = write_tone_db(root / "tones", TONES)
    assert main(["export", str(db), "--predictor", str(runs["predictor"][0].path), "-o", str(out)]) == 0
    return {name: NNHost(out / f"{name}.ts") for name in [*runs, "sequencer"]}


def _pd_boxes(path: Path) -> Tuple[List[List[str]], List[Tuple[int, int, int, int]]]:
    records = [r.strip() for r in re.split(r"(?<!\\);\s*\n", path.read_text()) if r.strip()]
    assert records[0].startswith("#N canvas"), f"{path.name}: not a Pd patch"
    boxes, lines = [], []
    for record in records[1:]:
        words = record.split()
        if words[:2] == ["#X", "connect"]:
            lines.append(tuple(int(w) for w in words[2:6]))
        elif words[0] == "#X" and words[1] in ("obj", "msg", "text", "floatatom"):
            boxes.append(words[1:2] + words[4:])
        else:
            pytest.fail(f"{path.name}: unexpected record {record[:40]!r}")
    return boxes, lines


def _max_boxes(path: Path) -> Tuple[List[List[str]], List[Tuple[int, int, int, int]]]:
    patcher = json.loads(path.read_text())["patcher"]
    ids = {b["box"]["id"]: n for n, b in enumerate(patcher["boxes"])}
    boxes = [[b["box"]["maxclass"]] + b["box"].get("text", "").split() for b in patcher["boxes"]]
    lines = [(ids[l["patchline"]["source"][0]], l["patchline"]["source"][1],
              ids[l["patchline"]["destination"][0]], l["patchline"]["destination"][1])
             for l in patcher["lines"]]
    return boxes, lines


def _nn_objects(path: Path):
    boxes, lines = (_pd_boxes if path.suffix == ".pd" else _max_boxes)(path)
    for n, box in enumerate(boxes):
        if len(box) > 1 and box[0] in ("obj", "newobj") and box[1] in ("nn~", "mc.nn~", "mcs.nn~"):
            args = [a for a in box[2:] if not a.startswith("-")]
            yield n, args, lines


def test_generated_files_are_current():
    """The committed patches and docs/osc.md are what the configs and live parameters give."""
    root = PATCHES.parent
    for path, text in outputs(root).items():
        assert path.read_text() == text, \
            f"{path.relative_to(root)} is stale: run `python -m demiurge.patches`"


def test_every_patch_has_a_help_patch_and_states_the_rate():
    mains = [PATCHES / n for n in NN_PATCHES if n.endswith(".pd") and not n.endswith("-help.pd")]
    assert {p.stem for p in mains} == {"vocoder", "unagan", "predictor", "sequencer"}
    for p in mains:
        assert (PATCHES / f"{p.stem}-help.pd").exists()
        assert (PATCHES / f"{p.stem}.maxpat").exists() and (PATCHES / f"{p.stem}.maxhelp").exists()
    for name in NN_PATCHES:
        assert "44100 Hz" in (PATCHES / name).read_text(), f"{name} does not state the sample rate"


@pytest.mark.parametrize("patch", NN_PATCHES)
def test_nn_objects_name_exported_models_and_methods(hosts, patch):
    path = PATCHES / patch
    found = 0
    for n, args, lines in _nn_objects(path):
        found += 1
        model, method = args[0], args[1]
        assert (path.parent / model).resolve().parent == EXPORT_DIR, f"{patch}: {model} is not in ../export/"
        name = Path(model).stem
        assert model.endswith(".ts") and name in hosts, f"{patch}: unknown model {model}"
        host = hosts[name]
        assert method in host.methods, f"{patch}: {name}.ts has no method {method}"
        m = host.methods[method]
        bufsize = int(args[2])
        assert host.bufsize_for(bufsize) == bufsize and bufsize % m.in_ratio == 0
        info_outlet = 1 if path.suffix == ".pd" else 0
        for a, outlet, b, inlet in lines:
            if b == n:
                assert inlet < m.in_channels, f"{patch}: inlet {inlet} of {name} {method}"
            if a == n:
                assert outlet < m.out_channels + info_outlet, f"{patch}: outlet {outlet} of {name} {method}"
        feeding = {inlet for a, o, b, inlet in lines if b == n}
        if m.in_channels > 1:
            assert feeding == set(range(m.in_channels)), f"{patch}: {name} {method} inputs not all fed"
    assert found, f"{patch} has no nn~ object"


@pytest.mark.skipif(shutil.which("pd") is None,
                    reason="Pd is not installed (apt-get install puredata-core)")
@pytest.mark.parametrize("patch", [n for n in NN_PATCHES if n.endswith(".pd")])
def test_pd_patches_open_in_pd(patch):
    """A headless Pd (without the nn~ external) creates every object but nn~."""
    proc = subprocess.run(["pd", "-nogui", "-nosound", "-noprefs", "-stderr", "-open",
                           str(PATCHES / patch), "-send", "pd quit"],
                          capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    failed = [line.split("verbose(0):", 1)[1].strip() for line in out.splitlines()
              if "verbose(0):" in line]
    n_nn = sum(1 for _ in _nn_objects(PATCHES / patch))
    if out.count("couldn't create") == 0:
        pytest.skip("this Pd has the nn~ external: objects all created")
    assert out.count("couldn't create") == n_nn and all(f.startswith("nn~ ") for f in failed), out
    assert "error" not in out.lower(), out


@pytest.mark.parametrize("patch", [n for n in NN_PATCHES if n.endswith(".pd")])
def test_set_messages_are_accepted_by_the_model(hosts, patch):
    """Every ``set NAME VALUE`` message wired to an nn~ object names one of the model's
    attributes and a value its setter accepts."""
    boxes, _ = _pd_boxes(PATCHES / patch)
    for n, args, lines in _nn_objects(PATCHES / patch):
        host = hosts[Path(args[0]).stem]
        types = {a["name"]: a["type"] for a in load_card(host.path)["attributes"]}
        for a, _, b, _ in lines:
            words = boxes[a]
            if b == n and words[0] == "msg" and words[1] == "set":
                name, value = words[2], words[3].rstrip(";")
                cast = {"int": int, "float": float, "str": str, "bool": bool}[types[name]]
                assert host.set_attribute(name, cast(value)) == 0, f"{patch}: {' '.join(words[1:])}"
