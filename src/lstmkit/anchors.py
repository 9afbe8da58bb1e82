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
- ``ses``:      exponential smoothing (alpha 0.3) of the window, less the ``cycle`` profile when there are
                two whole seasons, the profile added back: a level that follows slowly, as ETS's does

``seasonal`` needs L >= s, ``sdiff`` L >= s + 1, ``cycle`` L >= 2 s; ``usable`` lists the ones a lookback allows.

Shape symbols:  N windows   L lookback   H horizon   M anchors
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["ANCHORS", "anchor_values", "usable"]

ANCHORS = ("last", "drift", "seasonal", "sdiff", "level", "cycle", "ses")
ALPHA = 0.3  # the ses anchor's smoothing weight


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
    return tuple(names) + ("ses",)


def anchor_values(x: Tensor, horizon: int, season: int, names: tuple[str, ...]) -> Tensor:
    """The anchors ``names`` of each window of ``x``.

    x: (N, L) one channel of each window -> (N, M, H), M = len(names)

    >>> x = torch.tensor([[1.0, 2.0, 3.0, 5.0]])             # L = 4, season 2
    >>> anchor_values(x, 3, 2, ("last", "drift", "seasonal", "sdiff"))[0].tolist()
    [[5.0, 5.0, 5.0], [6.333333492279053, 7.666666507720947, 9.0], [3.0, 5.0, 3.0], [5.5, 7.5, 8.0]]
    """
    n, lookback = x.shape
    steps = torch.arange(horizon, device=x.device)  # (H,)
    last = x[:, -1:]  # (N, 1)
    out = []
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
        elif name == "ses":
            out.append(_ses(x, horizon, season))  # (N, H)
        else:
            raise ValueError(f"unknown anchor {name!r}; expected one of {ANCHORS}")
    return torch.stack(out, dim=1)  # (N, M, H)


def _cycle(x: Tensor, horizon: int, season: int) -> Tensor:
    """The ``cycle`` anchor. x: (N, L) -> (N, H)"""
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


def _ses(x: Tensor, horizon: int, season: int) -> Tensor:
    """The ``ses`` anchor. x: (N, L) -> (N, H)"""
    n, lookback = x.shape
    steps = torch.arange(horizon, device=x.device)  # (H,)
    if 1 < season and 2 * season <= lookback:
        profile = _cycle(x, horizon, season)[1]  # (N, s)
        phase = (torch.arange(lookback, device=x.device) - lookback) % season  # (L,) phase of each row
        x, ahead = x - profile[:, phase], profile[:, steps % season]  # (N, L), (N, H)
    else:
        ahead = torch.zeros(n, horizon, dtype=x.dtype, device=x.device)  # (N, H)
    age = torch.arange(lookback - 1, -1, -1, device=x.device).to(x.dtype)  # (L,) rows before the last
    weights = ALPHA * (1 - ALPHA) ** age  # (L,)
    level = (x * weights).sum(dim=1, keepdim=True) / weights.sum()  # (N, 1)
    return level + ahead  # (N, H)
