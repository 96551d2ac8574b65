"""The ``demiurge`` command. Each feature package registers its own sub-commands through a
``register(subparsers)`` function in its ``commands`` module; this file only assembles them
and turns :class:`~demiurge.errors.DemiurgeError` into one clear line and exit status 2."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from demiurge.errors import DemiurgeError

# Each module's ``register(subparsers)`` adds its sub-commands; order = order in ``--help``.
COMMAND_MODULES = (
    "demiurge.sequencer.commands",
    "demiurge.train.commands",
    "demiurge.sequencer.predict",
    "demiurge.synthesis.commands",
    "demiurge.plugin.commands",
    "demiurge.demo",
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
    try:
        result = args.func(args)
    except DemiurgeError as exc:
        print(f"demiurge {args.command}: error: {exc.report(verbose=args.verbose)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"demiurge {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
