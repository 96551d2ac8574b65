"""The nn~ protocol, written once: every exported module derives from :class:`NNModule`.

What nn~ (acids-ircam/nn_tilde v1.6.0) reads from a TorchScript file, and so what this base
class declares (see ``docs/export.md`` and the protocol notes):

* ``get_methods() -> List[str]`` and, per method ``m``, the int64 buffer
  ``m_params = [in_channels, in_ratio, out_channels, out_ratio]`` plus the Max hover labels
  ``m_input_labels`` / ``m_output_labels`` (``List[str]``);
* ``get_attributes() -> List[str]`` and, per attribute ``a``, the int64 buffer ``a_params``
  holding one type id (0 bool, 1 int, 2 float, 3 str), a getter ``get_a() -> Tuple[...]`` and a
  validating setter ``set_a(value) -> int`` returning 0 (accepted) or -1 (rejected).

A method is called as ``m(x: Tensor[B x in_channels x T]) -> Tensor[B x out_channels x
T * in_ratio / out_ratio]`` on consecutive blocks, inside ``torch.inference_mode()``; streaming
state lives in buffers. Setters run outside inference mode, so a setter that resets state must
rebind the buffer (``self.x = torch.zeros(...)``), never update an inference tensor in place.

Subclasses register their methods and attributes in ``__init__`` and write the typed getter and
setter of each attribute themselves (TorchScript needs them spelled out);
:meth:`NNModule.check_declarations` verifies that they exist.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import nn

from demiurge.errors import DemiurgeError

# nn~'s type ids (nn_tilde python_tools TYPE_HASH); tensor (4) and buffer (5) attributes do
# not work on a first load in nn~ 1.6.0, so they are not offered.
ATTRIBUTE_TYPE_IDS = {"bool": 0, "int": 1, "float": 2, "str": 3}


@dataclass(frozen=True)
class MethodSpec:
    """One nn~ method: channels and ratios (powers of two) and the latency it adds, in samples
    at the model's rate (output sample n holds what the offline model gives for n - latency)."""

    name: str
    in_channels: int
    in_ratio: int
    out_channels: int
    out_ratio: int
    latency: int
    input_labels: List[str]
    output_labels: List[str]
    doc: str

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AttributeSpec:
    """One nn~ attribute: its type (``bool``, ``int``, ``float`` or ``str``), default, the
    accepted range (``minimum``/``maximum`` for numbers, ``choices`` for strings) and what it
    does."""

    name: str
    type: str
    default: Any
    doc: str
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    choices: Optional[List[str]] = None

    def to_dict(self) -> Dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _resolved_annotations(klass: type) -> Dict[str, Any]:
    """A class's own annotations with string annotations (``from __future__ import
    annotations``) evaluated in its module, as TorchScript needs real types."""
    namespace = dict(vars(sys.modules[klass.__module__]))
    out = {}
    for name, value in klass.__dict__.get("__annotations__", {}).items():
        if isinstance(value, str):
            try:
                value = eval(value, namespace)  # noqa: S307 - the class's own source
            except Exception:
                pass
        out[name] = value
    return out


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and (n & (n - 1)) == 0


class NNModule(nn.Module):
    """Base class of every module exported for nn~ (see the module docstring)."""

    # TorchScript attribute types that cannot be inferred from an empty list.
    __annotations__ = {"method_names": List[str], "attribute_names": List[str]}
    __jit_ignored_attributes__ = ["method_specs", "attribute_specs"]

    def __init_subclass__(cls, **kwargs):
        # Keep the base's TorchScript annotations when a subclass declares its own.
        super().__init_subclass__(**kwargs)
        merged = dict(NNModule.__annotations__)
        for klass in reversed(cls.__mro__):
            if issubclass(klass, NNModule) and klass is not NNModule:
                merged.update(_resolved_annotations(klass))
        cls.__annotations__ = merged
        ignored = list(getattr(cls, "__jit_ignored_attributes__", []))
        cls.__jit_ignored_attributes__ = sorted(set(ignored) | set(NNModule.__jit_ignored_attributes__))

    def __init__(self):
        super().__init__()
        self.method_names = []
        self.attribute_names = []
        self.method_specs: Dict[str, MethodSpec] = {}
        self.attribute_specs: Dict[str, AttributeSpec] = {}

    # ------------------------------------------------------------------ declaration
    def register_method(self, name: str, *, in_channels: int, in_ratio: int, out_channels: int,
                        out_ratio: int, latency: int, doc: str,
                        input_labels: Optional[Sequence[str]] = None,
                        output_labels: Optional[Sequence[str]] = None) -> None:
        """Declare method ``name`` (a ``forward`` or an ``@torch.jit.export`` method)."""
        for what, ratio in (("in_ratio", in_ratio), ("out_ratio", out_ratio)):
            if not _is_power_of_two(int(ratio)):
                raise DemiurgeError(f"method {name}: {what} {ratio} is not a power of two; nn~ "
                                    "buffer sizes are powers of two and must divide by it")
        inputs = list(input_labels) if input_labels is not None else \
            [f"(signal) input {i}" for i in range(in_channels)]
        outputs = list(output_labels) if output_labels is not None else \
            [f"(signal) output {i}" for i in range(out_channels)]
        if len(inputs) != in_channels or len(outputs) != out_channels:
            raise DemiurgeError(f"method {name}: give one label per channel "
                                f"({in_channels} in, {out_channels} out)")
        self.register_buffer(f"{name}_params", torch.tensor(
            [in_channels, in_ratio, out_channels, out_ratio], dtype=torch.long))
        setattr(self, f"{name}_input_labels", inputs)
        setattr(self, f"{name}_output_labels", outputs)
        self.method_specs[name] = MethodSpec(name, int(in_channels), int(in_ratio),
                                             int(out_channels), int(out_ratio), int(latency),
                                             inputs, outputs, doc)
        self.method_names.append(name)

    def register_attribute(self, name: str, *, type: str, default: Any, doc: str,
                           minimum: Optional[float] = None, maximum: Optional[float] = None,
                           choices: Optional[Sequence[str]] = None, store: bool = True) -> None:
        """Declare attribute ``name``; the module defines ``get_<name>``/``set_<name>`` itself
        and keeps the value in ``self.<name>`` (set to ``default`` here), or, with
        ``store=False``, wherever its accessors say (e.g. in a submodule)."""
        if type not in ATTRIBUTE_TYPE_IDS:
            raise DemiurgeError(f"attribute {name}: type {type!r} is not one of "
                                f"{', '.join(ATTRIBUTE_TYPE_IDS)} (the types every nn~ accepts)")
        self.register_buffer(f"{name}_params",
                             torch.tensor([ATTRIBUTE_TYPE_IDS[type]], dtype=torch.long))
        if store:
            setattr(self, name, default)
        self.attribute_specs[name] = AttributeSpec(name, type, default, doc, minimum, maximum,
                                                   list(choices) if choices is not None else None)
        self.attribute_names.append(name)

    def check_declarations(self) -> None:
        """Raise if a registered method or attribute accessor is missing."""
        for name in self.method_names:
            if name != "forward" and not callable(getattr(type(self), name, None)):
                raise DemiurgeError(f"{type(self).__name__} registers method {name} but does not define it")
        for name in self.attribute_names:
            for accessor in (f"get_{name}", f"set_{name}"):
                if not callable(getattr(type(self), accessor, None)):
                    raise DemiurgeError(f"{type(self).__name__} registers attribute {name} but "
                                        f"does not define {accessor}")

    # ------------------------------------------------------------------ discovery (nn~ calls these)
    @torch.jit.export
    def get_methods(self) -> List[str]:
        return self.method_names

    @torch.jit.export
    def get_attributes(self) -> List[str]:
        return self.attribute_names

    # ------------------------------------------------------------------ model card pieces
    def card_methods(self) -> List[Dict[str, Any]]:
        return [self.method_specs[n].to_dict() for n in self.method_names]

    def card_attributes(self) -> List[Dict[str, Any]]:
        return [self.attribute_specs[n].to_dict() for n in self.attribute_names]

    def highest_ratio(self) -> int:
        return max(max(s.in_ratio, s.out_ratio) for s in self.method_specs.values())
