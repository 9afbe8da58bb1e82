"""Windows as index arithmetic over one buffer.

A window is ``lookback`` input rows followed by ``horizon`` target rows of one series. It is identified by
the buffer row where it starts; the training code keeps only the (N,) start indices and gathers the rows
of a batch with a single indexing operation, so no (samples x lookback x features) copy ever exists.

Shape symbols:  N windows   L lookback   H horizon   F features   R buffer rows   S series
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch import Tensor

from .._validation import positive_int
from ..exceptions import DataError

__all__ = ["make_windows", "window_starts", "gather", "gather_inputs", "gather_future"]


def make_windows(array: np.ndarray, lookback: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut one series into (inputs, targets) for users who want the 3-D arrays.

    array: (T,) or (T, F)  ->  X: (N, L, F), y: (N, H, F) with N = T - L - H + 1.
    Both are read-only views of ``array`` (no copy). Window i is ``array[i : i + L]`` followed by
    ``array[i + L : i + L + H]``.

    >>> X, y = make_windows(np.arange(6.0), lookback=3, horizon=2)
    >>> X[:, :, 0].tolist(), y[:, :, 0].tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]])
    """
    _check_sizes(lookback, horizon)
    array = np.asarray(array)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise DataError(f"make_windows takes a (T,) or (T, F) array; got shape {array.shape}.")
    if len(array) < lookback + horizon:
        raise DataError(
            f"the series has {len(array)} steps, but lookback={lookback} + horizon={horizon} needs at least "
            f"{lookback + horizon}. Use a shorter lookback or horizon."
        )
    windows = sliding_window_view(array, lookback + horizon, axis=0)  # (N, F, L + H), a view
    windows = windows.transpose(0, 2, 1)  # (N, L + H, F)
    return windows[:, :lookback], windows[:, lookback:]


def window_starts(
    offsets: np.ndarray,
    lookback: int,
    horizon: int,
    *,
    first_target: np.ndarray | None = None,
    last_target: np.ndarray | None = None,
    valid_rows: np.ndarray | None = None,
) -> np.ndarray:
    """Start rows of every window that lies inside one series.

    offsets: (S + 1,) series boundaries in the buffer. Per series s, optional bounds restrict windows to
    those whose *last* target row t satisfies ``first_target[s] <= t - offsets[s] < last_target[s]``
    (positions within the series, e.g. the training part or the validation part).
    valid_rows: (R,) bool; windows touching a False row (a gap left by impute='drop') are skipped.
    Returns (N,) int64 start rows, ascending.
    """
    _check_sizes(lookback, horizon)
    span = lookback + horizon
    lengths = np.diff(offsets)
    lo = np.full(len(lengths), span - 1) if first_target is None else np.maximum(first_target, span - 1)
    hi = lengths if last_target is None else np.minimum(last_target, lengths)
    counts = np.maximum(hi - lo, 0)  # windows per series
    total = int(counts.sum())
    series = np.repeat(np.arange(len(lengths)), counts)
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    starts = offsets[:-1][series] + lo[series] + within - (span - 1)
    if valid_rows is not None and not valid_rows.all():
        bad = np.concatenate([[0], np.cumsum(~valid_rows)])
        starts = starts[bad[starts + span] - bad[starts] == 0]
    return starts.astype(np.int64)


def gather(buffer: Tensor, starts: Tensor, lookback: int, horizon: int, future: slice | None = None):
    """Gather one batch of windows with one indexing operation.

    buffer: (R, F), starts: (N,) -> x: (N, L, F), y: (N, H) (column 0, the target); with ``future`` (the
    known-future columns) the inputs are (x, the H target rows' future columns (N, H, Fk)).
    """
    rows = starts[:, None] + torch.arange(lookback + horizon, device=starts.device)  # (N, L + H)
    block = buffer[rows]  # (N, L + H, F)
    if future is not None:
        return (block[:, :lookback], block[:, lookback:, future]), block[:, lookback:, 0]
    return block[:, :lookback], block[:, lookback:, 0]


def gather_inputs(buffer: Tensor, ends: Tensor, lookback: int) -> Tensor:
    """Inputs that end just before rows ``ends`` (forecast origins).

    buffer: (R, F), ends: (N,) -> x: (N, L, F) = buffer[end - L : end] for each end
    """
    rows = ends[:, None] - lookback + torch.arange(lookback, device=ends.device)  # (N, L)
    return buffer[rows]


def gather_future(buffer: Tensor, origins: Tensor, steps: int, future: slice, last: Tensor) -> Tensor:
    """Known-future columns of the ``steps`` rows from each origin on, never past the row ``last`` of its
    series (steps beyond a series' end repeat its last row: their forecasts are not used).

    buffer: (R, F), origins: (N,), last: (N,) -> (N, K, Fk)
    """
    rows = torch.minimum(origins[:, None] + torch.arange(steps, device=origins.device), last[:, None])  # (N, K)
    return buffer[rows][..., future]


INFERENCE_BYTES = 32 * 2**20


def inference_chunk(lookback: int, hidden_size: int) -> int:
    """Windows per forward pass without gradients, sized so that one LSTM layer's output sequence
    (N, L, hidden) float32 stays near 32 MB: 4,096 windows of lookback 128 and hidden 64 would hold 134 MB
    per layer, more than a 2,000,000-row series itself."""
    return int(max(64, INFERENCE_BYTES // (4 * lookback * hidden_size)))


def _check_sizes(lookback: int, horizon: int) -> None:
    positive_int("lookback", lookback)
    positive_int("horizon", horizon)


class WindowBatches:
    """Batches of windows drawn from one buffer that lives on the training device.

    buffer: (R, F) tensor, starts: (N,) int64 tensor of window start rows (both on the same device).
    ``epoch(generator)`` yields shuffled (x (B, L, F), y (B, H)) batches covering every window once, or
    ``steps_per_epoch`` batches of windows drawn at random when that is set (for long data).
    ``ordered()`` yields all windows in order, for validation, ``eval_size`` at a time.

    Under ``torchrun`` every rank draws the same random numbers (same seed) and keeps its own disjoint
    share: ``rank`` of ``world`` equal parts, so all ranks run the same number of steps.
    """

    def __init__(
        self,
        buffer: Tensor,
        starts: Tensor,
        lookback: int,
        horizon: int,
        batch_size: int,
        steps_per_epoch: int | None = None,
        eval_size: int = 4096,
        future: slice | None = None,
    ) -> None:
        self.buffer, self.starts, self.future = buffer, starts, future
        self.eval_size = eval_size
        self.lookback, self.horizon = lookback, horizon
        self.batch_size, self.steps_per_epoch = batch_size, steps_per_epoch

    def __len__(self) -> int:
        return len(self.starts)

    def epoch(self, generator: torch.Generator, rank: int = 0, world: int = 1):
        n, b = len(self.starts), self.batch_size
        if self.steps_per_epoch:
            picks = torch.randint(n, (self.steps_per_epoch, b * world), generator=generator)  # (S, B * world)
            batches = picks[:, rank * b : (rank + 1) * b].to(self.starts.device)  # (S, B)
        else:
            share = n // world
            order = torch.randperm(n, generator=generator)[rank * share : (rank + 1) * share]
            batches = order.to(self.starts.device).split(b)
        for picks in batches:
            yield gather(self.buffer, self.starts[picks], self.lookback, self.horizon, self.future)

    def ordered(self, rank: int = 0, world: int = 1):
        for chunk in self.starts[rank::world].split(self.eval_size):
            yield gather(self.buffer, chunk, self.lookback, self.horizon, self.future)
