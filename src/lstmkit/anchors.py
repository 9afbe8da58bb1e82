"""Anchors: simple forecasts computed from a window itself, which a ForecastNet corrects (it learns the
remainder, not the level or the season). Torch only, no data handling.

Each anchor gives, for every window and step j = 0..H-1 after its last row (index L-1), one value on the
window's own scale:

- ``last``:     x[L-1]                                        (naive)
- ``drift``:    x[L-1] + (j + 1) (x[L-1] - x[0]) / (L - 1)     (the window's straight-line trend)
- ``seasonal``: x[L - s + j mod s]                             (seasonal naive, season s)
- ``sdiff``:    seasonal + (1 + j div s) * mean_t(x[t] - x[t-s]) over the window (seasonal naive plus the
                window's average growth per season)
- ``level``:    the mean of the last k = min(L, max(s, 3)) rows (a level that noise moves less than x[L-1])
- ``cycle``:    the window's last c = L div s whole seasons, each less its own mean, averaged into one seasonal
                profile; plus the last season's mean, moved on by the trend between the first and the last
                season's means (an equal-weight Holt-Winters)
- ``ses``:      exponential smoothing (weight alpha) of the window, less the ``cycle`` profile when there are
                two whole seasons, the profile added back: a level that follows as ETS's does
- ``holt``:     Holt's damped trend (level weight alpha, trend weight beta, damping phi) over the window, less
                the ``cycle`` profile as for ``ses``; it starts from the window's least-squares line

``ses`` and ``holt`` take their weights (``Smoothing``) from the data: ``forecasting.auto`` chooses them on the
training windows. Every anchor is affine in the window (shift or scale the window, the anchor follows), so it
can be computed on the normalised window.

``seasonal`` needs L >= s, ``sdiff`` L >= s + 1, ``cycle`` L >= 2 s, ``holt`` L >= 3; ``usable`` lists the ones
a lookback allows.

Shape symbols:  N windows   L lookback   H horizon   M anchors   s season
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

__all__ = ["ANCHORS", "NEEDS", "Smoothing", "anchor_values", "deseasonalised", "usable", "holt_weights"]

ANCHORS = ("last", "drift", "seasonal", "sdiff", "level", "cycle", "ses", "holt")


@dataclass(frozen=True)
class Smoothing:
    """The weights of the smoothing anchors: ``ses`` its level weight alpha, ``holt`` (alpha, beta, phi).
    The defaults are the ses weight of models saved before the weights were fitted, and a middling Holt."""

    ses: float = 0.3
    holt: tuple[float, float, float] = (0.5, 0.1, 1.0)

    def weights(self, name: str, lookback: int, horizon: int) -> np.ndarray:
        """(L, H): the ``ses`` or ``holt`` forecast of each step ahead as weights on the window's rows."""
        if name == "ses":
            return np.repeat(_ses_weights(lookback, self.ses), horizon, axis=1)
        if name == "holt":
            return holt_weights(lookback, horizon, *self.holt)
        raise ValueError(f"anchor {name!r} has no smoothing weights; 'ses' and 'holt' have")

    def tensor(self, name: str, lookback: int, horizon: int, like: Tensor) -> Tensor:
        """``weights`` as a tensor of ``like``'s dtype and device, made once (a forward pass only reads it)."""
        return _weight_tensor(self, name, lookback, horizon, like.dtype, like.device)


@lru_cache(maxsize=512)
def _weight_tensor(smoothing: Smoothing, name: str, lookback: int, horizon: int, dtype: torch.dtype,
                   device: torch.device) -> Tensor:
    return torch.tensor(smoothing.weights(name, lookback, horizon), dtype=dtype, device=device)  # (L, H)


NEEDS = {"drift": "lookback >= 2", "seasonal": "a season > 1 and lookback >= season",
         "sdiff": "a season > 1 and lookback > season", "cycle": "a season > 1 and lookback >= 2 seasons",
         "holt": "lookback >= 3", "level": "nothing more", "ses": "nothing more"}  # what ``usable`` asks of each


def usable(lookback: int, season: int) -> tuple[str, ...]:
    """The anchors a window of ``lookback`` rows can compute for ``season`` (seasonal ones need s > 1)."""
    names = ["last"] + (["drift"] if lookback >= 2 else [])
    if 1 < season <= lookback:
        names.append("seasonal")
    if 1 < season < lookback:
        names.append("sdiff")
    names.append("level")
    if 1 < season and 2 * season <= lookback:
        names.append("cycle")
    return tuple(names) + ("ses",) + (("holt",) if lookback >= 3 else ())


def anchor_values(x: Tensor, horizon: int, season: int, names: tuple[str, ...],
                  smoothing: Smoothing = Smoothing()) -> Tensor:
    """The anchors ``names`` of each window of ``x``.

    x: (N, L) one channel of each window -> (N, M, H), M = len(names)

    >>> x = torch.tensor([[1.0, 2.0, 3.0, 5.0]])             # L = 4, season 2
    >>> anchor_values(x, 3, 2, ("last", "drift", "seasonal", "sdiff"))[0].tolist()
    [[5.0, 5.0, 5.0], [6.333333492279053, 7.666666507720947, 9.0], [3.0, 5.0, 3.0], [5.5, 7.5, 8.0]]
    """
    n, lookback = x.shape
    steps = torch.arange(horizon, device=x.device)  # (H,)
    last = x[:, -1:]  # (N, 1)
    out, adjusted = [], None
    for name in names:
        if name == "last":
            out.append(last.expand(n, horizon))  # (N, H)
        elif name == "drift":
            slope = (x[:, -1:] - x[:, :1]) / max(lookback - 1, 1)  # (N, 1)
            out.append(last + slope * (steps + 1).to(x.dtype))  # (N, H)
        elif name in ("seasonal", "sdiff"):
            if season > lookback or (name == "sdiff" and season >= lookback):
                raise ValueError(f"anchor {name!r} needs lookback > season; got lookback={lookback}, season={season}")
            seasonal = x[:, lookback - season + steps % season]  # (N, H)
            if name == "sdiff":
                growth = (x[:, season:] - x[:, :-season]).mean(dim=1, keepdim=True)  # (N, 1) per season
                seasonal = seasonal + growth * (1 + steps // season).to(x.dtype)  # (N, H)
            out.append(seasonal)
        elif name == "level":
            k = min(lookback, max(season, 3))
            out.append(x[:, -k:].mean(dim=1, keepdim=True).expand(n, horizon))  # (N, H)
        elif name == "cycle":
            out.append(_cycle(x, horizon, season)[0])  # (N, H)
        elif name in ("ses", "holt"):
            if adjusted is None:  # once for both
                adjusted, ahead = deseasonalised(x, horizon, season)  # (N, L), (N, H)
            out.append(adjusted @ smoothing.tensor(name, lookback, horizon, x) + ahead)  # (N, H)
        else:
            raise ValueError(f"unknown anchor {name!r}; expected one of {ANCHORS}")
    return torch.stack(out, dim=1)  # (N, M, H)


def _cycle(x: Tensor, horizon: int, season: int) -> tuple[Tensor, Tensor]:
    """The ``cycle`` anchor and its seasonal profile. x: (N, L) -> (N, H), (N, s)"""
    n, lookback = x.shape
    c = lookback // season
    if c < 2:
        raise ValueError(f"anchor 'cycle' needs lookback >= 2 * season; got lookback={lookback}, season={season}")
    blocks = x[:, lookback - c * season :].reshape(n, c, season)  # (N, c, s)  whole seasons, ending at L-1
    means = blocks.mean(dim=2)  # (N, c)
    profile = (blocks - means[..., None]).mean(dim=1)  # (N, s)  phase k: rows L - s + k, L + k, ...
    slope = (means[:, -1:] - means[:, :1]) / ((c - 1) * season)  # (N, 1) per row
    steps = torch.arange(horizon, device=x.device)  # (H,)
    ahead = ((season - 1) / 2 + steps + 1).to(x.dtype)  # (H,)  rows from the last season's centre
    return means[:, -1:] + slope * ahead + profile[:, steps % season], profile  # (N, H), (N, s)


def deseasonalised(x: Tensor, horizon: int, season: int) -> tuple[Tensor, Tensor]:
    """The window less its ``cycle`` profile, and the profile of the H steps ahead (zeros without two whole
    seasons). x: (N, L) -> (N, L), (N, H)"""
    n, lookback = x.shape
    if not (1 < season and 2 * season <= lookback):
        return x, torch.zeros(n, horizon, dtype=x.dtype, device=x.device)
    profile = _cycle(x, horizon, season)[1]  # (N, s)
    phase = (torch.arange(lookback, device=x.device) - lookback) % season  # (L,) phase of each row
    steps = torch.arange(horizon, device=x.device)  # (H,)
    return x - profile[:, phase], profile[:, steps % season]


@lru_cache(maxsize=256)
def _ses_weights(lookback: int, alpha: float) -> np.ndarray:
    """(L, 1): the smoothed level as weights on the rows, renormalised (the level starts where the window does)."""
    age = np.arange(lookback - 1, -1, -1, dtype="float64")  # rows before the last
    weights = alpha * (1 - alpha) ** age
    weights = (weights / weights.sum())[:, None]
    weights.setflags(write=False)  # cached: shared by every caller
    return weights


@lru_cache(maxsize=256)
def holt_weights(lookback: int, horizon: int, alpha: float, beta: float, phi: float) -> np.ndarray:
    """(L, H): the damped-trend forecast of each step ahead as weights on the window's rows. The state starts
    from the window's least-squares line one row before it, then takes the rows in order:
    l_t = alpha x_t + (1 - alpha)(l + phi b),  b_t = beta (l_t - l) + (1 - beta) phi b;
    step h forecasts l + (phi + ... + phi^h) b. The level's weights sum to 1 and the trend's to 0, so the
    forecast follows a shifted or scaled window exactly."""
    t = np.arange(lookback, dtype="float64")
    centred = t - t.mean()
    slope = centred / (centred @ centred) if lookback > 1 else np.zeros(1)  # (L,) least-squares slope
    level = np.full(lookback, 1.0 / lookback) - (t.mean() + 1) * slope  # (L,) the line one row before the first
    for row in range(lookback):
        new = (1 - alpha) * (level + phi * slope)
        new[row] += alpha
        slope, level = beta * (new - level) + (1 - beta) * phi * slope, new
    damped = np.cumsum(phi ** np.arange(1, horizon + 1))  # (H,)
    weights = level[:, None] + slope[:, None] * damped[None, :]
    weights.setflags(write=False)  # cached: shared by every caller
    return weights
