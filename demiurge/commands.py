"""``demiurge demo``: the sub-command of the whole chain (:func:`demiurge.demo.run_demo`)."""

from __future__ import annotations

import argparse

from demiurge.demo import DEFAULT_PREDICTOR_STEPS
from demiurge.errors import DemiurgeError


# The sub-commands this module registers, with their one-line help (``demiurge --help``
# lists them without building their options).
HELP = {
    "demo": "run the whole chain on the embedded demo corpus (or your audio)",
}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help=HELP["demo"],
        description="Synthesise the demo corpus (or use --corpus), train a small vocoder and "
                    "UNAGAN, generate audio, describe, train a predictor, forecast, render and "
                    "export to nn~, printing where every artifact went.")
    p.add_argument("-o", "--output", default="demo-output", help="output folder (default: demo-output)")
    p.add_argument("--corpus", help="folder of your own audio instead of the embedded corpus")
    p.add_argument("--model", default="lstm",
                   choices=["lstm", "lstm-encdec", "transformer-encoder", "transformer"],
                   help="predictor to train (default: lstm)")
    p.add_argument("--predictor-steps", type=int, default=DEFAULT_PREDICTOR_STEPS,
                   help=f"predictor training steps (default: {DEFAULT_PREDICTOR_STEPS})")
    p.add_argument("--synthesis-steps", type=int,
                   help="training steps of the vocoder and of UNAGAN (default: 100 fine-tuning the base vocoder, 300 for UNAGAN)")
    p.add_argument("--length", type=int, default=215, help="frames to forecast per input (≈ 23 ms each; default 215 ≈ 5 s)")
    p.add_argument("--export-dir", help="folder for the nn~ files (default: OUT/export; the "
                                        "patches in patches/ load ../export/)")
    p.add_argument("--no-synthesis", dest="synthesis", action="store_false",
                   help="skip the GAN stages (render from the recorded audio only)")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    if min(args.predictor_steps, args.length, args.synthesis_steps or 1) < 1:
        raise DemiurgeError("--predictor-steps, --synthesis-steps and --length must be at least 1")
    from demiurge.demo import run_demo

    run_demo(out=args.output, corpus=args.corpus, model=args.model,
             predictor_steps=args.predictor_steps, length=args.length, synthesis=args.synthesis,
             synthesis_steps=args.synthesis_steps,
             export_dir=args.export_dir)
    return 0
