"""``python -m demiurge.patches [REPO_ROOT]``: write every generated patch and ``docs/osc.md``."""

from __future__ import annotations

import sys
from pathlib import Path

from demiurge.fileio import atomic_path
from demiurge.patches import outputs


def main(argv=sys.argv[1:]) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    for path, text in outputs(root).items():
        with atomic_path(path) as tmp:
            tmp.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
