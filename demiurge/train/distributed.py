"""Data-parallel training under ``torchrun --nproc-per-node N`` (gloo on CPU, nccl on GPU).

Without torchrun's environment everything here is a no-op, so a trainer runs unchanged in
one process. Only rank 0 writes the run directory, logs and progress bars.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup(device: torch.device) -> Dist:
    """Join the process group torchrun set up (if any); returns this process's place in it."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    import torch.distributed as td

    if not td.is_initialized():
        # One process group per process, left at exit: several trainings in one process (the
        # demo) reuse it, since joining a fresh group again is not reliable.
        td.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        atexit.register(_destroy)
    return Dist(rank=td.get_rank(), world_size=td.get_world_size(),
                local_rank=int(os.environ.get("LOCAL_RANK", "0")))


def wrap(module: nn.Module, dist: Dist, device: torch.device) -> nn.Module:
    """``module`` in DistributedDataParallel when running distributed (rank 0's weights are
    broadcast to every rank here), else unchanged."""
    if not dist.enabled:
        return module
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=ids)


def unwrap(module: nn.Module) -> nn.Module:
    return getattr(module, "module", module)


def mean(value: torch.Tensor, dist: Dist) -> torch.Tensor:
    """The mean of a tensor over all ranks (for values that steer training, like BEGAN's k)."""
    if not dist.enabled:
        return value
    import torch.distributed as td

    value = value.detach().clone()
    td.all_reduce(value)
    return value / dist.world_size


def barrier(dist: Dist) -> None:
    if dist.enabled:
        import torch.distributed as td

        td.barrier()


def _destroy() -> None:
    import torch.distributed as td

    if td.is_initialized():
        td.destroy_process_group()


def any_rank(flag: bool, dist: Dist, device: torch.device) -> bool:
    """True on every rank when ``flag`` is true on any (one decision for all, e.g. a time
    budget measured by each rank's own clock)."""
    if not dist.enabled:
        return flag
    import torch.distributed as td

    value = torch.tensor([1.0 if flag else 0.0], device=device)
    td.all_reduce(value, op=td.ReduceOp.MAX)
    return bool(value.item() > 0)
