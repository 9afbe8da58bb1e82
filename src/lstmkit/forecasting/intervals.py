"""Prediction intervals, two ways.

- ``conformal`` (split conformal, any point model): after training, the network forecasts the validation
  part (the end of the training part, never trained on) from every origin that reaches it, and keeps the
  absolute errors of each step ahead j = 1..H, in units of each series' scale (so a global model over
  series of different sizes pools them fairly). For a level l the half-width of step j is the
  ceil((n + 1) l)-th smallest of its n errors: under exchangeability the interval covers a new point with
  probability >= l, and at most l + 1/(n + 1).
- ``adaptive`` (the default of evaluate and backtest): conformal with adaptive conformal inference (ACI, Gibbs &
  Candes 2021) for drifting errors. When
  the outcomes are revealed as time goes on (rolling one-step points, and multi-step origins H apart), each
  series and step keeps its own miscoverage target a_t: it starts at 1 - l, the half-width is the conformal
  quantile at level 1 - a_t, and after each outcome a_{t+1} = a_t + gamma (1 - l - miss_t). Wider after misses,
  narrower after hits; the long-run miss rate is pulled to 1 - l whatever the errors do. Evaluation only: a
  forecast of the future has no outcomes to adapt to.
- ``quantile``: a network trained with ``quantiles=`` emits its own (non-crossing) quantiles; the interval of
  level l is [q((1 - l)/2), q((1 + l)/2)], which the network must have been trained for.

Both give bounds on the original scale for points given as (origin row, 0-based step), so the rolling,
multi-step and future forecasts all use the same code.

Shape symbols:  N points   O origins   H horizon   L lookback   Q quantiles   V levels
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from torch import Tensor

from .._validation import one_of
from ..exceptions import ConfigError
from .calibration import Calibration
from .fitted import FittedForecaster
from .inference import quantiles_at

__all__ = ["check_levels", "check_method", "level_key", "bounds", "aci_half_widths", "METHODS"]

METHODS = ("conformal", "adaptive", "quantile")
GAMMA = 0.05  # ACI step size: adapts over about 1 / gamma = 20 outcomes (measured: bench/intervals.py)


def check_levels(levels: float | str | Sequence[float] | None) -> tuple[float, ...]:
    """Interval levels as a sorted tuple: 0.9, "0.8,0.95" or [0.8, 0.95]; () for None."""
    if levels is None:
        return ()
    if isinstance(levels, str):
        try:
            levels = [float(v) for v in levels.split(",") if v.strip()]
        except ValueError as err:
            raise ConfigError(f"intervals must be levels like 0.8,0.95; got {levels!r}.") from err
    elif isinstance(levels, (int, float)):
        levels = [levels]
    out = sorted({float(v) for v in levels})
    bad = [v for v in out if not 0 < v < 1]
    if bad or not out:
        raise ConfigError(
            f"interval levels must lie strictly between 0 and 1 (0.9 is a 90 % interval); got {bad or levels}."
        )
    return tuple(out)


def level_key(level: float) -> str:
    """The name of a level in columns and JSON: 0.9 -> '0.9'."""
    return f"{level:g}"


def check_method(method: str) -> str:
    return one_of("interval_method", method, METHODS)


def aci_half_widths(scores: np.ndarray, level: float, errors: np.ndarray, gamma: float) -> np.ndarray:
    """Adaptive conformal half-widths for outcomes that arrive in order.

    scores (n,) ascending calibration errors; errors (T,) |actual - forecast| in the same units, in time order
    (NaN: no outcome, no update) -> (T,) half-widths. a_t is kept within [1 / (n + 1), 1], so the half-width stays
    between 0 and the largest calibration error.
    """
    n, alpha = len(scores), 1 - level
    a, out = alpha, np.empty(len(errors))
    for t, error in enumerate(errors):
        k = math.ceil((n + 1) * (1 - a) - 1e-9)  # conformal rank at level 1 - a_t
        out[t] = scores[min(k, n) - 1] if k >= 1 else 0.0
        if np.isfinite(error):
            a = min(max(a + gamma * (alpha - float(error > out[t])), 1 / (n + 1)), 1.0)
    return out


def bounds(
    fitted: FittedForecaster,
    buffer: Tensor,
    origin: np.ndarray,
    step: np.ndarray,
    series: np.ndarray,
    forecast: np.ndarray,
    levels: Sequence[float],
    method: str,
    actual: np.ndarray | None = None,
    last: np.ndarray | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Lower and upper bounds, original scale, of the points (origin (N,), 0-based step (N,)).

    series (N,) index into the model's fitted statistics; forecast (N,) the point forecast, original scale;
    actual (N,) the outcomes, for ``adaptive`` (points in time order within each series and step);
    last (N,) the last buffer row of each point's series (a quantile head's known-future inputs).
    -> {level key: (lower (N,), upper (N,))}
    """
    check_method(method)
    horizon = fitted.horizon
    if len(step) and step.max() >= horizon:
        raise ConfigError(
            f"intervals are calibrated for the {horizon} steps the model forecasts directly; {int(step.max()) + 1} "
            f"steps were asked for. Ask for at most {horizon} steps, or retrain with --horizon {int(step.max()) + 1}."
        )
    if method == "conformal":
        return _conformal(fitted, step, series, forecast, levels)
    if method == "adaptive":
        if actual is None:
            raise ConfigError(
                "adaptive intervals adapt to outcomes as they are revealed, so they exist only in evaluate and "
                "backtest. For a forecast of the future use --interval-method conformal or quantile."
            )
        return _adaptive(fitted, step, series, forecast, actual, levels)
    return _quantile(fitted, buffer, origin, step, series, levels, last)


def _calibration(fitted: FittedForecaster) -> Calibration:
    calibration = fitted.calibration
    if calibration is None:
        raise ConfigError(
            "this model has no calibration errors (it was trained with no validation part, val_size=0). "
            "Retrain with a validation part (the default), or use --interval-method quantile."
        )
    return calibration


def _adaptive(fitted: FittedForecaster, step, series, forecast, actual, levels) -> dict:
    calibration = _calibration(fitted)
    scale = fitted.prep.scale_[series, 0]  # (N,)
    errors = np.abs(actual - forecast) / scale  # (N,) in scale units
    order = np.lexsort((step, series))  # stable: each (series, step) group keeps its time order
    groups = np.split(order, np.flatnonzero(np.diff(series[order] * (step.max() + 1) + step[order])) + 1)
    out = {}
    for level in levels:
        calibration.half_width(level)  # the same checks (enough errors) as split conformal
        half = np.empty(len(step))
        for rows in groups:
            if len(rows):
                half[rows] = aci_half_widths(calibration.scores[step[rows[0]]], level, errors[rows], GAMMA)
        out[level_key(level)] = (forecast - half * scale, forecast + half * scale)
    return out


def _conformal(fitted: FittedForecaster, step, series, forecast, levels) -> dict:
    calibration = _calibration(fitted)
    scale = fitted.prep.scale_[series, 0]  # (N,)
    out = {}
    for level in levels:
        half = calibration.half_width(level)[step] * scale  # (N,)
        out[level_key(level)] = (forecast - half, forecast + half)
    return out


def _quantile(fitted: FittedForecaster, buffer, origin, step, series, levels, last=None) -> dict:
    trained = tuple(fitted.net.config.quantiles)
    if not trained:
        raise ConfigError(
            "this model has a point head, no quantiles. Use --interval-method conformal, or retrain with "
            "--quantiles 0.05,0.95 (Forecaster(quantiles=[0.05, 0.95]))."
        )
    scaled = quantiles_at(fitted.net, buffer, origin, step, fitted.lookback, last)  # (N, Q)
    values = fitted.prep.inverse_target(scaled, series)  # (N, Q)
    out = {}
    for level in levels:
        pair = [_index(trained, q, level) for q in ((1 - level) / 2, (1 + level) / 2)]
        out[level_key(level)] = (values[:, pair[0]], values[:, pair[1]])
    return out


def _index(trained: tuple[float, ...], q: float, level: float) -> int:
    for i, t in enumerate(trained):
        if abs(t - q) < 1e-6:
            return i
    pairs = [level_key(hi - lo) for lo, hi in zip(trained, trained[::-1]) if lo < 0.5]
    raise ConfigError(
        f"a {level:g} interval needs the {q:g} quantile, but the model was trained for quantiles "
        f"{', '.join(map(level_key, trained))} (levels {', '.join(pairs) or 'none'}). Ask for one of those "
        f"levels, or retrain with --quantiles including {level_key((1 - level) / 2)},{level_key((1 + level) / 2)}."
    )
