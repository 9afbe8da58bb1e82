"""Point-forecast metrics on the original scale.

All functions take flat arrays of the same length: actual y (N,), forecast f (N,) and, for MASE, the
scale of each point's series (N,) = in-sample seasonal-naive MAE of that series' training part. Points
where any input is NaN must be removed by the caller (``score`` does it), so every method is scored on
exactly the same points.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mae", "rmse", "mape", "smape", "mase", "score", "seasonal_scale", "interval_scores", "METRICS"]

METRICS = ("mae", "rmse", "mape", "smape", "mase")


def mae(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.mean(np.abs(y - f)))


def rmse(y: np.ndarray, f: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - f) ** 2)))


def mape(y: np.ndarray, f: np.ndarray) -> float:
    """Mean absolute percentage error, in percent, over points with y != 0."""
    keep = y != 0
    return float(100 * np.mean(np.abs((y[keep] - f[keep]) / y[keep]))) if keep.any() else float("nan")


def smape(y: np.ndarray, f: np.ndarray) -> float:
    """Symmetric MAPE in percent: 100 * mean(2|y - f| / (|y| + |f|)); 0/0 counts as 0."""
    denom = np.abs(y) + np.abs(f)
    ratio = np.divide(2 * np.abs(y - f), denom, out=np.zeros_like(denom, dtype="float64"), where=denom > 0)
    return float(100 * np.mean(ratio))


def mase(y: np.ndarray, f: np.ndarray, scale: np.ndarray) -> float:
    """Mean absolute error divided, point by point, by the seasonal-naive MAE of the point's series."""
    return float(np.mean(np.abs(y - f) / scale))


def seasonal_scale(train: np.ndarray, season: int) -> float:
    """In-sample seasonal-naive MAE of one training series: mean |y[t] - y[t - m]| (NaN pairs skipped).

    Falls back to lag 1 when the series is shorter than two seasons, and to 1.0 for a constant series.
    """
    m = season if len(train) > 2 * season else 1
    diffs = np.abs(train[m:] - train[:-m])
    value = float(np.nanmean(diffs)) if np.isfinite(diffs).any() else float("nan")
    return value if np.isfinite(value) and value > 0 else 1.0


def interval_scores(y: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float, scale: np.ndarray) -> dict:
    """How good a central interval of nominal ``level`` is, over N points (all arrays (N,)).

    coverage:        share of points with lower <= y <= upper (a calibrated interval: about ``level``)
    width:           mean upper - lower
    interval_score:  mean Winkler score (upper - lower) + 2/a (lower - y)+ + 2/a (y - upper)+, a = 1 - level;
                     lower is better, it rewards narrow intervals and punishes misses by how far they miss
    msis:            interval_score divided point by point by the MASE scale (comparable across series)
    pinball:         mean pinball loss of the two bounds as the a/2 and 1 - a/2 quantiles (= a/4 interval_score)
    """
    alpha = 1 - level
    below, above = np.maximum(lower - y, 0), np.maximum(y - upper, 0)
    winkler = (upper - lower) + 2 / alpha * (below + above)
    return {
        "coverage": float(np.mean((y >= lower) & (y <= upper))),
        "width": float(np.mean(upper - lower)),
        "interval_score": float(np.mean(winkler)),
        "msis": float(np.mean(winkler / scale)),
        "pinball": float(np.mean(alpha / 4 * winkler)),
        "n": int(len(y)),
    }


def score(
    y: np.ndarray,
    forecasts: dict[str, np.ndarray],
    scale: np.ndarray,
    bands: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] | None = None,
) -> dict[str, dict[str, float]]:
    """Score several methods on the points where y and every forecast are present.

    forecasts: {method: (N,)}  ->  {method: {"mae", "rmse", "mape", "smape", "mase", "n"}}
    bands:     {method: {level key: (lower (N,), upper (N,))}} adds, to that method, "intervals":
               {level key: interval_scores(...)} on the same points
    """
    keep = np.isfinite(y) & np.isfinite(scale)
    for f in forecasts.values():
        keep &= np.isfinite(f)
    y, scale = y[keep], scale[keep]
    out = {}
    for name, f in forecasts.items():
        f = f[keep]
        if len(y) == 0:
            out[name] = {m: float("nan") for m in METRICS} | {"n": 0}
            continue
        out[name] = {
            "mae": mae(y, f),
            "rmse": rmse(y, f),
            "mape": mape(y, f),
            "smape": smape(y, f),
            "mase": mase(y, f, scale),
            "n": int(len(y)),
        }
    for name, levels in (bands or {}).items():
        out[name]["intervals"] = {
            key: interval_scores(y, lower[keep], upper[keep], float(key), scale) for key, (lower, upper) in levels.items()
        }
    return out
