"""``demiurge generate``: the RAW GENERATED AUDIO DB from a UNAGAN run and a vocoder run."""

from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "generate", help="generate audio files with UNAGAN + a vocoder",
        description="Generate N new sounds: UNAGAN noise -> mel -> vocoder -> wav. The folder "
                    "(with generated.json: runs and per-file seeds) is the RAW GENERATED AUDIO DB, "
                    "ready for `demiurge describe`.")
    parser.add_argument("--unagan", required=True, help="UNAGAN run directory or run id")
    parser.add_argument("--vocoder", required=True, help="vocoder run directory or run id")
    parser.add_argument("-n", type=int, default=10, help="number of files (default 10)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per file (default 10)")
    parser.add_argument("--seed", type=int, help="seed of the first file (file i uses seed+i); random if unset")
    parser.add_argument("--no-normalize", action="store_true",
                        help="keep the vocoder's level (clipped at +-1) instead of normalising each "
                             "file's peak to 0.95; DC is removed either way (20 Hz high-pass)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("-o", "--out", required=True, help="output folder (new or empty)")
    parser.set_defaults(func=_cli)


def _cli(args) -> int:
    from demiurge.synthesis.generate import generate

    generate(unagan=args.unagan, vocoder=args.vocoder, n=args.n, duration=args.duration, out_dir=args.out,
             seed=args.seed, normalize=not args.no_normalize, device=args.device)
    return 0
