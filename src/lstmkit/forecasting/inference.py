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
from .windows import gather_inputs, inference_chunk

__all__ = ["predict_inputs", "rolling", "multistep_points", "future", "test_rows", "quantiles_at"]


@torch.inference_mode()
def predict_inputs(net: nn.Module, x: Tensor, steps: int | None = None, *, recursive_ok: bool = True) -> Tensor:
    """Forecast ``steps`` (default H) rows after each input window.

    x: (N, L, F) -> (N, K). Beyond H the network is fed its own forecasts (only possible when every input
    channel can be derived from the target, i.e. no covariates).
    """
    net.eval()
    horizon = net.config.horizon
    steps = steps or horizon
    if steps > horizon and not recursive_ok:
        raise ConfigError(
            f"the model forecasts {horizon} steps directly and has covariates, whose future values it cannot "
            f"know, so it cannot run on to {steps} steps. Ask for at most {horizon} steps, or retrain with "
            f"--horizon {steps}."
        )
    out = []
    for chunk in x.split(inference_chunk(x.shape[1], net.config.hidden_size)):
        pieces, made = [], 0
        while made < steps:
            y = net(torch.nan_to_num(chunk, nan=0.0))  # (n, H)
            y = torch.where(chunk.isnan().any(dim=(1, 2))[:, None], torch.nan, y)  # a gap gives no forecast
            pieces.append(y)
            made += horizon
            if made < steps:
                new = torch.zeros(len(chunk), horizon, chunk.shape[2], dtype=chunk.dtype, device=chunk.device)
                new[..., 0] = y  # later rows: the forecast as the target, indicators 0
                chunk = torch.cat([chunk, new], dim=1)[:, -chunk.shape[1] :]
        out.append(torch.cat(pieces, dim=1)[:, :steps])
    return torch.cat(out) if out else x.new_zeros(0, steps)


@torch.inference_mode()
def quantiles_at(net: nn.Module, buffer: Tensor, origin: np.ndarray, step: np.ndarray, lookback: int) -> np.ndarray:
    """Quantile-head forecasts for points given as (origin row, 0-based step < H), one forward pass per
    distinct origin. -> (N, Q) scaled"""
    net.eval()
    origins, which = np.unique(origin, return_inverse=True)
    x = gather_inputs(buffer, torch.as_tensor(origins, device=buffer.device), lookback)  # (O, L, F)
    out = []
    for chunk in x.split(inference_chunk(lookback, net.config.hidden_size)):
        q = net.quantiles(torch.nan_to_num(chunk, nan=0.0))  # (o, H, Q)
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
    x = gather_inputs(buffer, torch.as_tensor(rows, device=buffer.device), lookback)  # (N, L, F)
    return rows, series, predict_inputs(net, x).cpu().numpy()


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


def future(net: nn.Module, buffer: Tensor, panel: Panel, lookback: int, steps: int, *, recursive_ok: bool) -> np.ndarray:
    """The next ``steps`` rows after the end of each series. -> (S, K) scaled"""
    ends = torch.as_tensor(panel.offsets[1:], device=buffer.device)
    x = gather_inputs(buffer, ends, lookback)  # (S, L, F)
    return predict_inputs(net, x, steps, recursive_ok=recursive_ok).cpu().numpy()
