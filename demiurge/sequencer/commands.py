"""Sequencer sub-commands: ``demiurge describe`` (audio folder -> descriptor DB),
``demiurge render`` (forecast descriptors -> nearest DB frames -> wav), ``demiurge predict``
(a predictor run -> forecast descriptors) and ``demiurge map`` (a DB's frames in 2-D, as a
PNG)."""

from __future__ import annotations

import argparse
import dataclasses

from demiurge.config_flags import add_flags, apply, given
from demiurge.dsp.config import MFCC_PRESETS, MFCCConfig, mfcc_preset, preset_text


# The sub-commands this module registers, with their one-line help (``demiurge --help``
# lists them without building their options).
HELP = {
    "describe": "analyse a folder of audio into a descriptor DB",
    "render": "play forecast descriptors with the nearest frames of a DB",
    "predict": "forecast descriptor frames after the end of each input",
    "map": "draw a descriptor DB's frames in 2-D as a PNG",
}


def mfcc_config(args: argparse.Namespace) -> MFCCConfig:
    """The ``--preset`` (see :data:`~demiurge.dsp.config.MFCC_PRESETS`) with the settings typed
    as flags applied over it."""
    return apply(mfcc_preset(args.preset), given(args, MFCCConfig))


def add_query_options(parser: argparse.ArgumentParser) -> None:
    """``--k``, ``--avoid-repeats``, ``--continuity``, ``--weights`` (names and defaults of
    :class:`~demiurge.sequencer.query.QuerySettings`, shared with demiurge-live) and
    ``--ignore``."""
    from demiurge.sequencer.query_settings import QUERY_HELP, QuerySettings

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
    from demiurge.errors import DemiurgeError

    if (args.audio_dir is None) == (args.from_json is None):
        raise DemiurgeError("give either AUDIO_DIR or --from-json JSON_DIR (a folder of JSON "
                            "files in the original layout), not both or neither")
    if args.from_json is not None:
        from demiurge.sequencer.json_layout import import_json_folder

        config = mfcc_config(args)
        import_json_folder(args.from_json, args.output,
                           config=None if config == MFCCConfig() else config)
        return 0
    from demiurge.sequencer.describe import describe_folder

    describe_folder(args.audio_dir, args.output, config=mfcc_config(args), write_json=args.json)
    return 0


def run_render(args: argparse.Namespace) -> int:
    from demiurge.sequencer.render import render

    from demiurge.sequencer.query_settings import QuerySettings

    settings = QuerySettings(k=args.k, avoid_repeats=args.avoid_repeats,
                             continuity=args.continuity, weights=args.weights)
    render(args.predictions, args.db, args.output, settings=settings, ignore=args.ignore,
           metric=args.metric, standardize=not args.raw, crossfade=args.crossfade,
           use_faiss=args.faiss, audio_root=args.audio_root)
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from demiurge.sequencer.predict import predict

    predict(run=args.run, source=args.input, length=args.length, out=args.output,
            temperature=args.temperature, seed=args.seed, context_end=args.context_end)
    return 0


def run_map(args: argparse.Namespace) -> int:
    from demiurge.sequencer.corpus_map import draw_map

    draw_map(args.db, args.output, render=args.render)
    return 0


def register(subparsers) -> None:
    from demiurge.sequencer.context import SILENCE_DB

    p = subparsers.add_parser(
        "describe", help=HELP["describe"],
        description="Describe every audio file below AUDIO_DIR (wav, flac, aiff, ogg, mp3; any "
                    "rate and channel count) as MFCC + deltas, one frame per hop, into DB_DIR. "
                    "Unusable files are skipped with one line each. With --from-json, build "
                    "DB_DIR from descriptors in the original Demiurge JSON layout instead.")
    p.add_argument("audio_dir", metavar="AUDIO_DIR", nargs="?",
                   help="folder of audio files (recursive)")
    p.add_argument("--from-json", metavar="JSON_DIR",
                   help="read the descriptors from the .json files in JSON_DIR (original layout: "
                        "_id, _sample, mfcc0...; per-file or combined) instead of describing "
                        "audio; n_mfcc and the hop are read from the files unless given below")
    p.add_argument("-o", "--output", metavar="DB_DIR", required=True, help="DB folder to write")
    p.add_argument("--json", action="store_true",
                   help="also write one <stem>.json per audio file in the original Demiurge layout")
    p.add_argument("--preset", default="default", metavar="NAME",
                   help="named descriptor settings, which the flags below change: "
                        + "; ".join(f"{name} = {preset_text(c)}" for name, c in MFCC_PRESETS.items())
                        + ". live is for demiurge-live, whose engine then answers 11.6 ms after "
                          "a sound (docs/live.md); it gives 4x more frames (default: default)")
    add_flags(p, MFCCConfig, title="descriptor settings (stored with the DB)")
    p.set_defaults(func=run_describe)

    p = subparsers.add_parser(
        "render", help=HELP["render"],
        description="Match every predicted frame to its nearest DB frame and play one hop of "
                    "that frame's audio per predicted frame (N frames -> N x hop samples).")
    p.add_argument("--predictions", metavar="OUT", required=True,
                   help="predictions folder written by `demiurge predict` (a descriptor DB)")
    p.add_argument("--db", metavar="DB_DIR", required=True,
                   help="descriptor DB whose audio is played (from `demiurge describe`)")
    p.add_argument("--audio-root", metavar="DIR",
                   help="the folder the DB's audio is in now, if it moved after `describe` "
                        "(default: where the DB says)")
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
        "predict", help=HELP["predict"],
        description="Roll out N future descriptor frames from the end of each input file with a "
                    "trained predictor; write them as a predictions DB folder plus one JSON per "
                    "input in the original layout.")
    p.add_argument("run", metavar="RUN", help="predictor run directory or run id")
    p.add_argument("--input", required=True, metavar="AUDIO_OR_DB",
                   help="an audio file, a folder of audio, or a descriptor DB folder")
    p.add_argument("--length", type=int, required=True, metavar="N", help="frames to forecast")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="predictions folder to write")
    p.add_argument("--temperature", type=float, default=0.0,
                   help="noise (std in z units) added to each forecast frame (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed for the noise (default 0)")
    p.add_argument("--context-end", type=float, default=None, metavar="SECONDS",
                   help="end the context at this time of each input (default: at its last "
                        f"sounding frame, silence being {SILENCE_DB:g} dB below its loudest)")
    p.set_defaults(func=run_predict)

    p = subparsers.add_parser(
        "map", help=HELP["map"],
        description="Project every frame of DB_DIR (z-scored descriptors) on its first two "
                    "principal components and draw it coloured by file, with a legend; "
                    "optionally with the path of the frames a render played over it.")
    p.add_argument("db", metavar="DB_DIR", help="descriptor DB folder (from `demiurge describe`)")
    p.add_argument("-o", "--output", metavar="PNG", required=True, help="PNG file to write")
    p.add_argument("--render", metavar="WAV_OR_JSON", default=None,
                   help="a wav from `demiurge render` on this DB (or the .json beside it): "
                        "draw the path of its matched frames")
    p.set_defaults(func=run_map)
