"""LSTM networks: pure nn.Modules, no numpy, no pandas, no I/O.

Shape symbols:  N windows in a batch   L lookback   F input features   H horizon
                C channels normalised per window (the target and numeric features)
                Q quantiles of a quantile head (the median among them)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["NetConfig", "ForecastNet", "PinballLoss", "WINDOW_NORMS"]

WINDOW_NORMS = ("none", "mean", "last")


@dataclass(frozen=True)
class NetConfig:
    """Everything needed to rebuild the network; saved in the model's config.json."""

    input_size: int
    horizon: int
    hidden_size: int = 64
    num_layers: int = 2
    dropout: float = 0.0
    window_norm: str = "last"
    n_normalised: int = 1  # leading channels that window_norm applies to; channel 0 is the target
    quantiles: tuple[float, ...] = ()  # a quantile head: ascending, 0.5 included; () for a point head

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantiles", tuple(float(q) for q in self.quantiles))  # JSON gives a list


class ForecastNet(nn.Module):
    """Encode a window with an LSTM; emit all H steps at once from the last step's state.

    With ``window_norm`` the first C channels of each window are expressed relative to the window itself
    (``mean``: minus its mean, divided by its standard deviation; ``last``: minus its last value, divided by
    its standard deviation), and the output is mapped back with the target channel's numbers. The network
    then learns shapes, not levels, so it can forecast a level it never saw in training (a trend).

    With ``quantiles`` the head emits Q values per step, trained with the pinball loss. They cannot cross:
    the head gives the median and positive (softplus) increments that are summed outwards from it.
    ``forward`` then returns the median; ``quantiles`` all Q.

    forward(x): (N, L, F) -> (N, H)
    quantiles(x): (N, L, F) -> (N, H, Q)
    """

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        self.lstm = nn.LSTM(
            input_size=config.input_size,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.n_quantiles = len(config.quantiles)
        self.median = config.quantiles.index(0.5) if config.quantiles else 0
        self.head = nn.Linear(config.hidden_size, config.horizon * max(self.n_quantiles, 1))

    def forward(self, x: Tensor) -> Tensor:
        y = self._unscaled(x)  # (N, H) or (N, H, Q)
        return y[..., self.median] if self.n_quantiles else y  # (N, H)

    def quantiles(self, x: Tensor) -> Tensor:
        """All Q quantiles of each step, ascending. x: (N, L, F) -> (N, H, Q)"""
        if not self.n_quantiles:
            raise ValueError("this network has a point head; it was not trained with quantiles")
        return self._unscaled(x)

    def _unscaled(self, x: Tensor) -> Tensor:
        y, loc, scale = self._forward(x)  # (N, H[, Q]), (N, 1)
        if loc is None:
            return y
        if y.dim() == 3:
            loc, scale = loc[..., None], scale[..., None]  # (N, 1, 1)
        return y * scale + loc  # back to the input's scale

    def loss(self, x: Tensor, y: Tensor, loss_fn: nn.Module) -> Tensor:
        """Training loss, measured relative to each window (so every window weighs the same whatever
        its level) when window_norm is on. x: (N, L, F), y: (N, H) -> scalar"""
        y_hat, loc, scale = self._forward(x)  # (N, H) or (N, H, Q)
        if loc is None:
            return loss_fn(y_hat, y)
        return loss_fn(y_hat, (y - loc) / scale)

    def _forward(self, x: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """-> head output (N, H) in window units, target loc (N, 1) and scale (N, 1) (None without norm)"""
        loc, scale = self._window_stats(x)  # (N, 1, C) each, or None
        if loc is not None:
            c = self.config.n_normalised
            scaled = (x[..., :c] - loc) / scale  # (N, L, C)
            x = scaled if c == x.shape[-1] else torch.cat([scaled, x[..., c:]], dim=-1)  # (N, L, F)
        out, _ = self.lstm(x)  # (N, L, hidden)
        y = self.head(out[:, -1, :])  # (N, H * Q)  state after the last observed step
        if self.n_quantiles:
            y = self._ordered(y.view(len(y), self.config.horizon, self.n_quantiles))  # (N, H, Q)
        if loc is None:
            return y, None, None
        return y, loc[:, :, 0], scale[:, :, 0]

    def _ordered(self, raw: Tensor) -> Tensor:
        """Non-crossing quantiles: the median, then softplus increments summed outwards. (N, H, Q) -> same"""
        m = self.median
        mid = raw[..., m : m + 1]  # (N, H, 1)
        up = mid + torch.cumsum(F.softplus(raw[..., m + 1 :]), dim=-1)  # (N, H, Q - m - 1)
        down = mid - torch.cumsum(F.softplus(raw[..., :m]).flip(-1), dim=-1).flip(-1)  # (N, H, m)
        return torch.cat([down, mid, up], dim=-1)

    def _window_stats(self, x: Tensor) -> tuple[Tensor, Tensor] | tuple[None, None]:
        mode = self.config.window_norm
        if mode == "none":
            return None, None
        cont = x[..., : self.config.n_normalised]  # (N, L, C)
        scale = torch.sqrt(cont.var(dim=1, keepdim=True, unbiased=False) + 1e-3)  # (N, 1, C)
        loc = cont.mean(dim=1, keepdim=True) if mode == "mean" else cont[:, -1:, :]  # (N, 1, C)
        return loc, scale


class PinballLoss(nn.Module):
    """Mean pinball (quantile) loss over windows, steps and quantiles.

    forward(y_hat (N, H, Q), y (N, H)) -> scalar; for quantile q and error u = y - y_hat: max(q u, (q - 1) u)
    """

    def __init__(self, quantiles: tuple[float, ...]) -> None:
        super().__init__()
        self.register_buffer("q", torch.tensor(quantiles, dtype=torch.float32))

    def forward(self, y_hat: Tensor, y: Tensor) -> Tensor:
        u = y[..., None] - y_hat  # (N, H, Q)
        return torch.maximum(self.q * u, (self.q - 1) * u).mean()
