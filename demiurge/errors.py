"""The one exception type users see.

Every message is a full sentence that names what was wrong (a file, an OSC message, a run)
and what to do about it. Command-line entry points catch ``DemiurgeError`` and print its
message as one line instead of a traceback (:func:`exit_status`); a library's own explanation
(torch's, say) goes in ``detail``, which they print only under ``--verbose``.
"""

from __future__ import annotations

import sys
from typing import Callable, Optional


class DemiurgeError(Exception):
    """A problem the user can fix: bad input, a missing file, incompatible runs.

    ``detail`` is the underlying library's message, ``detail_source`` whose it is (for the
    hint "--verbose shows torch's message").
    """

    def __init__(self, message: str, *, detail: Optional[str] = None,
                 detail_source: str = "the underlying message"):
        super().__init__(message)
        self.detail = detail
        self.detail_source = detail_source

    def report(self, *, verbose: bool) -> str:
        """The message for a terminal: one line, plus the detail's lines when ``verbose``."""
        if not self.detail:
            return str(self)
        if verbose:
            return f"{self}\n  {self.detail_source}: " + "\n  ".join(self.detail.splitlines())
        return f"{self} (--verbose shows {self.detail_source})"


class AudioFileError(DemiurgeError):
    """An audio file that cannot be used (unreadable, empty, silent, too short).

    ``path`` is the file and ``reason`` the short explanation, so batch jobs can report
    skipped files one line each.
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def exit_status(prog: str, action: Callable[[], Optional[int]], *, verbose: bool = False) -> int:
    """Run a command-line ``action`` and return its exit status: a :class:`DemiurgeError`
    becomes one line ``PROG: error: MESSAGE`` on stderr (its detail too when ``verbose``) and
    status 2, Ctrl-C status 130."""
    try:
        return int(action() or 0)
    except DemiurgeError as exc:
        print(f"{prog}: error: {exc.report(verbose=verbose)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
