"""Generation of the RAW GENERATED AUDIO DB: UNAGAN noise -> mel -> vocoder -> wav files."""

from demiurge.synthesis.generate import generate

__all__ = ["generate"]
