"""Turn an :class:`~demiurge.plugin.base.NNModule` into a ``.ts`` file nn~ can play.

:func:`save_export` scripts the module, saves it with its model card embedded
(``demiurge_card.json`` in the TorchScript zip, readable with
``torch.jit.load(path, _extra_files={"demiurge_card.json": ""})``), reloads the file and
replays nn~'s call sequence on it (:func:`demiurge.plugin.host.check_file`, strict) before
moving it into place, and writes the card beside it as ``<name>.json``. A file that fails its
self-check never reaches the output folder.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any, Dict, Sequence

import torch

from demiurge.errors import DemiurgeError
from demiurge.fileio import atomic_path, write_json
from demiurge.plugin.base import NNModule
from demiurge.plugin.host import CARD_NAME, check_file

# Buffer sizes the self-check replays: nn~'s minimum (the highest ratio) and Max/Pd defaults.
SELF_CHECK_BUFSIZES = (0, 2048, 4096)
NN_TILDE_TARGET = "nn~ v1.6.0 (libtorch 2.5.1)"


def model_card(module: NNModule, *, name: str, kind: str, sample_rate: int,
               source: Dict[str, Any]) -> Dict[str, Any]:
    """The card of an export: what it is, where it comes from, and how nn~ should use it.

    ``source`` describes the run(s): ids, folders, configs, training steps.
    """
    from demiurge import __version__

    return {
        "name": name,
        "kind": kind,
        "sample_rate": int(sample_rate),
        "highest_ratio": module.highest_ratio(),
        "methods": module.card_methods(),
        "attributes": module.card_attributes(),
        "source": source,
        "torch_version": torch.__version__,
        "demiurge_version": __version__,
        "target": NN_TILDE_TARGET,
        "exported": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def save_export(module: NNModule, *, path: str | os.PathLike, card: Dict[str, Any],
                bufsizes: Sequence[int] = SELF_CHECK_BUFSIZES) -> Path:
    """Script ``module``, save it to ``path`` (``.ts``) with ``card`` embedded, self-check it
    as nn~ would use it, then write ``path`` and the card beside it (``.json``), atomically.

    Raises :class:`DemiurgeError` naming every problem the self-check found.
    """
    path = Path(path)
    if path.suffix != ".ts":
        raise DemiurgeError(f"{path}: nn~ looks for files ending in .ts; name the export <name>.ts")
    module.check_declarations()
    module.eval()
    try:
        scripted = torch.jit.script(module)
    except Exception as exc:
        raise DemiurgeError(f"{card.get('name', path.stem)}: the model cannot be scripted for nn~ "
                            f"({' '.join(str(exc).split())[:400]})") from None
    card_text = json.dumps(card, indent=2, default=str)
    with atomic_path(path) as tmp:
        torch.jit.save(scripted, str(tmp), _extra_files={CARD_NAME: card_text})
        report = check_file(tmp, bufsizes=bufsizes, seconds=0.5, strict=True)
        if report.errors:
            raise DemiurgeError(f"{path.name} failed its nn~ self-check, not written: "
                                + "; ".join(report.errors))
    write_json(path.with_suffix(".json"), json.loads(card_text))
    return path
