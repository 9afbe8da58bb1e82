"""Calibration for conformal intervals: the errors a trained network makes on the validation part.

After training, the network forecasts the validation part (the end of the training part, never trained on)
from every origin that reaches it, and keeps the absolute errors of each step ahead j = 1..H, in units of
each series' scale (so a global model over series of different sizes pools them fairly). They are saved in
the model file; ``intervals`` turns them into bounds.

Shape symbols:  O origins   H horizon   L lookback   F features   R buffer rows   S series
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from ..exceptions import ConfigError
from .inference import known_future, predict_inputs
from .windows import gather_inputs

__all__ = ["Calibration", "calibrate"]

MAX_ORIGINS = 4096  # calibration origins kept (evenly spaced) on long data: enough for 0.1 % resolution


@dataclass
class Calibration:
    """Absolute errors on the validation part, per step ahead, in units of each series' scale.

    scores: H arrays, scores[j] (n_j,) ascending = |actual - forecast| / scale for step j + 1
    """

    scores: list[np.ndarray]

    def half_width(self, level: float) -> np.ndarray:
        """(H,) conformal half-width of each step for one level, in scale units."""
        out = np.empty(len(self.scores))
        for j, s in enumerate(self.scores):
            n = len(s)
            k = math.ceil((n + 1) * level - 1e-9)  # rank of the conformal quantile (1-based)
            if k > n:
                need = math.ceil(level / (1 - level) - 1e-9)
                raise ConfigError(
                    f"a {level:g} conformal interval needs at least {need} validation errors per step, but step "
                    f"{j + 1} has {n}. Use a lower level, or retrain with a larger --val-size (at least {need} steps)."
                )
            out[j] = s[k - 1]
        return out

    def to_dict(self) -> dict:
        return {"units": "scale of each series", "scores": [s.tolist() for s in self.scores]}

    @classmethod
    def from_dict(cls, state: dict) -> Calibration:
        return cls([np.asarray(s, dtype="float64") for s in state["scores"]])


@torch.inference_mode()
def calibrate(
    net: nn.Module, buffer: Tensor, offsets: np.ndarray, target: np.ndarray, lookback: int, first: np.ndarray,
    end: np.ndarray,
) -> Calibration:
    """Errors of every step ahead whose target row lies in the validation part.

    buffer (R, F) scaled inputs; offsets (S + 1,); target (R,) scaled target, NaN where it was missing;
    first, end (S,) the validation part as positions within each series: rows first <= t < end.
    """
    horizon = net.config.horizon
    lo = np.maximum(first - horizon + 1, lookback)  # earliest origin whose step H lands in the part
    counts = np.maximum(end - lo, 0)
    series = np.repeat(np.arange(len(counts)), counts)
    origins = offsets[:-1][series] + lo[series] + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    if len(origins) > MAX_ORIGINS:
        keep = np.linspace(0, len(origins) - 1, MAX_ORIGINS).round().astype(np.int64)
        origins, series = origins[keep], series[keep]
    at = torch.as_tensor(origins, device=buffer.device)
    x = gather_inputs(buffer, at, lookback)  # (O, L, F)
    future = known_future(net, buffer, at, horizon, offsets[1:][series] - 1)
    forecast = predict_inputs(net, x, future=future).cpu().numpy().astype("float64")  # (O, H), NaN at a gap
    rows = origins[:, None] + np.arange(horizon)  # (O, H) target rows
    position = rows - offsets[:-1][series][:, None]
    inside = (position >= first[series][:, None]) & (position < end[series][:, None])
    error = np.abs(target[np.minimum(rows, len(target) - 1)] - forecast)  # (O, H)
    scores = [np.sort(error[inside[:, j] & np.isfinite(error[:, j]), j]).round(6) for j in range(horizon)]
    return Calibration(scores)
