"""Baselines, evaluated on exactly the points the LSTM forecasts.

Every baseline takes the original-scale history ``y`` (R,) of the buffer (all series back to back), the (R,)
row index of each row's series start, and the points to forecast, given as the forecast origin row o
(the first row not seen) and the step j >= 0 ahead (the forecast is for row o + j), plus the season m.
A baseline reads only rows before the origin of the point it forecasts, and never another series.

    naive           f[o + j] = y[o - 1]
    seasonal_naive  f[o + j] = y[o + j - m * (j // m + 1)]
    drift           f[o + j] = y[o - 1] + (j + 1) * (y[o - 1] - y[s]) / (o - 1 - s)   s: the series' first row
    mean            f[o + j] = mean(y[s : o])

The classical models (``ets``, ``arima``) need the ``classical`` extra and live in ``classical.py``.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import ConfigError, did_you_mean
from .classical import CLASSICAL

__all__ = ["naive", "seasonal_naive", "drift", "mean", "BASELINES", "DEFAULT_BASELINES", "resolve_baselines"]

DEFAULT_BASELINES = ("naive", "seasonal_naive")  # what ``evaluate`` reports unless asked for more


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


def drift(y: np.ndarray, series_start: np.ndarray, origin: np.ndarray, step: np.ndarray, season: int) -> np.ndarray:
    """The straight line through the series' first value and the last value before the origin, extended.

    f[o + j] = y[o - 1] + (j + 1) * (y[o - 1] - y[s]) / (o - 1 - s), s = the series' first row with a value.
    """
    del season
    first = _first_finite(y, series_start)[origin]  # (N,)
    last = origin - 1
    last_value = _lookup(y, series_start, last, origin)
    span = last - first
    slope = np.divide(last_value - y[first], span, out=np.zeros(len(origin)), where=span > 0)
    return last_value + (step + 1) * slope


def mean(y: np.ndarray, series_start: np.ndarray, origin: np.ndarray, step: np.ndarray, season: int) -> np.ndarray:
    """The mean of the series' history before the origin (missing values skipped): f[o + j] = mean(y[s : o])."""
    del step, season
    present = np.isfinite(y)
    total = np.concatenate([[0.0], np.cumsum(np.where(present, y, 0.0))])  # (R + 1,)
    count = np.concatenate([[0], np.cumsum(present)])
    start = series_start[origin]
    n = count[origin] - count[start]
    return np.divide(total[origin] - total[start], n, out=np.full(len(origin), np.nan), where=n > 0)


def _lookup(y: np.ndarray, series_start: np.ndarray, rows: np.ndarray, origin: np.ndarray) -> np.ndarray:
    inside = rows >= series_start[origin]  # never read the previous series
    out = np.full(len(rows), np.nan)
    out[inside] = y[rows[inside]]
    return out


def _first_finite(y: np.ndarray, series_start: np.ndarray) -> np.ndarray:
    """(R,) for each row, the first row of its series holding a value."""
    rows = np.arange(len(y))
    marked = np.where(np.isfinite(y), rows, len(y))
    after = np.minimum.accumulate(marked[::-1])[::-1]  # (R,) first row with a value at or after each row
    return np.minimum(after[series_start], len(y) - 1)


BASELINES = {"naive": naive, "seasonal_naive": seasonal_naive, "drift": drift, "mean": mean}


def resolve_baselines(names) -> dict:
    """Baselines by name: None -> the defaults, "all" -> the four built in, else a list of names (the
    classical ``ets``/``arima`` too, when the ``classical`` extra is installed)."""
    if names is None:
        names = DEFAULT_BASELINES
    elif isinstance(names, str):
        names = tuple(BASELINES) if names == "all" else [n.strip() for n in names.split(",") if n.strip()]
    known = {**BASELINES, **CLASSICAL}
    out = {}
    for name in names:
        if name not in known:
            raise ConfigError(
                f"unknown baseline {name!r}; choose from {', '.join(known)}.{did_you_mean(name, known)}"
            )
        out[name] = known[name]
    return out
