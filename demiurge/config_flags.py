"""The one binding between typed config dataclasses and command-line flags.

Every model, feature and training setting is a field of a frozen dataclass (``MelConfig``,
``MFCCConfig``, ``HiFiGANConfig``, ``PredictorConfig``, ``TrainConfig``, ...). This module
turns any of them into flags and back:

    add_flags(parser, MelConfig, prefix="mel")      # --mel-sample-rate, ..., --mel-padding
    given(args, MelConfig, prefix="mel")             # {"padding": "center"}: what was typed
    apply(MelConfig(), given(...))                   # a MelConfig with those changes

A flag is ``--{prefix}-{field name with dashes}``; its type comes from the field's annotation
(``int``, ``float``, ``str``, ``bool`` as true/false, ``Optional[...]`` accepting ``none``,
tuples as ``8,8,4`` or JSON), its help text and choices from the field's ``metadata``
(``help``, ``choices``). A flag that is not typed is absent from the parsed arguments, so a
stored config (a run's ``config.json`` given back with ``--config``, or the run being
resumed) can be the base that only explicit flags override.

``--set PREFIX.NAME=VALUE`` (kept from earlier versions) is the same binding spelled
differently: :func:`parse_set` reads the value with the same field converters.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import typing
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from demiurge.errors import DemiurgeError

_NONE = ("none", "off", "null")


def flag_name(prefix: str, name: str) -> str:
    """``("mel", "n_fft")`` -> ``"--mel-n-fft"``; no prefix -> ``"--n-fft"``."""
    return "--" + "-".join(p for p in (prefix, name.replace("_", "-")) if p)


def _dest(prefix: str, name: str) -> str:
    return f"{prefix.replace('-', '_')}__{name}" if prefix else name


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "yes", "1", "on"):
        return True
    if value in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, not {text!r}")


def _parse_sequence(text: str) -> Any:
    text = text.strip()
    try:
        value = json.loads(text if text.startswith("[") else f"[{text}]")
    except json.JSONDecodeError:
        raise argparse.ArgumentTypeError(f"expected numbers like 8,8,4 or [[1,3],[5]], not {text!r}") from None
    return value


def converter(hint: Any) -> Callable[[str], Any]:
    """The text -> value function of a field annotation."""
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        parse = converter(inner[0])

        def optional(text: str) -> Any:
            return None if text.strip().lower() in _NONE else parse(text)
        return optional
    if hint is bool:
        return _parse_bool
    if origin in (tuple, list) or hint in (tuple, list):
        return _parse_sequence
    if hint in (int, float, str):
        return hint
    raise TypeError(f"no flag converter for {hint!r}")


def _fields(cls) -> Sequence[dataclasses.Field]:
    return dataclasses.fields(cls)


def _hints(cls) -> Dict[str, Any]:
    return typing.get_type_hints(cls)


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return json.dumps(value).replace(" ", "")
    return "none" if value is None else str(value)


def add_flags(parser, cls, *, prefix: str = "", defaults: Any = None, title: Optional[str] = None,
              skip: Sequence[str] = ()) -> None:
    """One flag per field of dataclass ``cls`` (see the module docstring). ``defaults`` (an
    instance) gives the values the help shows; ``skip`` leaves fields out."""
    defaults = defaults if defaults is not None else cls()
    group = parser.add_argument_group(title) if title else parser
    hints = _hints(cls)
    for f in _fields(cls):
        if f.name in skip:
            continue
        default = getattr(defaults, f.name)
        text = f.metadata.get("help", f.name.replace("_", " "))
        extra = {"choices": list(f.metadata["choices"])} if "choices" in f.metadata else {}
        group.add_argument(flag_name(prefix, f.name), dest=_dest(prefix, f.name), type=converter(hints[f.name]),
                           default=argparse.SUPPRESS, help=f"{text} (default {_shown(default)})",
                           metavar=f.name.upper() if not extra else None, **extra)


def given(args: argparse.Namespace, cls, *, prefix: str = "") -> Dict[str, Any]:
    """The fields of ``cls`` whose flags were typed: ``{name: value}``."""
    values = vars(args)
    return {f.name: values[_dest(prefix, f.name)] for f in _fields(cls) if _dest(prefix, f.name) in values}


def apply(base, changes: Optional[Mapping[str, Any]]):
    """``base`` (a config dataclass) with ``changes`` applied; unknown names are refused."""
    if not changes:
        return base
    return type(base).from_dict(dict(base.to_dict(), **changes))


def parse_set(items: Sequence[str], sections: Mapping[str, Sequence[type]]) -> Dict[str, Dict[str, Any]]:
    """``["g.channels=32", ...]`` -> ``{"g": {"channels": 32}}``, each value read by its
    field's converter; ``sections`` maps each prefix to the config classes it may address
    (the first that has the field reads it; the config it is applied to checks the name, so
    a generator setting is checked against the chosen architecture's config)."""
    out: Dict[str, Dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        prefix, dot, name = key.partition(".")
        if not sep or not dot or prefix not in sections:
            raise DemiurgeError(f"--set {item!r}: write PREFIX.NAME=VALUE with PREFIX one of "
                                f"{', '.join(sections)}")
        hints = [h for h in (_hints(c) for c in sections[prefix]) if name in h]
        # An unknown name is kept as text: the config it is applied to refuses it by name.
        parse = converter(hints[0][name]) if hints else str
        try:
            out.setdefault(prefix, {})[name] = parse(value)
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise DemiurgeError(f"--set {item!r}: {exc}") from None
    return out
