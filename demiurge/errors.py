"""The one exception type users see.

Every message is a full sentence that names what was wrong (a file, an OSC message, a run)
and what to do about it. Command-line entry points catch ``DemiurgeError`` and print its
message as one line instead of a traceback.
"""


class DemiurgeError(Exception):
    """A problem the user can fix: bad input, a missing file, incompatible runs."""


class AudioFileError(DemiurgeError):
    """An audio file that cannot be used (unreadable, empty, silent, too short).

    ``path`` is the file and ``reason`` the short explanation, so batch jobs can report
    skipped files one line each.
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
