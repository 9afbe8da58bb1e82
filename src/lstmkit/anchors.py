"""Anchors: simple forecasts computed from a window itself, which a ForecastNet corrects (it learns the
remainder, not the level or the season). Torch only, no data handling.

Each anchor gives, for every window and step j = 0..H-1 after its last row (index L-1), one value on the
window's own scale:

- ``last``:     x[L-1]                                        (naive)
- ``drift``:    x[L-1] + (j + 1) (x[L-1] - x[0]) / (L - 1)     (the window's straight-line trend)
- ``seasonal``: x[L - s + j mod s]                             (seasonal naive, season s)
- ``sdiff``:    seasonal + (1 + j div s) * mean_t(x[t] - x[t-s]) over the window (seasonal naive plus the
                window's average growth per season)

``seasonal`` needs L >= s, ``sdiff`` L >= s + 1; ``usable`` lists the ones a lookback allows.

Shape symbols:  N windows   L lookback   H horizon   M anchors
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["ANCHORS", "anchor_values", "usable"]

ANCHORS = ("last", "drift", "seasonal", "sdiff")


def usable(lookback: int, season: int) -> tuple[str, ...]:
    """The anchors a window of ``lookback`` rows can compute for ``season`` (seasonal ones need s > 1)."""
    names = ["last"] + (["drift"] if lookback >= 2 else [])
    if 1 < season <= lookback:
        names.append("seasonal")
    if 1 < season < lookback:
        names.append("sdiff")
    return tuple(names)


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
        else:
            raise ValueError(f"unknown anchor {name!r}; expected one of {ANCHORS}")
    return torch.stack(out, dim=1)  # (N, M, H)
