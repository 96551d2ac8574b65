"""An emulation of the nn~ host (acids-ircam/nn_tilde v1.6.0 ``Backend``), behind ``demiurge
check`` and the exporter's self-check.

It replays what nn~ does with a ``.ts`` file: ``torch.jit.load``; method discovery through
``get_methods()`` (falling back to every compiled method ``m`` with an ``m_params``
attribute); ``m_params`` read as a tensor ``[in_ch, in_ratio, out_ch, out_ratio]``; the highest
ratio over all usable methods; attribute discovery through ``get_attributes()`` (dropping
``"none"``); each call inside ``torch.inference_mode()`` on an input decimated by keeping the
last sample of each group of ``in_ratio``; the output flattened, each value repeated
``out_ratio`` times and reshaped to ``[batch, out_ch, -1]``, which must be float32 and
``bufsize`` long; setters called outside inference mode and expected to return an int.

Where nn~ fails silently (a channel count that does not match although the total size does, a
method listed without usable ``_params``), the host reports it too: a user would hear silence
or garbage.
"""

from __future__ import annotations

import json
import math
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from demiurge.errors import DemiurgeError

CARD_NAME = "demiurge_card.json"
DEFAULT_SAMPLE_RATE = 44100


class HostError(DemiurgeError):
    """Something nn~ would choke on, or play silence from, with the file it comes from."""


@dataclass(frozen=True)
class Method:
    """A method as nn~ sees it."""

    name: str
    in_channels: int
    in_ratio: int
    out_channels: int
    out_ratio: int


def _jit_load(path: Path, extra_files: Optional[Dict[str, Any]] = None) -> torch.jit.ScriptModule:
    """``torch.jit.load`` on CPU, as nn~'s ``Backend::load`` (without the deprecation notice)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if extra_files is None:
            return torch.jit.load(str(path), map_location="cpu")
        return torch.jit.load(str(path), map_location="cpu", _extra_files=extra_files)


def _attribute_names(model: torch.jit.ScriptModule) -> List[str]:
    """The module's own attributes (buffers and plain values; not methods), as nn~ iterates
    them: read from TorchScript's module dump, which is the one listing Python exposes."""
    dump = model._c.dump_to_str(False, True, False)
    block = dump.split("\n  attributes {\n", 1)[-1].split("\n  }\n", 1)[0]
    return re.findall(r"^    ([A-Za-z_]\w*) = ", block, flags=re.MULTILINE)


def load_card(path: Path) -> Optional[Dict[str, Any]]:
    """The model card embedded in a ``.ts`` by ``demiurge export`` (None for other files)."""
    extra = {CARD_NAME: ""}
    try:
        _jit_load(path, extra)
    except Exception:
        return None
    return json.loads(extra[CARD_NAME]) if extra[CARD_NAME] else None


class NNHost:
    """One nn~ object holding its own copy of a model file (as each nn~ object does).

    ``problems`` lists what nn~ passes over without failing the load but a user would hit (a
    listed method without a usable ``_params`` tensor, an attribute without one); such methods
    are left out of :attr:`methods`, as nn~ leaves them out.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.problems: List[str] = []
        if not self.path.is_file():
            raise HostError("no such file; nn~ would print \"could not find file\"")
        try:
            self.model = _jit_load(self.path)
        except Exception as exc:
            raise HostError("not a TorchScript file nn~ can load; Pd aborts on such a file: "
                            "export models with `demiurge export`",
                            detail=str(exc).strip() or type(exc).__name__,
                            detail_source="torch's message") from None
        self.model.eval()
        self.methods = self._discover_methods()
        if not self.methods:
            reasons = "; ".join(self.problems) or "none has a `<method>_params` tensor"
            raise HostError(f"no usable method ({reasons}); nn~ would play silence")
        self.highest_ratio = max(max(m.in_ratio, m.out_ratio) for m in self.methods.values())
        self.attributes = self._discover_attributes()

    # ------------------------------------------------------------------ discovery
    def _params(self, name: str) -> Optional[List[int]]:
        """``<name>_params`` as nn~ reads it (``toTensor()``), or None if nn~ could not."""
        attr = f"{name}_params"
        if not hasattr(self.model, attr):
            self.problems.append(f"`{attr}` is missing, so nn~ does not find `{name}` "
                                 "(register it as an int64 tensor buffer)")
            return None
        value = getattr(self.model, attr)
        if not isinstance(value, torch.Tensor):
            self.problems.append(f"`{attr}` is a {type(value).__name__}, not a tensor: nn~ reads "
                                 f"it with toTensor() and does not find `{name}` "
                                 "(register it with register_buffer(torch.tensor([...])))")
            return None
        return [int(v) for v in value.flatten().tolist()]

    def _discover_methods(self) -> Dict[str, Method]:
        try:
            names = list(self.model.get_methods())
        except Exception:
            names = [n for n in self.model._c._method_names()
                     if hasattr(self.model, f"{n}_params")]
        methods = {}
        for name in names:
            params = self._params(name)
            if params is None:
                continue
            if len(params) < 4:
                self.problems.append(f"`{name}_params` has {len(params)} values; nn~ needs "
                                     "[in_channels, in_ratio, out_channels, out_ratio]")
                continue
            if not hasattr(self.model, name):
                self.problems.append(f"`{name}` is listed by get_methods() but not compiled "
                                     "(mark it @torch.jit.export)")
                continue
            in_ch, in_ratio, out_ch, out_ratio = params[:4]
            if min(in_ch, in_ratio, out_ch, out_ratio) < 1:
                self.problems.append(f"`{name}_params` = {params[:4]} has a value below 1")
                continue
            methods[name] = Method(name, in_ch, in_ratio, out_ch, out_ratio)
        return methods

    def _discover_attributes(self) -> Dict[str, List[int]]:
        try:
            names = [n for n in self.model.get_attributes() if n != "none"]
        except Exception:
            attrs = _attribute_names(self.model)
            names = [n for n in attrs if f"{n}_params" in attrs]
        attributes = {}
        for name in names:
            params = getattr(self.model, f"{name}_params", None)
            if not isinstance(params, torch.Tensor):
                self.problems.append(f"attribute `{name}` has no `{name}_params` tensor; nn~ "
                                     "cannot set it (\"parameters to set attribute not found\")")
                continue
            attributes[name] = [int(v) for v in params.flatten().tolist()]
        return attributes

    # ------------------------------------------------------------------ perform
    def bufsize_for(self, requested: int) -> int:
        """The buffer size Pd's nn~ settles on for a requested one (0 = highest ratio)."""
        if requested <= 0 or requested < self.highest_ratio:
            return self.highest_ratio
        return 1 << (int(requested) - 1).bit_length()

    def perform(self, method: str, block: torch.Tensor) -> torch.Tensor:
        """One nn~ buffer: ``Tensor[B x in_ch x bufsize] -> Tensor[B x out_ch x bufsize]``.

        Raises :class:`HostError` where nn~ would print an error and play silence, and where
        it would silently mangle the channels.
        """
        m = self.methods[method]
        batch, channels, bufsize = block.shape
        if channels != m.in_channels:
            raise ValueError(f"block has {channels} channels, {method} takes {m.in_channels}")
        if bufsize % m.in_ratio or bufsize % m.out_ratio:
            raise HostError(f"buffer size {bufsize} does not divide by the ratios of "
                            f"`{method}` ({m.in_ratio}, {m.out_ratio}); nn~ throws in reshape")
        x = block[:, :, m.in_ratio - 1::m.in_ratio].contiguous()
        fn = getattr(self.model, method)
        try:
            with torch.inference_mode():
                y = fn(x)
        except Exception as exc:
            lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
            detail = lines[-1] if lines else type(exc).__name__
            raise HostError(f"method `{method}` raised at buffer size {bufsize} "
                            f"({detail}); nn~ prints the traceback and plays silence") from None
        if not isinstance(y, torch.Tensor):
            raise HostError(f"method `{method}` returned a {type(y).__name__}, not a "
                            "tensor; nn~ plays silence")
        expected = (batch, m.out_channels, bufsize // m.out_ratio)
        total = y.numel() * m.out_ratio
        if total % (batch * m.out_channels) or total // (batch * m.out_channels) != bufsize:
            got = total // max(batch * m.out_channels, 1)
            raise HostError(f"method `{method}` returned shape {list(y.shape)} for a "
                            f"buffer of {bufsize} (expected {list(expected)}); nn~ prints \"model "
                            f"output size is not consistent, expected {bufsize} samples, got "
                            f"{got}!\" and plays silence")
        if tuple(y.shape) != expected:
            raise HostError(f"method `{method}` returned shape {list(y.shape)}, "
                            f"expected {list(expected)}; nn~ does not notice (same total size) "
                            "and splits the output across channels and time wrongly")
        if y.dtype != torch.float32:
            raise HostError(f"method `{method}` returns {str(y.dtype).replace('torch.', '')}; "
                            "nn~ needs float32 (\"expected scalar type Float\") and plays silence")
        out = y.reshape(-1).repeat_interleave(m.out_ratio).reshape(batch, m.out_channels, -1)
        return out.clone()

    def stream(self, method: str, signal: torch.Tensor, bufsize: int,
               on_block: Optional[Callable[[float], None]] = None) -> torch.Tensor:
        """Feed ``Tensor[B x in_ch x T]`` in consecutive ``bufsize`` buffers (T is cut to a
        multiple of bufsize); returns ``Tensor[B x out_ch x T']``. ``on_block(seconds)`` gets
        each call's compute time."""
        n = signal.shape[-1] // bufsize
        outs = []
        for i in range(n):
            start = time.perf_counter()
            outs.append(self.perform(method, signal[:, :, i * bufsize:(i + 1) * bufsize]))
            if on_block is not None:
                on_block(time.perf_counter() - start)
        return torch.cat(outs, dim=-1)

    # ------------------------------------------------------------------ attributes
    def get_attribute(self, name: str) -> List[Any]:
        getter = getattr(self.model, f"get_{name}", None)
        if getter is None:
            raise HostError(f"attribute `{name}` has no getter `get_{name}`")
        value = getter()
        if not isinstance(value, (list, tuple)):
            raise HostError(f"`get_{name}` returned a {type(value).__name__}; nn~ "
                            "needs a tuple or list with one element per value")
        if len(value) != len(self.attributes[name]):
            raise HostError(f"`get_{name}` returned {len(value)} values, "
                            f"`{name}_params` declares {len(self.attributes[name])}")
        return list(value)

    def set_attribute(self, name: str, *values: Any) -> int:
        """Call ``set_<name>`` as nn~ does (outside inference mode) and return its code."""
        setter = getattr(self.model, f"set_{name}", None)
        if setter is None:
            raise HostError(f"attribute `{name}` has no setter `set_{name}`; nn~ "
                            "prints \"setter for attribute not found in model\"")
        if len(values) != len(self.attributes[name]):
            raise HostError(f"wrong number of elements: setter seems to have "
                            f"{len(self.attributes[name])}, but {len(values)} was given")
        try:
            code = setter(*values)
        except Exception as exc:
            lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
            raise HostError(f"`set_{name}{tuple(values)}` raised "
                            f"({lines[-1] if lines else type(exc).__name__}); nn~ prints "
                            f"\"setter for {name} failed\"") from None
        if isinstance(code, bool) or not isinstance(code, int):
            raise HostError(f"`set_{name}` returned {code!r}, not an int; nn~ "
                            f"prints \"setter for {name} failed\" (return 0 or -1)")
        return code


# ---------------------------------------------------------------------- the check
@dataclass
class MethodReport:
    """What ``demiurge check`` measured for one method."""

    method: Method
    latency: Optional[int]
    realtime: Dict[int, float] = field(default_factory=dict)


@dataclass
class CheckReport:
    path: Path
    sample_rate: int
    card: Optional[Dict[str, Any]]
    highest_ratio: int = 0
    methods: List[MethodReport] = field(default_factory=list)
    attributes: Dict[str, List[Any]] = field(default_factory=dict)
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    #: Set when nn~ could not even load the file: ``errors`` then holds that one reason.
    load_error: Optional[HostError] = None

    def lines(self) -> List[str]:
        origin = "model card" if self.card else "no model card: assumed"
        out = [f"sample rate {self.sample_rate} Hz ({origin}), highest ratio "
               f"{self.highest_ratio}"]
        for r in self.methods:
            m = r.method
            lat = "?" if r.latency is None else f"{r.latency} samples"
            rt = ", ".join(f"{b}: {x:.1f}x" for b, x in sorted(r.realtime.items()))
            out.append(f"  method {m.name}: {m.in_channels} in @ ratio {m.in_ratio} -> "
                       f"{m.out_channels} out @ ratio {m.out_ratio}, latency {lat}, "
                       f"real time (bufsize: speed) {rt or 'not measured'}")
        for name, value in self.attributes.items():
            out.append(f"  attribute {name} = {value}")
        out += [f"  note: {n}" for n in self.notes]
        out += [f"  warning: {w}" for w in self.warnings]
        out += [f"  ERROR: {e}" for e in self.errors]
        return out


def _test_signal(batch: int, channels: int, length: int, sample_rate: int, seed: int = 0) -> torch.Tensor:
    """Seeded noise plus a chirp: ``Tensor[B x C x T]`` in [-0.5, 0.5]."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) / sample_rate
    chirp = 0.3 * np.sin(2 * np.pi * (110 * t + 200 * t * t))
    sig = chirp[None, None, :] + 0.05 * rng.standard_normal((batch, channels, length))
    return torch.from_numpy(sig.astype(np.float32))


def check_file(path: str | Path, *, bufsizes: Sequence[int] = (0, 2048, 4096),
               seconds: float = 1.0, strict: bool = False, tolerance: float = 1e-4) -> CheckReport:
    """Replay nn~'s load and call sequence on ``path`` at each buffer size (0 = nn~'s minimum,
    the highest ratio); measure each method's real-time factor; check setters.

    Problems nn~ would choke on are in ``errors``. ``strict`` (the exporter's self-check) also
    turns into errors what nn~ tolerates but our exports promise: batch > 1 (mc.nn~), outputs
    that do not depend on the buffer size, finite outputs, setters that reject values outside
    the card's ranges.
    """
    path = Path(path)
    card = load_card(path) if path.is_file() else None
    sample_rate = int(card["sample_rate"]) if card else DEFAULT_SAMPLE_RATE
    report = CheckReport(path, sample_rate, card)
    try:
        host = NNHost(path)
    except HostError as exc:
        report.errors.append(str(exc))
        report.load_error = exc
        return report
    report.highest_ratio = host.highest_ratio
    # A listed method or attribute nn~ cannot use: the user gets silence or a failed `set`.
    report.errors.extend(host.problems)
    card_methods = {m["name"]: m for m in card["methods"]} if card else {}
    sizes = sorted({host.bufsize_for(b) for b in bufsizes})
    report.notes.extend(_raised_buffer(b, host) for b in bufsizes if b > 0 and host.bufsize_for(b) != b)

    for name, m in host.methods.items():
        latency = card_methods.get(name, {}).get("latency")
        mreport = MethodReport(m, latency)
        report.methods.append(mreport)
        reference = None
        length = max(sizes) * max(2, math.ceil(seconds * sample_rate / max(sizes)))
        signal = _test_signal(1, m.in_channels, length, sample_rate)
        for bufsize in sizes:
            fresh = NNHost(path)  # each nn~ object loads its own copy: fresh state
            times: List[float] = []
            try:
                out = fresh.stream(name, signal, bufsize, on_block=times.append)
            except HostError as exc:
                report.errors.append(str(exc))
                break
            # The first call may compile and warm up: measure the rest.
            steady = times[1:] or times
            mreport.realtime[bufsize] = len(steady) * bufsize / sample_rate / max(sum(steady), 1e-9)
            if not torch.isfinite(out).all():
                msg = f"method `{name}` outputs NaN or infinity at buffer size {bufsize}"
                (report.errors if strict else report.warnings).append(msg)
            if reference is None:
                reference = out
            else:
                diff = float((out - reference).abs().max())
                if diff > tolerance:
                    msg = (f"method `{name}` gives different output at buffer size {bufsize} than "
                           f"at {sizes[0]} (max difference {diff:.3g}): its streaming state is "
                           "not exact")
                    (report.errors if strict else report.warnings).append(msg)
        else:
            _check_batch(path, name, m, sizes[-1], sample_rate, report, strict)
    # nn~ calls setters on an object that has been playing: state tensors made during perform
    # are inference tensors by then.
    for name, m in host.methods.items():
        try:
            host.perform(name, _test_signal(1, m.in_channels, sizes[0], sample_rate))
        except HostError:
            pass  # already reported above
    _check_attributes(host, card, report, strict)
    return report


def _raised_buffer(requested: int, host: NNHost) -> str:
    """What nn~ says (or does quietly) when it uses another buffer size than the one asked."""
    used = host.bufsize_for(requested)
    if requested < host.highest_ratio:
        return (f"buffer size {requested} is below the model's highest ratio {host.highest_ratio}: "
                f"nn~ switches to {used} (\"nn~: buffer size too small, switching to {used}\")")
    return f"buffer size {requested} is not a power of two: nn~ rounds it up to {used}"


def _check_batch(path: Path, name: str, m: Method, bufsize: int, sample_rate: int,
                 report: CheckReport, strict: bool) -> None:
    """mc.nn~ sends a batch > 1: each batch item must stream as if alone."""
    fresh, single = NNHost(path), NNHost(path)
    signal = _test_signal(2, m.in_channels, 2 * bufsize, sample_rate, seed=1)
    try:
        both = fresh.stream(name, signal, bufsize)
        second = single.stream(name, signal[1:], bufsize)
    except HostError as exc:
        msg = f"batch of 2 (mc.nn~) fails: {exc}"
        (report.errors if strict else report.warnings).append(msg)
        return
    diff = float((both[1:] - second).abs().max())
    if diff > 1e-4:
        msg = (f"method `{name}` mixes batch items (mc.nn~): item 2 of a batch differs from the "
               f"same input alone by {diff:.3g}")
        (report.errors if strict else report.warnings).append(msg)


def _check_attributes(host: NNHost, card: Optional[Dict[str, Any]], report: CheckReport,
                      strict: bool) -> None:
    specs = {a["name"]: a for a in card.get("attributes", [])} if card else {}
    for name, type_ids in host.attributes.items():
        if any(t not in (0, 1, 2, 3) for t in type_ids):
            report.warnings.append(f"attribute `{name}` uses tensor/buffer types {type_ids}; "
                                   "nn~ 1.6.0 cannot set those on a first load")
            continue
        try:
            value = host.get_attribute(name)
            report.attributes[name] = value
            # Setters run outside inference mode after performs ran inside it (nn~'s order).
            code = host.set_attribute(name, *value)
            if code != 0:
                report.errors.append(f"`set_{name}` rejects its own current value {value} "
                                     f"(returned {code})")
            spec = specs.get(name)
            if strict and spec is not None:
                _check_rejects(host, name, spec, report)
        except HostError as exc:
            report.errors.append(str(exc))


def _check_rejects(host: NNHost, name: str, spec: Dict[str, Any], report: CheckReport) -> None:
    """A setter must answer -1 to values outside the card's range, and keep the old value."""
    before = host.get_attribute(name)
    bad: List[Any] = []
    if spec["type"] in ("int", "float"):
        cast = int if spec["type"] == "int" else float
        if "minimum" in spec:
            bad.append(cast(spec["minimum"]) - 1)
        if "maximum" in spec:
            bad.append(cast(spec["maximum"]) + 1)
    elif spec["type"] == "str" and spec.get("choices"):
        bad.append("\u00a7not-a-choice")
    for value in bad:
        code = host.set_attribute(name, value)
        if code != -1:
            report.errors.append(f"`set_{name}({value!r})` is outside the declared range but "
                                 f"returned {code}, not -1")
        if host.get_attribute(name) != before:
            report.errors.append(f"`set_{name}({value!r})` was rejected but changed the value")
