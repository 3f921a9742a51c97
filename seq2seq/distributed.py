"""Training on more than one process or machine: `torchrun ... -m seq2seq.train ...` starts
one process per rank (the environment says which: RANK, WORLD_SIZE, LOCAL_RANK). Every rank
builds the same batches in the same order (one seed); each trains on its share of every batch
(rows rank, rank + world, ...), and DistributedDataParallel sums the gradients, each rank's
loss being scaled so that the step is the one a single process takes on the whole batch.
Rank 0 alone writes checkpoints, logs and the resume state. gloo on CPU, NCCL on GPU.

    torchrun --nproc_per_node=2 -m seq2seq.train --task reverse --arch lstm-attn --out runs/r --threads 1
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Whether this rank writes (checkpoints, logs, progress)."""
        return self.rank == 0


def setup(device: str = "auto") -> Dist:
    """Join the process group torchrun set up (WORLD_SIZE > 1), or a single process: Dist()."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    import torch
    import torch.distributed as dist

    local = int(os.environ.get("LOCAL_RANK", "0"))
    gpu = device in ("auto", "cuda") and torch.cuda.is_available()
    if gpu:
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if gpu else "gloo")
    return Dist(dist.get_rank(), dist.get_world_size(), local)


def device_of(d: Dist, device: str) -> str:
    """The device this rank trains on: its own GPU under NCCL."""
    import torch

    if d.world > 1 and device in ("auto", "cuda") and torch.cuda.is_available():
        return f"cuda:{d.local_rank}"
    return device


def shard(batch: list, d: Dist) -> tuple[list, float]:
    """This rank's rows of a batch, and the weight of its loss (0 where the batch has fewer rows
    than ranks: the rank then runs its first row, which counts for nothing, so that every rank
    takes part in each step)."""
    mine = batch[d.rank::d.world]
    return (mine, 1.0) if mine else (batch[:1], 0.0)


def all_sum(value: float, d: Dist) -> float:
    """The sum of a number over the ranks."""
    if d.world <= 1:
        return value
    import torch
    import torch.distributed as dist

    t = torch.tensor([value], dtype=torch.float64,
                     device=f"cuda:{d.local_rank}" if dist.get_backend() == "nccl" else "cpu")
    dist.all_reduce(t)
    return float(t.item())


def barrier(d: Dist):
    if d.world > 1:
        import torch.distributed as dist

        dist.barrier()


def teardown(d: Dist):
    if d.world > 1:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
