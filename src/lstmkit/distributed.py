"""torchrun: the process group, ranks, and loss averaging across ranks. Every function is a no-op (rank 0 of
1) when the process was not started by ``torchrun`` (no WORLD_SIZE > 1 in the environment).

The group's backend follows the training device: NCCL when each local rank has a GPU of its own, gloo on
the CPU (also on a machine that has a GPU but trains with --device cpu) and for ranks that share a GPU.
"""

from __future__ import annotations

import os

import torch
from torch import Tensor

__all__ = ["distributed", "is_main_process", "finish_distributed", "reduced_mean"]


def distributed(device: torch.device | None = None) -> tuple[int, int]:
    """(rank, world size), joining the torchrun process group on first use; (0, 1) without torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        local = int(os.environ.get("LOCAL_WORLD_SIZE", world))
        cuda = device is not None and device.type == "cuda"
        # NCCL needs a GPU of its own per rank; ranks sharing GPUs (or on the CPU) talk through gloo.
        backend = "nccl" if cuda and dist.is_nccl_available() and local <= torch.cuda.device_count() else "gloo"
        if cuda:
            torch.cuda.set_device(device)
        if backend == "gloo" and not cuda:  # share the cores instead of oversubscribing them
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))
        dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size()


def is_main_process() -> bool:
    """True on rank 0 (and without torchrun): the one process that writes files and prints."""
    return int(os.environ.get("RANK", "0")) == 0 if int(os.environ.get("WORLD_SIZE", "1")) > 1 else True


def finish_distributed() -> None:
    """Wait for every rank, then leave the process group (a no-op without torchrun)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def reduced_mean(total: Tensor | None, count: int, world: int, device: torch.device | None = None) -> float:
    """Mean over all ranks of a per-sample-weighted loss sum (a rank with no samples adds zero; NCCL needs
    the zero on the GPU)."""
    if world == 1:
        return float(total) / count
    import torch.distributed as dist

    device = total.device if total is not None else (device or torch.device("cpu"))
    pair = torch.stack([total if total is not None else torch.zeros((), device=device),
                        torch.tensor(float(count), device=device)]).double()
    dist.all_reduce(pair)
    return float(pair[0] / pair[1])
