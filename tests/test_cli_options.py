"""The CLI as a whole: one spelling per option, help text on every option, defaults shown."""

from __future__ import annotations

import argparse

import pytest

from demiurge.cli import build_parser


def _commands():
    """``(name, parser)`` of every sub-command, nested ones (``train vocoder``) included."""
    def walk(prefix, parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(f"{prefix} {name}".strip(), sub)
                return
        yield prefix, parser
    yield from walk("", build_parser())


COMMANDS = dict(_commands())


def _options(parser):
    return [a for a in parser._actions if a.option_strings
            and not isinstance(a, (argparse._HelpAction, argparse._VersionAction))
            and a.help is not argparse.SUPPRESS]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help_and_shows_its_default(name):
    missing, no_default = [], []
    for action in _options(COMMANDS[name]):
        flag = action.option_strings[-1]
        if not action.help:
            missing.append(flag)
            continue
        shown = "default" in action.help or "%(default)" in action.help
        trivial = action.default in (None, False, "", [], argparse.SUPPRESS) or action.required \
            or isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction))
        if not trivial and not shown:
            no_default.append(f"{flag} (default {action.default!r})")
    assert not missing, f"demiurge {name}: options without help: {missing}"
    assert not no_default, f"demiurge {name}: help does not show the default: {no_default}"


def test_one_spelling_of_the_output_option():
    spellings = {}
    for name, parser in COMMANDS.items():
        for action in _options(parser):
            if "-o" in action.option_strings:
                spellings[name] = action.option_strings
    assert spellings, "no command has -o"
    odd = {n: s for n, s in spellings.items() if s != ["-o", "--output"]}
    assert not odd, f"-o is spelled otherwise in: {odd}"
    assert not any("--out" in a.option_strings for p in COMMANDS.values() for a in _options(p))
