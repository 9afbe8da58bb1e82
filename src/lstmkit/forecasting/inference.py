"""Forecasts from a trained network over a prepared Panel, in batches (no per-origin Python).

Three kinds, all returning scaled values (the estimator maps them back to the original scale):

- ``rolling``: every step ahead (1..H) from every row of each series' test part, from the true history;
  column 0 is the rolling one-step forecast, and the multi-step forecasts (H steps from origins stepping
  by H through the test part, ``multistep_points``) are rows of it, so one forward pass serves both.
- ``future``: the next ``steps`` rows after each series' end; recursive beyond H.
- ``quantiles_at``: all Q quantiles of a quantile head for chosen (origin, step) points.

The test part is the ``test_size`` rows that end ``end_gap`` rows before each series' end (``end_gap`` > 0
for the earlier folds of a backtest).

Shape symbols:  N origins   L lookback   H horizon   F features   S series   K steps asked for   Q quantiles
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ..exceptions import ConfigError
from ..prep import Panel
from .windows import gather_future, gather_inputs, inference_chunk

__all__ = ["predict_inputs", "rolling", "multistep_points", "future", "test_rows", "quantiles_at", "known_future"]


@torch.inference_mode()
def predict_inputs(net: nn.Module, x: Tensor, steps: int | None = None, *, recursive_ok: bool = True,
                   future: Tensor | None = None) -> Tensor:
    """Forecast ``steps`` (default H) rows after each input window.

    x: (N, L, F), future: (N, K', Fk) the known-future columns of the rows after the window (K' >= min(K, H);
    needed when the network has them) -> (N, K). Beyond H the network is fed its own forecasts as the target
    of the rows it has forecast, with their known-future and static columns (only possible when no input is
    known up to the origin only, i.e. no past covariates).
    """
    net.eval()
    config = net.config
    horizon = config.horizon
    steps = steps or horizon
    if steps > horizon and not recursive_ok:
        raise ConfigError(
            f"the model forecasts {horizon} steps directly and has past covariates, whose future values it cannot "
            f"know, so it cannot run on to {steps} steps. Ask for at most {horizon} steps, retrain with "
            f"--horizon {steps}, or pass covariates known ahead as --future-features."
        )
    size = inference_chunk(x.shape[1], config.hidden_size)
    out = []
    for start in range(0, len(x), size):
        chunk = x[start : start + size]
        ahead = future[start : start + size] if future is not None else None
        pieces, made = [], 0
        while made < steps:
            f = _block(ahead, made, horizon) if config.n_future else None  # (n, H, Fk)
            y = net(torch.nan_to_num(chunk, nan=0.0), f)  # (n, H)
            y = torch.where(chunk.isnan().any(dim=(1, 2))[:, None], torch.nan, y)  # a gap gives no forecast
            pieces.append(y)
            made += horizon
            if made < steps:
                new = torch.zeros(len(chunk), horizon, chunk.shape[2], dtype=chunk.dtype, device=chunk.device)
                new[..., 0] = y  # later rows: the forecast as the target, indicators 0
                if config.n_future:
                    new[..., config.future_slice] = f
                if config.n_static:
                    new[..., chunk.shape[2] - config.n_static :] = chunk[:, -1:, chunk.shape[2] - config.n_static :]
                chunk = torch.cat([chunk, new], dim=1)[:, -chunk.shape[1] :]
        out.append(torch.cat(pieces, dim=1)[:, :steps])
    return torch.cat(out) if out else x.new_zeros(0, steps)


def _block(future: Tensor | None, made: int, horizon: int) -> Tensor:
    """The H rows of known-future columns from step ``made`` on; past the rows given, the last one repeats
    (those steps are beyond what was asked for)."""
    if future is None:
        raise ConfigError("this model forecasts with known-future covariates: their future values are needed.")
    part = future[:, made : made + horizon]
    if part.shape[1] < horizon:
        part = torch.cat([part, part[:, -1:].expand(-1, horizon - part.shape[1], -1)], dim=1)
    return part


@torch.inference_mode()
def quantiles_at(net: nn.Module, buffer: Tensor, origin: np.ndarray, step: np.ndarray, lookback: int,
                 last: np.ndarray | None = None) -> np.ndarray:
    """Quantile-head forecasts for points given as (origin row, 0-based step < H), one forward pass per
    distinct origin (``last``: the last buffer row of each point's series, for known-future inputs).
    -> (N, Q) scaled"""
    if last is not None:
        last = last[np.unique(origin, return_index=True)[1]]
    net.eval()
    origins, which = np.unique(origin, return_inverse=True)
    at = torch.as_tensor(origins, device=buffer.device)
    x = gather_inputs(buffer, at, lookback)  # (O, L, F)
    future = known_future(net, buffer, at, net.config.horizon, last) if last is not None else None
    out, size = [], inference_chunk(lookback, net.config.hidden_size)
    for start in range(0, len(x), size):
        chunk = x[start : start + size]
        f = future[start : start + size] if future is not None else None
        q = net.quantiles(torch.nan_to_num(chunk, nan=0.0), f)  # (o, H, Q)
        out.append(torch.where(chunk.isnan().any(dim=(1, 2))[:, None, None], torch.nan, q))
    q = torch.cat(out).cpu().numpy() if out else np.zeros((0, net.config.horizon, len(net.config.quantiles)))
    return q[which, step]  # (N, Q)


def test_rows(panel: Panel, test_size: int, end_gap: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Buffer rows of each series' test part, with the series position of each.

    -> rows (S * test_size,), series (S * test_size,) position in the panel
    """
    ends = panel.offsets[1:] - end_gap
    within = np.arange(test_size)
    rows = (ends[:, None] - test_size + within[None, :]).ravel()
    series = np.repeat(np.arange(len(ends)), test_size)
    return rows, series


def rolling(net: nn.Module, buffer: Tensor, panel: Panel, lookback: int, test_size: int, end_gap: int = 0):
    """Forecasts from every test row, from the true history before it: column 0 is the one-step-ahead
    forecast, column j the (j + 1)-step one (the multi-step origins are among these rows, see
    ``multistep_points``).

    -> rows (N,), series (N,), forecast (N, H) scaled
    """
    rows, series = test_rows(panel, test_size, end_gap)
    at = torch.as_tensor(rows, device=buffer.device)
    x = gather_inputs(buffer, at, lookback)  # (N, L, F)
    future = known_future(net, buffer, at, net.config.horizon, panel.offsets[1:][series] - 1)
    return rows, series, predict_inputs(net, x, future=future).cpu().numpy()


def multistep_points(panel: Panel, horizon: int, test_size: int, end_gap: int = 0):
    """The multi-step points: origins test_start + k*H, k = 0, 1, ..., and steps 0..H-1 (the last origin cut
    at the test part's end).

    -> origin rows (N,), steps (N,) 0-based, series (N,), flat over (origin, step)
    """
    ends = panel.offsets[1:] - end_gap  # (S,)
    starts = ends - test_size  # (S,)
    k = np.arange(-(-test_size // horizon))
    origins = (starts[:, None] + k[None, :] * horizon).ravel()  # (S * K,)
    series = np.repeat(np.arange(len(starts)), len(k))
    step = np.tile(np.arange(horizon), len(origins))
    origin = np.repeat(origins, horizon)
    series = np.repeat(series, horizon)
    keep = origin + step < ends[series]  # inside the test part
    return origin[keep], step[keep], series[keep]


def future(net: nn.Module, buffer: Tensor, panel: Panel, lookback: int, steps: int, *, recursive_ok: bool,
           ahead: Tensor | None = None) -> np.ndarray:
    """The next ``steps`` rows after the end of each series; ``ahead`` (S, K, Fk) their known-future columns.
    -> (S, K) scaled"""
    ends = torch.as_tensor(panel.offsets[1:], device=buffer.device)
    x = gather_inputs(buffer, ends, lookback)  # (S, L, F)
    return predict_inputs(net, x, steps, recursive_ok=recursive_ok, future=ahead).cpu().numpy()


def known_future(net: nn.Module, buffer: Tensor, origins: Tensor, steps: int, last) -> Tensor | None:
    """The known-future columns of the ``steps`` rows from each origin (None for a network without them);
    ``last`` (N,) the last buffer row of each origin's series."""
    if not net.config.n_future:
        return None
    return gather_future(buffer, origins, steps, net.config.future_slice, torch.as_tensor(last, device=buffer.device))
