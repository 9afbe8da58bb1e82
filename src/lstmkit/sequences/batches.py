"""Whole sequences as one contiguous buffer plus offsets, and batches gathered from it.

After preparation every sequence's rows lie back to back in one (R, F) buffer with (S + 1,) offsets. A batch
of sequences is gathered from that buffer with one indexing operation into a zero-padded (N, L, F) tensor
plus their (N,) lengths; the network packs them, so the padding is never seen. No per-sequence Python runs
in the training loop. The splits choose which sequences train and which validate.

Shape symbols:  S sequences   R rows of all sequences   F input channels (after one-hot)
                N sequences in a batch   L longest sequence in the batch
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from ..exceptions import DataError

__all__ = ["SequenceBatches", "pad_batch", "drop_gaps", "stratified_split", "random_split"]


# ---- splits --------------------------------------------------------------------------------------------


def stratified_split(codes: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split sequence indices into (train, validation), taking ``round(fraction * n_c)`` of each class c
    for validation but always leaving at least one sequence of every class for training.

    codes: (S,) class index per sequence -> two sorted int64 index arrays.
    """
    rng = np.random.default_rng(seed)
    val = []
    for c in np.unique(codes):
        members = rng.permutation(np.flatnonzero(codes == c))
        take = min(int(round(fraction * len(members))), len(members) - 1)
        val.append(members[:take])
    val_idx = np.sort(np.concatenate(val)).astype(np.int64) if val else np.array([], dtype=np.int64)
    return np.setdiff1d(np.arange(len(codes)), val_idx).astype(np.int64), val_idx


def random_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) sequence indices, ``round(fraction * n)`` of them (at most n - 1) for validation."""
    take = min(int(round(fraction * n)), n - 1)
    val_idx = np.sort(np.random.default_rng(seed).permutation(n)[:take]).astype(np.int64)
    return np.setdiff1d(np.arange(n), val_idx).astype(np.int64), val_idx


# ---- buffer -> batches ---------------------------------------------------------------------------------


def drop_gaps(values: np.ndarray, offsets: np.ndarray, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Remove rows with a missing input (left by impute='drop'); sequences get shorter, never empty.

    values: (R, F), offsets: (S + 1,) -> values (R', F), offsets (S + 1,)
    """
    keep = ~np.isnan(values).any(axis=1)
    if keep.all():
        return values, offsets
    kept = np.concatenate([[0], np.cumsum(keep)])[offsets]  # rows kept before each boundary
    empty = np.diff(kept) == 0
    if empty.any():
        sid = ids[int(np.flatnonzero(empty)[0])]
        raise DataError(
            f"sequence {sid!r} has no rows left after impute='drop' removed the rows with missing values "
            f"({int(empty.sum())} such sequence(s)). Use impute='interpolate' or drop those sequences."
        )
    return values[keep], kept.astype(np.int64)


def pad_batch(buffer: Tensor, offsets: Tensor, picks: Tensor) -> tuple[Tensor, Tensor]:
    """Gather sequences ``picks`` from the buffer, zero-padded to the longest of them, in one indexing.

    buffer: (R, F) on the device, offsets: (S + 1,) and picks: (N,) on the CPU -> x: (N, L, F) on the device,
    lengths: (N,) int64 on the CPU. The bookkeeping stays on the host, where ``pack_padded_sequence`` wants the
    lengths, so a GPU batch costs one small copy of (starts, lengths) and no device-to-host synchronisation.
    """
    starts = offsets[picks]  # (N,)
    lengths = offsets[picks + 1] - starts  # (N,)
    starts_d, lengths_d = torch.stack([starts, lengths]).to(buffer.device, non_blocking=True)  # (N,), (N,)
    steps = torch.arange(int(lengths.max()), device=buffer.device)  # (L,)
    valid = steps[None, :] < lengths_d[:, None]  # (N, L)
    rows = torch.where(valid, starts_d[:, None] + steps[None, :], 0)  # (N, L)
    x = buffer[rows] * valid[..., None]  # (N, L, F)  padding is exactly zero
    return x, lengths


class SequenceBatches:
    """Batches of whole sequences drawn from one buffer on the training device, for ``training.fit``.

    buffer: (R, F) and targets: (S,) class indices or (S, T) values on the device; offsets: (S + 1,) and
    index: (M,) the sequences this set uses, on the CPU (see ``pad_batch``). ``epoch(generator)`` yields
    shuffled ``((x, lengths), y)`` batches covering each sequence once; ``ordered(size)`` yields them in order.
    Under ``torchrun`` (``rank`` of ``world``) every rank draws the same permutation and keeps its own
    disjoint share, as ``windows.WindowBatches``.

    Length bucketing: each run of ``bucket`` batches of the shuffled order is sorted by length before it is
    cut into batches, and the batches are then shuffled, so a batch pads to about its own sequences' length
    (variable-length data costs the steps it has, not its longest sequence's), and batches still mix.
    """

    def __init__(self, buffer: Tensor, offsets: Tensor, targets: Tensor, index: Tensor, batch_size: int,
                 bucket: int = 8) -> None:
        self.buffer, self.offsets, self.targets = buffer, offsets, targets
        self.index, self.batch_size, self.bucket = index, batch_size, bucket
        self.lengths = offsets[index + 1] - offsets[index]  # (M,)

    def __len__(self) -> int:
        return len(self.index)

    def epoch(self, generator: torch.Generator, rank: int = 0, world: int = 1):
        """Shuffled batches; under torchrun each rank keeps its own equal, disjoint share."""
        share = len(self.index) // world
        order = torch.randperm(len(self.index), generator=generator)[rank * share : (rank + 1) * share]
        if self.bucket > 1 and bool((self.lengths != self.lengths[0]).any()):
            runs = [run[torch.argsort(self.lengths[run], stable=True)]
                    for run in order.split(self.batch_size * self.bucket)]
            batches = [b for run in runs for b in run.split(self.batch_size)]
            for k in torch.randperm(len(batches), generator=generator).tolist():
                yield self._batch(self.index[batches[k]])
            return
        for picks in self.index[order].split(self.batch_size):
            yield self._batch(picks)

    def ordered(self, size: int = 512, rank: int = 0, world: int = 1):
        for picks in self.index[rank::world].split(size):
            yield self._batch(picks)

    def _batch(self, picks: Tensor) -> tuple[tuple[Tensor, Tensor], Tensor]:
        return pad_batch(self.buffer, self.offsets, picks), self.targets[picks.to(self.targets.device, non_blocking=True)]
