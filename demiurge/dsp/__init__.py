"""Signal features, each defined once: the log-mel spectrogram (vocoder, UNAGAN) and the
MFCC descriptors (sequencer). Both are TorchScript-able modules made of plain torch ops, so
training, generation, export, the live host and nn~ all call the very same code.

The configs import without torch (the command line reads their fields to make its flags);
``LogMel`` and ``Descriptors`` load torch when first asked for."""

from demiurge.dsp.config import MelConfig, MFCCConfig

__all__ = ["MelConfig", "MFCCConfig", "LogMel", "Descriptors"]


def __getattr__(name: str):
    if name == "LogMel":
        from demiurge.dsp.mel import LogMel

        return LogMel
    if name == "Descriptors":
        from demiurge.dsp.mfcc import Descriptors

        return Descriptors
    raise AttributeError(f"module 'demiurge.dsp' has no attribute {name!r}")
