"""`--help` and argument errors answer at once: they must not wait for torch or librosa, which
take seconds to import (the figures are in tools/bench_startup.py). Every sub-command, and
every `demiurge train MODEL`, is asked in a fresh interpreter."""

import subprocess
import sys

import pytest

from demiurge.cli import build_parser

HEAVY = ("torch", "librosa")


def _subcommands(parser):
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def _commands():
    commands = []
    for name, parser in _subcommands(build_parser("")).items():
        if name == "train":
            commands += [[name, model] for model in _subcommands(parser)]
        else:
            commands.append([name])
    return commands


def _heavy_imports(module: str, argv) -> list:
    code = (f"import sys\nfrom {module} import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print('loaded:', *[m for m in {HEAVY!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split()[1:]


def test_every_command_is_asked():
    commands = _commands()
    assert ["train", "vocoder"] in commands and ["render"] in commands and len(commands) >= 11


@pytest.mark.parametrize("argv", _commands(), ids=" ".join)
def test_help_and_argument_errors_import_no_torch(argv):
    assert _heavy_imports("demiurge.cli", argv + ["--help"]) == []
    # With no arguments (or a bogus one, for commands that need none) argparse refuses at once.
    assert _heavy_imports("demiurge.cli", argv + ["--no-such-option"]) == []


def test_live_help_imports_no_torch():
    assert _heavy_imports("demiurge.live.cli", ["--help"]) == []
