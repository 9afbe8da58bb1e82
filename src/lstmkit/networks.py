"""Every lstmkit network: one LSTM encoder and a head per task. Pure nn.Modules, no pandas, no I/O.

- ``LSTMEncoder``: an LSTM over each input -> one vector per input. Forecasting windows all have L steps and
  run straight through ``nn.LSTM``; whole sequences of different lengths run packed (so padding never
  changes an output), or step by step with a relu cell (``layers.ReluLSTM``).
- ``ForecastNet``: the encoder over a window (optionally normalised per window), a linear head that emits
  all H steps at once (or Q quantiles of each); with known-future or static covariates, a decoder adds, to
  each step, a small MLP of [encoder state, that step's future covariates, the static ones, the step].
- ``SequenceNet``: the encoder over a whole sequence, beside the FCN branch for LSTM-FCN; a linear head of K
  outputs (class logits or regression values).

The ``*Config`` dataclasses hold everything needed to rebuild a network; they are saved in config.json, and
their annotations are the schema that a loaded file is checked against.

Shape symbols:  N windows or sequences in a batch   L lookback or longest sequence   F input features
                H horizon   Q quantiles   C channels normalised per window   D hidden_size * directions
                K outputs (classes or targets)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Literal

import msgspec
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._validation import Fraction, NonNegativeInt, PositiveInt
from .anchors import ANCHORS, Smoothing, anchor_values
from .layers import ConvBranch, ReluLSTM, instance_norm, pool_steps, step_mask

__all__ = [
    "NetConfig", "ForecastNet", "ForecastEnsemble", "build_forecast_net", "PinballLoss", "SequenceNetConfig", "SequenceNet", "LSTMEncoder",
    "WINDOW_NORMS", "ARCHS", "READOUTS", "CELL_ACTIVATIONS", "SEQUENCE_NORMS",
]

WINDOW_NORMS = ("none", "mean", "last", *ANCHORS[1:], "auto")  # what Forecaster(window_norm=...) takes
ARCHS = ("lstm_fcn", "lstm")
SEQUENCE_NORMS = ("none", "instance", "both")
READOUTS = ("last", "mean")
CELL_ACTIVATIONS = ("tanh", "relu")

HiddenSize = Annotated[int, msgspec.Meta(ge=1, le=8192)]
Layers = Annotated[int, msgspec.Meta(ge=1, le=32)]
Steps = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Weight = Annotated[float, msgspec.Meta(ge=0, le=1)]
Alpha = Annotated[float, msgspec.Meta(gt=0, le=1)]


class LSTMEncoder(nn.Module):
    """LSTM over the real steps of each input -> one vector per input.

    readout 'last': the state after the last real step (forward direction; the backward direction's state
    after reading back to the first step); 'mean': the mean of the outputs over the real steps.
    cell_activation 'tanh': ``nn.LSTM`` (the fused kernel; packed when lengths are given);
    'relu': ``layers.ReluLSTM``, step by step (what Keras' ``LSTM(activation='relu')`` computes).

    forward(x, lengths=None, mask=None): (N, L, F), (N,) on the CPU (what packing reads), (N, L) -> (N, D).
    Without lengths every input has all L steps (forecasting windows).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0,
                 bidirectional: bool = False, readout: str = "last", cell_activation: str = "tanh") -> None:
        super().__init__()
        self.readout = readout
        self.directions = 2 if bidirectional else 1
        self.width = hidden_size * self.directions
        kwargs = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
                      dropout=dropout if num_layers > 1 else 0.0, bidirectional=bidirectional)
        self.relu = cell_activation == "relu"
        self.lstm = ReluLSTM(**kwargs) if self.relu else nn.LSTM(batch_first=True, **kwargs)

    def forward(self, x: Tensor, lengths: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        if self.relu:
            mask = mask if mask is not None else x.new_ones(x.shape[:2], dtype=torch.bool)
            out, last = self.lstm(x, mask)  # (N, L, D), (N, D)
        else:
            packed = lengths is not None
            source = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False) if packed else x
            out, (h, _) = self.lstm(source)  # h: (layers * dirs, N, H)
            if self.directions == 1:
                last = h[-1]  # (N, H) the last layer
            else:
                h = h.view(self.lstm.num_layers, 2, x.shape[0], -1)[-1]  # (2, N, H) the last layer
                last = h.transpose(0, 1).reshape(x.shape[0], self.width)  # (N, D) forward end, backward start
            if self.readout == "mean" and packed:
                out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])  # (N, L, D)
        if self.readout == "last":
            return last
        if mask is None:
            return out.mean(dim=1)  # (N, D)
        return out.sum(dim=1) / mask.sum(dim=1, keepdim=True).to(out.dtype)  # (N, D) padding rows are zero


# ---- forecasting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetConfig:
    """A ForecastNet: its sizes, per-window normalisation and quantiles."""

    input_size: PositiveInt
    horizon: Steps
    hidden_size: HiddenSize = 64
    num_layers: Layers = 1
    dropout: Fraction = 0.0
    window_norm: Literal["none", "mean", "last", "anchor"] = "last"
    n_normalised: NonNegativeInt = 1  # leading channels that window_norm applies to; channel 0 is the target
    anchors: tuple[Literal["last", "drift", "seasonal", "sdiff", "level", "cycle", "ses", "holt"], ...] = ()  # window_norm="anchor": one per step
    season: PositiveInt = 1  # the season the seasonal anchors use
    ses_alpha: Alpha = Smoothing.ses  # the ses anchor's level weight (fitted on the training windows)
    holt: tuple[Alpha, Weight, Weight] = Smoothing.holt  # the holt anchor's (alpha, beta, phi), fitted likewise
    members: PositiveInt = 1  # > 1: an ensemble of this many networks, combined by the median
    quantiles: tuple[float, ...] = ()  # a quantile head: ascending, 0.5 included; () for a point head
    n_future: NonNegativeInt = 0  # known-future channels: the block before the static ones (prep.blocks)
    n_static: NonNegativeInt = 0  # static channels: the last ones

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantiles", tuple(float(q) for q in self.quantiles))  # JSON gives a list
        object.__setattr__(self, "anchors", tuple(self.anchors))
        object.__setattr__(self, "holt", tuple(float(w) for w in self.holt))  # JSON gives a list
        if (self.window_norm == "anchor") != bool(self.anchors) or (self.anchors and len(self.anchors) != self.horizon):
            raise ValueError(f"window_norm='anchor' needs one anchor per step (horizon = {self.horizon}); got "
                             f"window_norm={self.window_norm!r}, anchors={list(self.anchors)}")
        if self.quantiles and (0.5 not in self.quantiles or list(self.quantiles) != sorted(set(self.quantiles))):
            raise ValueError(f"quantiles must ascend and include 0.5; got {list(self.quantiles)}")
        if self.n_normalised + self.n_future + self.n_static > self.input_size:
            raise ValueError(f"n_normalised + n_future + n_static = {self.n_normalised + self.n_future + self.n_static}"
                             f" exceeds input_size = {self.input_size}")

    @property
    def future_slice(self) -> slice:
        """The known-future channels of an input row."""
        end = self.input_size - self.n_static
        return slice(end - self.n_future, end)

    @property
    def decodes(self) -> bool:
        return bool(self.n_future or self.n_static)


class ForecastNet(nn.Module):
    """Encode a window with the LSTM encoder; emit all H steps at once from the last step's state.

    With ``window_norm`` the first C channels of each window are expressed relative to the window itself
    (``mean``: minus its mean, divided by its standard deviation; ``last``: minus its last value, divided by
    its standard deviation), and the output is mapped back with the target channel's numbers. The network
    then learns shapes, not levels, so it can forecast a level it never saw in training (a trend).

    With ``quantiles`` the head emits Q values per step, trained with the pinball loss. They cannot cross:
    the head gives the median and positive (softplus) increments that are summed outwards from it.
    ``forward`` then returns the median; ``quantiles`` all Q.

    With known-future covariates (``n_future`` channels, Fk) and static ones (``n_static``, Fs), each step
    j also gets MLP([state, future_j, static, one-hot j]) (MQ-RNN's local decoder): a step's covariates move
    that step's forecast only.

    forward(x, future=None): (N, L, F), (N, H, Fk) -> (N, H)
    quantiles(x, future=None): (N, L, F), (N, H, Fk) -> (N, H, Q)
    """

    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = LSTMEncoder(config.input_size, config.hidden_size, config.num_layers, config.dropout)
        self.n_quantiles = len(config.quantiles)
        self.median = config.quantiles.index(0.5) if config.quantiles else 0
        self.head = nn.Linear(config.hidden_size, config.horizon * max(self.n_quantiles, 1))
        self.decoder = None
        if config.decodes:
            width = config.hidden_size + config.n_future + config.n_static + config.horizon
            self.decoder = nn.Sequential(
                nn.Linear(width, config.hidden_size), nn.ReLU(), nn.Linear(config.hidden_size, max(self.n_quantiles, 1))
            )
            self.register_buffer("steps", torch.eye(config.horizon), persistent=False)  # (H, H) one-hot step
        self.anchor_names = tuple(dict.fromkeys(config.anchors))  # the distinct anchors, in order of first use
        index = [self.anchor_names.index(a) for a in config.anchors]
        self.register_buffer("anchor_index", torch.tensor(index, dtype=torch.long), persistent=False)  # (H,)
        self.smoothing = Smoothing(config.ses_alpha, config.holt)

    def forward(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        y = self._unscaled(x, future)  # (N, H) or (N, H, Q)
        return y[..., self.median] if self.n_quantiles else y  # (N, H)

    def quantiles(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        """All Q quantiles of each step, ascending. x: (N, L, F), future: (N, H, Fk) -> (N, H, Q)"""
        if not self.n_quantiles:
            raise ValueError("this network has a point head; it was not trained with quantiles")
        return self._unscaled(x, future)

    def _unscaled(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        y, loc, scale = self._forward(x, future)  # (N, H[, Q]), (N, 1)
        if loc is None:
            return y
        if y.dim() == 3:
            loc, scale = loc[..., None], scale[..., None]  # (N, 1, 1)
        return y * scale + loc  # back to the input's scale

    def loss(self, inputs: Tensor | tuple[Tensor, Tensor], y: Tensor, loss_fn: nn.Module) -> Tensor:
        """Training loss, measured relative to each window (so every window weighs the same whatever
        its level) when window_norm is on. inputs: x (N, L, F) or (x, future (N, H, Fk)), y: (N, H) -> scalar"""
        x, future = inputs if isinstance(inputs, tuple) else (inputs, None)
        y_hat, loc, scale = self._forward(x, future)  # (N, H) or (N, H, Q)
        if loc is None:
            return loss_fn(y_hat, y)
        return loss_fn(y_hat, (y - loc) / scale)

    def _forward(self, x: Tensor, future: Tensor | None = None) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """-> head output (N, H) in window units, target loc (N, 1) and scale (N, 1) (None without norm)"""
        loc, scale = self._window_stats(x)  # (N, 1, C) each, or None
        if loc is not None:
            c = self.config.n_normalised
            scaled = (x[..., :c] - loc) / scale  # (N, L, C)
            x = scaled if c == x.shape[-1] else torch.cat([scaled, x[..., c:]], dim=-1)  # (N, L, F)
        state = self.encoder(x)  # (N, D)  after the last observed step
        y = self.head(state)  # (N, H * Q)
        if self.decoder is not None:
            y = y + self._decode(state, x, future).flatten(1)  # (N, H * Q)
        if self.n_quantiles:
            y = self._ordered(y.view(y.shape[0], self.config.horizon, self.n_quantiles))  # (N, H, Q)
        if self.anchor_names:  # the network forecasts the remainder after the anchor of each step
            with torch.autocast(x.device.type, enabled=False):  # float32 under bf16 autocast too (matrix products)
                anchor = self._anchor(x[..., 0].float())  # (N, H)
            y = y + (anchor if y.dim() == 2 else anchor[..., None])  # (N, H[, Q])
        if loc is None:
            return y, None, None
        return y, loc[:, :, 0], scale[:, :, 0]

    def _decode(self, state: Tensor, x: Tensor, future: Tensor | None) -> Tensor:
        """The local decoder: (N, D), (N, L, F), (N, H, Fk) -> (N, H, Q or 1)"""
        h = self.config.horizon  # (sizes from the tensors, not Python ints: the batch stays dynamic in ONNX)
        parts = [state[:, None, :].expand(-1, h, -1)]  # (N, H, D)
        if self.config.n_future:
            if future is None:
                raise ValueError("this network forecasts with known-future covariates: pass future (N, H, Fk)")
            parts.append(future)  # (N, H, Fk)
        if self.config.n_static:
            parts.append(x[:, -1:, x.shape[-1] - self.config.n_static :].expand(-1, h, -1))  # (N, H, Fs)
        parts.append(self.steps[None] + torch.zeros_like(state[:, :1, None]))  # (N, H, H)
        return self.decoder(torch.cat(parts, dim=-1))  # (N, H, Q)

    def _anchor(self, target: Tensor) -> Tensor:
        """Each step's anchor, on the normalised window. target: (N, L) -> (N, H)"""
        values = anchor_values(target, self.config.horizon, self.config.season, self.anchor_names, self.smoothing)  # (N, M, H)
        steps = torch.arange(self.config.horizon, device=target.device)  # (H,)
        return values[:, self.anchor_index, steps]  # (N, H)

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
        if mode == "anchor" and cont.shape[1] > 1:  # the window's typical step: anchors' errors are steps' size
            scale = (cont[:, 1:] - cont[:, :-1]).abs().mean(dim=1, keepdim=True) + 1e-3  # (N, 1, C)
        else:
            scale = torch.sqrt(cont.var(dim=1, keepdim=True, unbiased=False) + 1e-3)  # (N, 1, C)
        loc = cont.mean(dim=1, keepdim=True) if mode == "mean" else cont[:, -1:, :]  # (N, 1, C)  anchor: last
        return loc, scale


class ForecastEnsemble(nn.Module):
    """``config.members`` ForecastNets (trained with different seeds), combined step by step by the median,
    which one bad member cannot drag away. Same interface as ForecastNet.

    forward(x, future=None): (N, L, F), (N, H, Fk) -> (N, H)
    quantiles(x, future=None): (N, L, F), (N, H, Fk) -> (N, H, Q)
    """

    def __init__(self, config: NetConfig, members: list[ForecastNet] | None = None) -> None:
        super().__init__()
        self.config = config
        one = replace(config, members=1)
        self.members = nn.ModuleList(members or [ForecastNet(one) for _ in range(config.members)])
        self.n_quantiles, self.median = self.members[0].n_quantiles, self.members[0].median

    def forward(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        return _median(torch.stack([m(x, future) for m in self.members]))  # (N, H)

    def quantiles(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        q = _median(torch.stack([m.quantiles(x, future) for m in self.members]))  # (N, H, Q)
        return q.sort(dim=-1).values  # medians of ordered quantiles stay ordered; sorting guards ties


def _median(stacked: Tensor) -> Tensor:
    """The (lower) median over the first axis, as torch.median gives it, through sort (ONNX has no median).
    (M, ...) -> (...)"""
    return stacked.sort(dim=0).values[(stacked.shape[0] - 1) // 2]


def build_forecast_net(config: NetConfig) -> ForecastNet | ForecastEnsemble:
    """The network ``config`` describes: one ForecastNet, or an ensemble of ``config.members``."""
    return ForecastEnsemble(config) if config.members > 1 else ForecastNet(config)


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


# ---- whole sequences ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceNetConfig:
    """A SequenceNet: the encoder's settings, the FCN branch's filters and kernels, K outputs."""

    input_size: PositiveInt
    n_outputs: PositiveInt
    arch: Literal["lstm_fcn", "lstm"] = "lstm_fcn"
    hidden_size: HiddenSize = 64
    num_layers: Layers = 1
    bidirectional: bool = False
    readout: Literal["last", "mean"] = "last"
    dropout: Fraction = 0.2
    cell_activation: Literal["tanh", "relu"] = "tanh"
    filters: tuple[Annotated[int, msgspec.Meta(ge=1, le=4096)], ...] = (128, 256, 128)
    kernels: tuple[Annotated[int, msgspec.Meta(ge=1, le=1024)], ...] = (8, 5, 3)
    # The defaults below are what models saved before they existed computed (no pooling, no normalisation).
    # "instance": each sequence's channels to zero mean, unit variance over its real steps; "both": those
    # beside the (globally scaled) channels as given, 2F channels; "none": as given
    sequence_norm: Literal["none", "instance", "both"] = "none"
    pool: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1  # steps averaged into one before both branches
    lstm_pool: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 1  # and again, for the LSTM branch only

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", tuple(self.filters))  # JSON gives lists
        object.__setattr__(self, "kernels", tuple(self.kernels))
        if len(self.filters) != len(self.kernels) or not self.filters:
            raise ValueError(f"filters and kernels must pair up; got {list(self.filters)} and {list(self.kernels)}")


class SequenceNet(nn.Module):
    """A plain LSTM classifier/regressor, or LSTM-FCN (Karim et al. 2018) when ``arch='lstm_fcn'``.

    lstm:      LSTM encoder (last state, or mean over the real steps) -> dropout -> linear
    lstm_fcn:  the same LSTM branch, beside three Conv1d -> BatchNorm -> ReLU blocks (128/256/128 filters,
               kernels 8/5/3) ending in global average pooling; both concatenated -> linear.
               The LSTM reads the sequence in time order (not the paper's "dimension shuffle", which needs
               one fixed length), so it also serves variable-length data.

    Before both: ``sequence_norm`` (per sequence and channel, over its real steps), then average pooling of
    ``pool`` steps into one (``layers.pool_steps``: a fixed factor, real steps only, so padding never changes
    an output), and ``lstm_pool`` more for the LSTM branch: long sequences cost the convolutions L / pool
    steps and the LSTM L / (pool * lstm_pool) steps.

    forward(x, lengths): (N, L, F), (N,) -> (N, K) logits (classification) or values (regression)
    """

    def __init__(self, config: SequenceNetConfig) -> None:
        super().__init__()
        self.config = config
        width_in = config.input_size * (2 if config.sequence_norm == "both" else 1)  # what the branches read
        self.encoder = LSTMEncoder(
            width_in, config.hidden_size, config.num_layers, config.dropout, config.bidirectional,
            config.readout, config.cell_activation,
        )
        width = self.encoder.width
        self.fcn = None
        if config.arch == "lstm_fcn":
            self.fcn = ConvBranch(width_in, config.filters, config.kernels)
            width += config.filters[-1]
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(width, config.n_outputs)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        (x, lengths, mask), (x_lstm, lengths_lstm, mask_lstm) = self.inputs(x, lengths)
        features = [self.dropout(self.encoder(x_lstm, lengths_lstm, mask_lstm))]  # (N, D)
        if self.fcn is not None:
            features.append(self.fcn(x, mask))  # (N, C)
        return self.head(torch.cat(features, dim=-1))  # (N, K)

    def inputs(self, x: Tensor, lengths: Tensor) -> tuple[tuple[Tensor, Tensor, Tensor], tuple[Tensor, Tensor, Tensor]]:
        """What each branch reads: normalised and pooled steps, their lengths and mask, for the FCN branch
        (N, L / pool, F) and the LSTM branch (N, L / (pool * lstm_pool), F). Lengths stay on their device."""
        config = self.config
        if config.sequence_norm != "none":
            normed = instance_norm(x, step_mask(lengths, x.shape[1], x.device))  # (N, L, F)
            x = normed if config.sequence_norm == "instance" else torch.cat([x, normed], dim=-1)  # (N, L, F or 2F)
        x, lengths = pool_steps(x, lengths, config.pool)  # (N, L / pool, F), (N,)
        fcn = (x, lengths, step_mask(lengths, x.shape[1], x.device))
        if config.lstm_pool == 1:
            return fcn, fcn
        x, lengths = pool_steps(x, lengths, config.lstm_pool)  # (N, L / (pool * lstm_pool), F)
        return fcn, (x, lengths, step_mask(lengths, x.shape[1], x.device))

    def loss(self, inputs: tuple[Tensor, Tensor], y: Tensor, loss_fn: nn.Module) -> Tensor:
        """inputs: (x (N, L, F), lengths (N,)), y: (N,) class indices or (N, K) values -> scalar"""
        return loss_fn(self(*inputs), y)
