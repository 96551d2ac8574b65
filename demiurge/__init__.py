"""Demiurge: neural audio synthesis, neural sequencing and real-time query-playback."""

from demiurge.errors import DemiurgeError

__all__ = ["DemiurgeError"]
__version__ = "0.1.0"
