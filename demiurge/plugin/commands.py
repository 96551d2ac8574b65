"""``demiurge export`` (trained runs -> nn~ ``.ts`` + model card) and ``demiurge check``
(replay nn~'s load and call sequence on a ``.ts``)."""

from __future__ import annotations

import argparse
from pathlib import Path


# The sub-commands this module registers, with their one-line help (``demiurge --help``
# lists them without building their options).
HELP = {
    "export": "export trained runs as nn~ TorchScript files (.ts) with model cards",
    "check": "check .ts files as nn~ would load and play them",
}


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export", help=HELP["export"],
        description="Export each run (a run folder or a run id) as <name>.ts plus <name>.json, "
                    "self-checked as nn~ would use them. A UNAGAN run is bundled with the "
                    "vocoder given by --vocoder. A descriptor DB folder with --predictor RUN "
                    "becomes the whole sequencer, sequencer.ts: audio in, Demiurge's answer "
                    "out, the DB's descriptors and audio inside.")
    export.add_argument("runs", nargs="+", metavar="RUN",
                        help="run folder or run id, or a descriptor DB folder (with --predictor)")
    export.add_argument("--vocoder", metavar="RUN",
                        help="vocoder run to bundle with UNAGAN runs (same mel settings)")
    export.add_argument("--predictor", metavar="RUN",
                        help="predictor run to bundle with a descriptor DB into sequencer.ts "
                             "(trained on descriptors described like the DB's)")
    export.add_argument("-o", "--output", default="export", type=Path,
                        help="output folder (default: export/)")
    export.add_argument("--name", help="file name (without .ts) when exporting one run; default: "
                                        "the run folder's name (sequencer for a DB). The patches "
                                        "in patches/ load vocoder.ts, unagan.ts, predictor.ts "
                                        "and sequencer.ts")
    export.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                        help="which checkpoint to export (default: best, else latest)")
    export.set_defaults(func=_export)

    check = subparsers.add_parser(
        "check", help=HELP["check"],
        description="Replays nn~'s load and call sequence (methods, _params, attributes, input "
                    "decimation, output sample-and-hold, size and dtype checks, setters) at each "
                    "buffer size; prints methods, channels, ratios, latency and real-time factor; "
                    "exits non-zero if nn~ would fail or play silence.")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE.ts")
    check.add_argument("--bufsize", type=int, nargs="+", default=[0, 2048, 4096], metavar="N",
                       help="nn~ buffer sizes to replay (0 = the model's highest ratio, nn~'s "
                            "minimum; default: 0 2048 4096)")
    check.add_argument("--seconds", type=float, default=2.0,
                       help="seconds of test signal per method and buffer size (default 2)")
    check.add_argument("--threads", type=int, default=1,
                       help="torch CPU threads while measuring (default 1, like one nn~ object)")
    check.add_argument("--strict", action="store_true",
                       help="also require what demiurge exports promise: batch > 1, outputs "
                            "independent of the buffer size, finite output, range-checking setters")
    check.add_argument("--torch", metavar="PYTHON", dest="other_torch",
                       help="also load and play the files with this Python's torch (e.g. one with "
                            "torch==2.5.1, the libtorch of nn~ v1.6.0: `make torch251` builds "
                            ".venv-torch251/bin/python) and compare every method's output")
    check.set_defaults(func=_check)


def _export(args: argparse.Namespace) -> int:
    from demiurge.plugin.from_runs import export_runs

    written = export_runs(args.runs, args.output, vocoder=args.vocoder,
                          predictor=args.predictor, checkpoint=args.checkpoint, name=args.name)
    for path in written:
        print(f"wrote {path} and {path.with_suffix('.json')}")
    return 0


def _check(args: argparse.Namespace) -> int:
    import torch

    from demiurge.errors import DemiurgeError
    from demiurge.plugin.host import check_file

    torch.set_num_threads(max(1, args.threads))
    failed, details = [], []
    for path in args.files:
        report = check_file(path, bufsizes=args.bufsize, seconds=args.seconds, strict=args.strict)
        if report.load_error is not None:  # nothing to report but the one reason
            failed.append(f"{path}: {report.load_error}")
            details.append(report.load_error.detail or "")
            continue
        print("\n".join(report.lines()))
        if report.errors:
            failed.append(f"{path}: {report.errors[0]}" + (
                f" (and {len(report.errors) - 1} more problem(s) above)" if len(report.errors) > 1 else ""))
        else:
            print(f"{path}: OK for nn~")
    if failed:
        raise DemiurgeError(" | ".join(failed), detail="\n".join(d for d in details if d) or None,
                            detail_source="torch's message")
    if args.other_torch:
        from demiurge.plugin.other_torch import compare_in_other_torch

        version = compare_in_other_torch(args.other_torch, args.files)
        print(f"every method of {len(args.files)} file(s) plays identically in torch {version}")
    return 0
