"""Naive baselines, evaluated on exactly the points the LSTM forecasts.

Both take the original-scale history ``y`` (R,) of the buffer (all series back to back), the (R,)
row index of each row's series start, and the points to forecast, given as the forecast origin row o
(the first row not seen) and the step j >= 0 ahead (the forecast is for row o + j).
"""

from __future__ import annotations

import numpy as np

__all__ = ["naive", "seasonal_naive", "BASELINES"]


def naive(y: np.ndarray, series_start: np.ndarray, origin: np.ndarray, step: np.ndarray, season: int) -> np.ndarray:
    """The last value before the origin, repeated: f[o + j] = y[o - 1]."""
    del step, season
    return _lookup(y, series_start, origin - 1, origin)


def seasonal_naive(
    y: np.ndarray, series_start: np.ndarray, origin: np.ndarray, step: np.ndarray, season: int
) -> np.ndarray:
    """The value one season before, from the history before the origin: f[o + j] = y[o + j - m * (j // m + 1)]."""
    source = origin + step - season * (step // season + 1)
    return _lookup(y, series_start, source, origin)


def _lookup(y: np.ndarray, series_start: np.ndarray, rows: np.ndarray, origin: np.ndarray) -> np.ndarray:
    inside = rows >= series_start[origin]  # never read the previous series
    out = np.full(len(rows), np.nan)
    out[inside] = y[rows[inside]]
    return out


BASELINES = {"naive": naive, "seasonal_naive": seasonal_naive}
