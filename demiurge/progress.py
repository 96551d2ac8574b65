"""Progress of long jobs: a live bar on a terminal, plain lines in a log.

When stderr is a terminal, a ``tqdm`` bar redraws in place. When it is a file or a pipe (CI
logs, ``cmd 2> log``), a redrawn bar would pile up as one very long line of carriage returns,
so :class:`LogProgress` writes one ordinary line each time another 10 % is done, or every
:data:`LOG_INTERVAL` seconds when that comes first (or when the total is unknown), and a last
line when the job ends::

    describe: 5/10 files (50%), 3.1 s, frames=890
"""

from __future__ import annotations

import sys
import time
from typing import Any, Dict, Iterable, Iterator, Optional

LOG_INTERVAL = 30.0  # seconds between two lines when fewer than 10 % were done in between
LOG_FRACTION = 0.1   # a line every time this fraction of the total is done


def progress_bar(iterable: Any = None, **options: Any):
    """A progress reporter on stderr with ``tqdm``'s interface (``update``, ``set_postfix``,
    ``close``; iterable and context manager): a ``tqdm`` bar on a terminal, else a
    :class:`LogProgress`. ``log_interval`` (seconds) only applies to the latter."""
    log_interval = options.pop("log_interval", LOG_INTERVAL)
    stream = options.get("file", sys.stderr)
    if stream.isatty():
        from tqdm import tqdm

        options.setdefault("file", stream)
        options.setdefault("dynamic_ncols", True)
        return tqdm(iterable, **options)
    return LogProgress(iterable, stream=stream, interval=log_interval,
                       **{k: options[k] for k in ("total", "initial", "desc", "unit", "disable")
                          if k in options})


class LogProgress:
    """Plain progress lines (see the module docstring); ``total=None`` when unknown."""

    def __init__(self, iterable: Optional[Iterable] = None, *, total: Optional[int] = None,
                 initial: int = 0, desc: str = "", unit: str = "it", disable: bool = False,
                 stream: Any = None, interval: float = LOG_INTERVAL):
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.iterable, self.total, self.n = iterable, total, initial
        self.desc, self.unit, self.disable = desc, unit, disable
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.postfix: Dict[str, Any] = {}
        self.start = self.last_time = time.monotonic()
        self.last_n = initial
        self.closed = False

    def __iter__(self) -> Iterator:
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __enter__(self) -> "LogProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        step = self.total * LOG_FRACTION if self.total else None
        due = now - self.last_time >= self.interval or (
            step is not None and int(self.n / step) > int(self.last_n / step))
        if due and not (self.total and self.n >= self.total):  # the last line comes at close
            self._write(now)

    def set_postfix(self, ordered_dict: Optional[Dict[str, Any]] = None, refresh: bool = True,
                    **values: Any) -> None:
        self.postfix = dict(ordered_dict or {}, **values)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.n != self.last_n or self.n == 0:
                self._write(time.monotonic())

    def _write(self, now: float) -> None:
        self.last_time, self.last_n = now, self.n
        if self.disable:
            return
        units = self.unit if self.n == 1 else f"{self.unit}s"
        done = f"{self.n}/{self.total} {units} ({100 * self.n / self.total:.0f}%)" if self.total \
            else f"{self.n} {units}"
        extra = "".join(f", {k}={v}" for k, v in self.postfix.items())
        self.stream.write(f"{self.desc}: {done}, {now - self.start:.1f} s{extra}\n")
        self.stream.flush()
