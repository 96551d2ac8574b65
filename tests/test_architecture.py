"""The import rule of docs/architecture.md: a module imports only from its own package or from
packages on a lower layer, read from the source of every module of ``demiurge/`` (imports inside
functions included, since a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Tuple

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "demiurge"

# docs/architecture.md, "Layers": lowest first. A `commands` module (the CLI's rooms) belongs to
# the command layer whatever package it sits in.
LAYERS = (
    ("errors",),
    ("__init__", "fileio", "progress", "config_flags"),
    ("runs",),
    ("dsp", "nn", "data"),
    ("models", "sequencer"),
    ("plugin",),
    ("train",),
    ("synthesis",),
    ("demo",),
    ("live",),
    ("patches",),
    ("cli", "commands"),
)
LAYER = {unit: n for n, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str:
    """``demiurge.sequencer.db`` -> ``sequencer``; ``demiurge.x.commands`` -> ``commands``."""
    parts = module.split(".")
    if parts[-1] == "commands":
        return "commands"
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> Iterator[Tuple[int, str]]:
    """``(line, imported module)`` of every ``demiurge`` import in the file."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "demiurge":
                for alias in node.names:
                    yield node.lineno, f"demiurge.{alias.name}"
            elif node.module.startswith("demiurge."):
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("demiurge."):
                    yield node.lineno, alias.name


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_package_has_a_layer():
    units = {_unit(_module(p)) for p in MODULES}
    assert units <= set(LAYER), f"add {sorted(units - set(LAYER))} to docs/architecture.md and LAYERS"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_the_layers(path):
    me = _module(path)
    mine = _unit(me)
    if mine == "__init__" and me != "demiurge":
        mine = me.split(".")[1]
    wrong = []
    for line, target in _imports(path):
        theirs = _unit(target)
        if theirs == "__version__":
            theirs = "__init__"
        if theirs == mine and theirs != "commands":
            continue
        if theirs == "commands" and mine in ("cli", "commands"):
            continue
        if LAYER.get(theirs, len(LAYERS)) >= LAYER[mine] and theirs != mine:
            wrong.append(f"line {line}: {target} ({theirs}, layer {LAYER.get(theirs)}) "
                         f"from {me} ({mine}, layer {LAYER[mine]})")
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


# Where flags may be parsed: the command modules, the two entry points, and the one helper
# that turns config dataclasses into flags.
ARGPARSE_HOMES = {"cli.py", "config_flags.py", "live/cli.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_argparse_stays_in_commands_modules(path):
    rel = path.relative_to(PACKAGE).as_posix()
    uses = any(isinstance(n, (ast.Import, ast.ImportFrom)) and
               ("argparse" in [a.name for a in n.names] if isinstance(n, ast.Import) else n.module == "argparse")
               for n in ast.walk(ast.parse(path.read_text())))
    assert not uses or path.name == "commands.py" or rel in ARGPARSE_HOMES, \
        f"{rel} uses argparse: parse flags in a commands module and call the library with typed arguments"


def test_the_rule_sees_an_upward_import(tmp_path):
    """The checker itself: a lazy upward import inside a function is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from demiurge.train.loop import Trainer\n")
    assert [t for _, t in _imports(bad)] == ["demiurge.train.loop"]
