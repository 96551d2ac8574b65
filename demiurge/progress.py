"""Progress bars for long jobs: live on a terminal, a line every few seconds in a log file."""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(iterable: Any = None, **options: Any):
    """A ``tqdm`` bar on stderr. On a terminal it redraws in place; when stderr is a file or a
    pipe (CI logs, ``cmd 2> log``) it writes a new state at most every 10 seconds."""
    from tqdm import tqdm

    interactive = sys.stderr.isatty()
    options.setdefault("file", sys.stderr)
    options.setdefault("dynamic_ncols", interactive)
    options.setdefault("mininterval", 0.1 if interactive else 10.0)
    return tqdm(iterable, **options)
