"""The ``demiurge`` command. Each feature package registers its own sub-commands through a
``register(subparsers)`` function in its ``commands`` module; this file only assembles them
and turns :class:`~demiurge.errors.DemiurgeError` into one clear line and exit status 2
(:func:`~demiurge.errors.exit_status`, shared with ``demiurge-live``)."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from demiurge.errors import exit_status

# Each module's ``register(subparsers)`` adds its sub-commands, which its ``HELP`` names;
# order = order in ``--help``.
COMMAND_MODULES = (
    "demiurge.sequencer.commands",
    "demiurge.train.commands",
    "demiurge.synthesis.commands",
    "demiurge.plugin.commands",
    "demiurge.commands",
)
VERBOSE_HELP = "with an error, also print the underlying library's message"


def build_parser(command: Optional[str] = "") -> argparse.ArgumentParser:
    """The ``demiurge`` parser. Only the module of ``command`` builds its options (they import
    torch, numpy and the models); the others list their names and help, so ``--help`` and a
    mistyped command answer at once. ``command=""`` builds every option."""
    parser = argparse.ArgumentParser(
        prog="demiurge",
        description="Neural audio synthesis and sequencing: describe audio, train models, "
                    "forecast and render, export to nn~.")
    from demiurge import __version__

    parser.add_argument("--version", action="version", version=f"demiurge {__version__}")
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        if command == "" or command in module.HELP:
            module.register(sub)
        else:
            for listed, text in module.HELP.items():
                sub.add_parser(listed, help=text)
    for command_parser in sub.choices.values():  # `demiurge COMMAND --verbose` works too
        command_parser.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                                    help=VERBOSE_HELP)
    return parser


def _command(argv: List[str]) -> Optional[str]:
    """The sub-command named in ``argv`` (its first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    return exit_status(f"demiurge {args.command}", lambda: args.func(args), verbose=args.verbose)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
