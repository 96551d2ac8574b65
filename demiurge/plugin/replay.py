"""A standalone script for ANOTHER torch installation (torch + numpy only; it imports nothing
from demiurge): load each ``.ts`` as nn~ does, call every method on the given inputs under
``torch.inference_mode()``, call every setter with its current value outside it, and save the
outputs as ``.npy`` files. :func:`demiurge.plugin.other_torch.compare_in_other_torch` writes
the job and compares the results with the current torch.

Usage: OTHER_PYTHON replay.py JOB.json
"""

import json
import sys

import numpy as np
import torch


def main(job_path: str) -> None:
    job = json.load(open(job_path))
    result = {"torch": torch.__version__, "files": {}}
    for entry in job["files"]:
        model = torch.jit.load(entry["path"], map_location="cpu")
        model.eval()
        info = {"methods": list(model.get_methods()), "attributes": list(model.get_attributes()),
                "setters": {}, "getters": {}}
        for call in entry["calls"]:
            method = getattr(model, call["method"])
            for block_in, block_out in zip(call["inputs"], call["outputs"]):
                with torch.inference_mode():
                    y = method(torch.from_numpy(np.load(block_in)))
                assert y.dtype == torch.float32, f"{call['method']} returned {y.dtype}"
                np.save(block_out, y.numpy())
        for name in info["attributes"]:
            value = list(getattr(model, "get_" + name)())
            info["getters"][name] = value
            info["setters"][name] = getattr(model, "set_" + name)(*value)
        result["files"][entry["path"]] = info
    json.dump(result, open(job["result"], "w"))


if __name__ == "__main__":
    main(sys.argv[1])
