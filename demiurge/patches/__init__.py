"""Files generated from the code: the Pd and Max patches in ``patches/`` and ``docs/osc.md``.

* :mod:`~demiurge.patches.writer`: one :class:`~demiurge.patches.writer.Patch`, written as Pd
  or Max;
* :mod:`~demiurge.patches.nn_models`: the nn~ patches of the exported models (from the default
  configs);
* :mod:`~demiurge.patches.live_remote`: the demiurge-live OSC remote (from
  :mod:`demiurge.live.params`).

Regenerate after changing a config default or the live parameters (a test checks that the
committed files are current)::

    python -m demiurge.patches [REPO_ROOT]
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict


def outputs(root: Path) -> Dict[Path, str]:
    """``{path: content}`` of every generated file under the repository ``root``."""
    from demiurge.live.params import render_markdown
    from demiurge.patches import live_remote, nn_models

    files = {root / "docs" / "osc.md": render_markdown(),
             root / "patches" / "demiurge-live.pd": live_remote.render_pd(),
             root / "patches" / "demiurge-live.maxpat": live_remote.render_max()}
    files.update({root / "patches" / name: text for name, text in nn_models.outputs().items()})
    return files
