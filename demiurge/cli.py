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

# Each module's ``register(subparsers)`` adds its sub-commands; order = order in ``--help``.
COMMAND_MODULES = (
    "demiurge.sequencer.commands",
    "demiurge.train.commands",
    "demiurge.synthesis.commands",
    "demiurge.plugin.commands",
    "demiurge.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demiurge",
        description="Neural audio synthesis and sequencing: describe audio, train models, "
                    "forecast and render, export to nn~.")
    from demiurge import __version__

    parser.add_argument("--version", action="version", version=f"demiurge {__version__}")
    parser.add_argument("--verbose", action="store_true",
                        help="with an error, also print the underlying library's message")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():  # `demiurge COMMAND --verbose` works too
        command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="with an error, also print the underlying library's message")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return exit_status(f"demiurge {args.command}", lambda: args.func(args), verbose=args.verbose)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
