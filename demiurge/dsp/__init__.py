"""Signal features, each defined once: the log-mel spectrogram (vocoder, UNAGAN) and the
MFCC descriptors (sequencer). Both are TorchScript-able modules made of plain torch ops, so
training, generation, export, the live host and nn~ all call the very same code."""

from demiurge.dsp.config import MelConfig, MFCCConfig
from demiurge.dsp.mel import LogMel
from demiurge.dsp.mfcc import Descriptors

__all__ = ["MelConfig", "MFCCConfig", "LogMel", "Descriptors"]
