"""Sequencer sub-commands: ``demiurge describe`` (audio folder -> descriptor DB) and
``demiurge render`` (forecast descriptors -> nearest DB frames -> wav)."""

from __future__ import annotations

import argparse
import dataclasses

from demiurge.dsp.config import MFCCConfig


def _optional_float(text: str):
    return None if text.lower() in ("none", "off") else float(text)


MFCC_HELP = {
    "sample_rate": "analysis rate in Hz; files at other rates are resampled",
    "n_fft": "FFT size in samples (n_fft/2 must be a multiple of the hop)",
    "hop_length": "samples between frames: one descriptor per hop",
    "n_mels": "mel bands",
    "n_mfcc": "MFCC coefficients (features = n_mfcc x (1 + delta orders))",
    "fmin": "lowest mel frequency in Hz",
    "fmax": "highest mel frequency in Hz ('none' = sample_rate / 2)",
    "top_db": "floor of the log-mel power below a full-scale sine, in dB ('none' = no floor)",
    "delta_width": "frames in the delta window (odd, >= 3)",
    "delta_orders": "delta orders appended to the MFCC (0, 1 or 2)",
}


def add_mfcc_options(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per :class:`MFCCConfig` field, defaults from the config."""
    group = parser.add_argument_group("descriptor settings (stored with the DB)")
    for field in dataclasses.fields(MFCCConfig):
        default = field.default
        kind = _optional_float if field.name in ("fmax", "top_db") else type(default)
        group.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name, type=kind,
                           default=default, help=f"{MFCC_HELP[field.name]} (default {default})")


def mfcc_config(args: argparse.Namespace) -> MFCCConfig:
    return MFCCConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(MFCCConfig)})


def run_describe(args: argparse.Namespace) -> int:
    from demiurge.sequencer.describe import describe_folder

    describe_folder(args.audio_dir, args.output, config=mfcc_config(args), write_json=args.json)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "describe", help="analyse a folder of audio into a descriptor DB",
        description="Describe every audio file below AUDIO_DIR (wav, flac, aiff, ogg, mp3; any "
                    "rate and channel count) as MFCC + deltas, one frame per hop, into DB_DIR. "
                    "Unusable files are skipped with one line each.")
    p.add_argument("audio_dir", metavar="AUDIO_DIR", help="folder of audio files (recursive)")
    p.add_argument("-o", "--output", metavar="DB_DIR", required=True, help="DB folder to write")
    p.add_argument("--json", action="store_true",
                   help="also write one <stem>.json per audio file in the original Demiurge layout")
    add_mfcc_options(p)
    p.set_defaults(func=run_describe)
