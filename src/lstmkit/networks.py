"""LSTM networks: pure nn.Modules, no numpy, no pandas, no I/O.

Shape symbols:  N windows in a batch   L lookback   F input features   H horizon
                C channels normalised per window (the target and numeric features)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = ["NetConfig", "ForecastNet", "WINDOW_NORMS"]

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


class ForecastNet(nn.Module):
    """Encode a window with an LSTM; emit all H steps at once from the last step's state.

    With ``window_norm`` the first C channels of each window are expressed relative to the window itself
    (``mean``: minus its mean, divided by its standard deviation; ``last``: minus its last value, divided by
    its standard deviation), and the output is mapped back with the target channel's numbers. The network
    then learns shapes, not levels, so it can forecast a level it never saw in training (a trend).

    forward(x): (N, L, F) -> (N, H)
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
        self.head = nn.Linear(config.hidden_size, config.horizon)

    def forward(self, x: Tensor) -> Tensor:
        y, loc, scale = self._forward(x)
        return y if loc is None else y * scale + loc  # (N, H) back to the input's scale

    def loss(self, x: Tensor, y: Tensor, loss_fn: nn.Module) -> Tensor:
        """Training loss, measured relative to each window (so every window weighs the same whatever
        its level) when window_norm is on. x: (N, L, F), y: (N, H) -> scalar"""
        y_hat, loc, scale = self._forward(x)
        if loc is None:
            return loss_fn(y_hat, y)
        return loss_fn(y_hat, (y - loc) / scale)

    def _forward(self, x: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """-> head output (N, H) in window units, target loc (N, 1) and scale (N, 1) (None without norm)"""
        loc, scale = self._window_stats(x)  # (N, 1, C) each, or None
        if loc is not None:
            c = self.config.n_normalised
            x = torch.cat([(x[..., :c] - loc) / scale, x[..., c:]], dim=-1)  # (N, L, F)
        out, _ = self.lstm(x)  # (N, L, hidden)
        y = self.head(out[:, -1, :])  # (N, H)  state after the last observed step
        if loc is None:
            return y, None, None
        return y, loc[:, :, 0], scale[:, :, 0]

    def _window_stats(self, x: Tensor) -> tuple[Tensor, Tensor] | tuple[None, None]:
        mode = self.config.window_norm
        if mode == "none":
            return None, None
        cont = x[..., : self.config.n_normalised]  # (N, L, C)
        scale = torch.sqrt(cont.var(dim=1, keepdim=True, unbiased=False) + 1e-3)  # (N, 1, C)
        loc = cont.mean(dim=1, keepdim=True) if mode == "mean" else cont[:, -1:, :]  # (N, 1, C)
        return loc, scale
