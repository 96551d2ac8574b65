"""Sequencer sub-commands: ``demiurge describe`` (audio folder -> descriptor DB),
``demiurge render`` (forecast descriptors -> nearest DB frames -> wav) and ``demiurge map``
(a DB's frames in 2-D, as a PNG)."""

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
    "amin": "floor of the mel power (librosa's amin; the only floor: no top_db)",
    "delta_width": "frames in the delta window (odd, >= 3)",
    "delta_orders": "delta orders appended to the MFCC (0, 1 or 2)",
}


def add_mfcc_options(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per :class:`MFCCConfig` field, defaults from the config."""
    group = parser.add_argument_group("descriptor settings (stored with the DB)")
    for field in dataclasses.fields(MFCCConfig):
        default = field.default
        kind = _optional_float if field.name == "fmax" else type(default)
        group.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name, type=kind,
                           default=default, help=f"{MFCC_HELP[field.name]} (default {default})")


def mfcc_config(args: argparse.Namespace) -> MFCCConfig:
    return MFCCConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(MFCCConfig)})


def add_query_options(parser: argparse.ArgumentParser) -> None:
    """``--k``, ``--avoid-repeats``, ``--continuity``, ``--weights`` (names and defaults of
    :class:`~demiurge.sequencer.query.QuerySettings`, shared with demiurge-live) and
    ``--ignore``."""
    from demiurge.sequencer.query import QUERY_HELP, QuerySettings

    group = parser.add_argument_group("frame choice (the same settings as demiurge-live's)")
    metavars = {"avoid_repeats": "N", "weights": "NAME=W,..."}
    for field in dataclasses.fields(QuerySettings):
        default = field.default
        group.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name,
                           type=type(default), default=default, metavar=metavars.get(field.name),
                           help=f"{QUERY_HELP[field.name]} (default {default!r})")
    group.add_argument("--ignore", default="", metavar="NAME,...",
                       help="descriptors to leave out of the match, e.g. mfcc0 (the loudness) "
                            "to match the corpus at any level: weight 0")


def run_describe(args: argparse.Namespace) -> int:
    from demiurge.sequencer.describe import describe_folder

    describe_folder(args.audio_dir, args.output, config=mfcc_config(args), write_json=args.json)
    return 0


def run_render(args: argparse.Namespace) -> int:
    from demiurge.sequencer.render import render

    from demiurge.sequencer.query import QuerySettings

    settings = QuerySettings(k=args.k, avoid_repeats=args.avoid_repeats,
                             continuity=args.continuity, weights=args.weights)
    render(args.predictions, args.db, args.output, settings=settings, ignore=args.ignore,
           metric=args.metric, standardize=not args.raw, crossfade=args.crossfade,
           use_faiss=args.faiss)
    return 0


def run_map(args: argparse.Namespace) -> int:
    from demiurge.sequencer.corpus_map import draw_map

    draw_map(args.db, args.output, render=args.render)
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

    p = subparsers.add_parser(
        "render", help="play forecast descriptors with the nearest frames of a DB",
        description="Match every predicted frame to its nearest DB frame and play one hop of "
                    "that frame's audio per predicted frame (N frames -> N x hop samples).")
    p.add_argument("--predictions", metavar="OUT", required=True,
                   help="predictions folder written by `demiurge predict` (a descriptor DB)")
    p.add_argument("--db", metavar="DB_DIR", required=True,
                   help="descriptor DB whose audio is played (from `demiurge describe`)")
    p.add_argument("-o", "--output", metavar="WAV", required=True,
                   help="wav to write; the matched frames go to the .json beside it")
    p.add_argument("--metric", choices=("euclidean", "cosine"), default="euclidean",
                   help="distance between descriptors (default euclidean)")
    p.add_argument("--raw", action="store_true",
                   help="compare raw descriptors (as the original) instead of z-scored ones")
    add_query_options(p)
    p.add_argument("--crossfade", type=int, default=-1, metavar="SAMPLES",
                   help="crossfade between hops in samples, even, at most one hop "
                        "(default -1 = one hop)")
    p.add_argument("--faiss", action="store_true",
                   help="screen candidates with a faiss HNSW index (approximate, for very "
                        "large DBs; needs the faiss extra)")
    p.set_defaults(func=run_render)

    p = subparsers.add_parser(
        "map", help="draw a descriptor DB's frames in 2-D as a PNG",
        description="Project every frame of DB_DIR (z-scored descriptors) on its first two "
                    "principal components and draw it coloured by file, with a legend; "
                    "optionally with the path of the frames a render played over it.")
    p.add_argument("db", metavar="DB_DIR", help="descriptor DB folder (from `demiurge describe`)")
    p.add_argument("-o", "--output", metavar="PNG", required=True, help="PNG file to write")
    p.add_argument("--render", metavar="WAV_OR_JSON", default=None,
                   help="a wav from `demiurge render` on this DB (or the .json beside it): "
                        "draw the path of its matched frames")
    p.set_defaults(func=run_map)
