"""The data-driven defaults of a fit, chosen on training rows only (never the validation or test part):

- ``window_norm="auto"``: for each step ahead, the anchor (``lstmkit.anchors``: last value, drift, seasonal,
  seasonal plus growth, level, cycle, exponential smoothing, Holt's damped trend) with the smallest mean
  absolute error over the training windows, the smoothing anchors with the weights that fit those windows
  best; the network then learns what the anchor misses;
- ``ensemble="auto"``: 3 networks (seeds random_state, +1, +2) combined by the median when the data are
  small (at most ENSEMBLE_WINDOWS training windows), where one network's luck matters most and three cost
  little; one network otherwise.

Shape symbols:  N windows   L lookback   H horizon   M anchors
"""

from __future__ import annotations

import numpy as np
import torch

from ..anchors import NEEDS, Smoothing, anchor_values, deseasonalised, usable
from ..exceptions import ConfigError

__all__ = ["choose_anchors", "fit_smoothing", "resolve_window_norm", "window_norm_fits", "ensemble_size", "ENSEMBLE_WINDOWS"]

ENSEMBLE_WINDOWS = 2_500  # training windows up to which ensemble="auto" trains 3 networks (taylor: ~2,900, one)
MAX_CHOICE_WINDOWS = 20_000  # windows the anchor choice scores, evenly spaced
SES_ALPHAS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)  # the ses anchor's level weights tried
HOLT_GRID = [(a, b, phi) for a in (0.1, 0.3, 0.5, 0.7, 0.9, 1.0) for b in (0.02, 0.05, 0.1, 0.2, 0.4)
             for phi in (0.9, 0.95, 1.0)]  # the holt anchor's (alpha, beta, phi) tried


def choose_anchors(target: np.ndarray, starts: np.ndarray, lookback: int, horizon: int, season: int,
                   names: tuple[str, ...] | None = None) -> tuple[tuple[str, ...], Smoothing]:
    """For each step ahead, the anchor of ``names`` (default: every usable one) with the smallest mean absolute
    error over the windows that start at ``starts`` (training windows: their targets lie in the training
    part), and the smoothing weights of ``ses`` and ``holt`` that fit those windows best (``fit_smoothing``).

    target: (R,) the scaled (and imputed) target buffer; starts: (N,) window start rows
    -> (H anchor names, the smoothing weights)

    >>> y = np.tile([0.0, 1.0], 8)          # a season of 2: seasonal is exact; step 2 ahead, so is last
    >>> choose_anchors(y, np.arange(10), lookback=4, horizon=2, season=2)[0]
    ('seasonal', 'last')
    """
    names = names or usable(lookback, season)
    if len(starts) > MAX_CHOICE_WINDOWS:
        starts = starts[np.linspace(0, len(starts) - 1, MAX_CHOICE_WINDOWS).astype(np.int64)]
    if not len(starts):
        return ("last",) * horizon if len(names) > 1 else names * horizon, Smoothing()
    rows = starts[:, None] + np.arange(lookback + horizon)  # (N, L + H)
    windows = torch.from_numpy(np.asarray(target, dtype="float64")[rows])  # (N, L + H)
    x, y = windows[:, :lookback], windows[:, None, lookback:]  # (N, L), (N, 1, H)
    smoothing = fit_smoothing(x, y, horizon, season, names)
    values = anchor_values(x, horizon, season, names, smoothing)  # (N, M, H)
    error = (values - y).abs().nanmean(dim=0)  # (M, H)
    return tuple(names[int(i)] for i in error.argmin(dim=0)), smoothing  # first (simplest) anchor on ties


def fit_smoothing(x: torch.Tensor, y: torch.Tensor, horizon: int, season: int, names: tuple[str, ...]) -> Smoothing:
    """The ``ses`` weight of SES_ALPHAS and the ``holt`` weights of HOLT_GRID with the smallest mean absolute
    error over all H steps of the windows x (N, L) with targets y (N, 1, H), as ETS fits its weights to the
    data it is given; the defaults for an anchor not in ``names``."""
    adjusted, ahead = deseasonalised(x, horizon, season)  # (N, L), (N, H): once for every weight tried
    lookback = x.shape[1]

    def best(name: str, grid: list, make) -> float | tuple[float, float, float]:
        errors = [((adjusted @ make(w).tensor(name, lookback, horizon, x) + ahead)[:, None] - y).abs().nanmean().item()
                  for w in grid]
        return grid[int(np.argmin(errors))]

    default = Smoothing()
    ses = best("ses", list(SES_ALPHAS), lambda a: Smoothing(ses=a)) if "ses" in names else default.ses
    holt = best("holt", HOLT_GRID, lambda w: Smoothing(holt=w)) if "holt" in names else default.holt
    return Smoothing(ses=ses, holt=holt)


def window_norm_fits(mode: str, lookback: int, season: int) -> bool:
    """Whether a Forecaster's ``window_norm`` can be computed from windows of ``lookback`` rows."""
    return mode in ("none", "mean", "last", "auto") or mode in usable(lookback, season)


def resolve_window_norm(mode: str, target: np.ndarray, starts: np.ndarray, lookback: int, horizon: int,
                        season: int) -> tuple[str, tuple[str, ...], Smoothing]:
    """A Forecaster's ``window_norm`` -> the network's (window_norm, anchors per step, smoothing weights)."""
    if mode in ("none", "mean", "last"):
        return mode, (), Smoothing()
    if mode == "auto":
        return "anchor", *choose_anchors(target, starts, lookback, horizon, season)
    if not window_norm_fits(mode, lookback, season):
        raise ConfigError(
            f"window_norm={mode!r} needs {NEEDS[mode]}; got season={season}, lookback={lookback}. Use "
            f"window_norm='auto' (or one of {list(usable(lookback, season))}), or a longer --lookback."
        )
    return "anchor", *choose_anchors(target, starts, lookback, horizon, season, names=(mode,))


def ensemble_size(ensemble: int | str, n_windows: int) -> int:
    """``ensemble`` ("auto" or a count of networks) -> networks to train for ``n_windows`` training windows."""
    if ensemble == "auto":
        return 3 if n_windows <= ENSEMBLE_WINDOWS else 1
    if isinstance(ensemble, bool) or not isinstance(ensemble, (int, np.integer)) or not 1 <= ensemble <= 32:
        raise ConfigError(f"ensemble must be 'auto' or a number of networks from 1 to 32; got {ensemble!r}.")
    return int(ensemble)
