"""Start-up time of the command line: how long ``demiurge --help`` and argument errors take,
beside the time Python needs to import torch (what every command paid before they stopped
importing it up front). Best of ``--rounds`` runs of each, each in a fresh interpreter.

    python tools/bench_startup.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

CASES = [
    ("demiurge --help", ["-m", "demiurge.cli", "--help"]),
    ("demiurge rendr (a mistyped command)", ["-m", "demiurge.cli", "rendr"]),
    ("demiurge render (missing options)", ["-m", "demiurge.cli", "render"]),
    ("demiurge describe --help", ["-m", "demiurge.cli", "describe", "--help"]),
    ("demiurge export (missing runs)", ["-m", "demiurge.cli", "export"]),
    ("demiurge train vocoder (missing -o)", ["-m", "demiurge.cli", "train", "vocoder"]),
    ("demiurge train predictor --help", ["-m", "demiurge.cli", "train", "predictor", "--help"]),
    ("demiurge train unagan --max-steps x (a bad value)",
     ["-m", "demiurge.cli", "train", "unagan", "-o", "run", "--max-steps", "x"]),
    ("demiurge generate (missing runs)", ["-m", "demiurge.cli", "generate"]),
    ("demiurge-live --help", ["-m", "demiurge.live.cli", "--help"]),
]
PEER = ("python -c 'import torch' (the floor of any command that loads a model)", ["-c", "import torch"])


def best(args, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of each command (default 5)")
    args = parser.parse_args(argv)
    peer = best(PEER[1], args.rounds)
    print(f"{'command':62}{'seconds':>9}{'vs import torch':>17}")
    for name, case in CASES:
        t = best(case, args.rounds)
        print(f"{name:62}{t:9.2f}{t / peer:16.2f}x")
    print(f"{PEER[0]:62}{peer:9.2f}{1.0:16.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
