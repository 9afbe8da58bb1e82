"""What a fitted forecaster is, frozen: the one object evaluation, intervals, backtests and reports read.

``FittedForecaster`` holds the trained network, the fitted preparation and the sizes and scales the fit
chose; it reads new data the way the training data was read (``panel``), checks that the data is long
enough (``check_length``) and continues the clock after each series' end (``future_times``). ``Forecaster``
builds one from its fitted attributes (``Forecaster.fitted()``); nothing downstream touches the estimator.

The ``*Section`` dataclasses are the forecaster's part of the model file's schema (``ForecasterFile``):
config.json is checked against them, field by field, before anything is built from it.

Shape symbols:  S series   K steps after the end
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, make_dataclass, replace

import numpy as np
import pandas as pd
import torch

from .._validation import NonNegativeInt, PositiveInt
from ..clock import future_times
from ..exceptions import DataError
from ..io import Columns, read_table
from ..networks import ForecastEnsemble, ForecastNet, NetConfig, build_forecast_net
from ..prep import Panel, Preparer, PrepState
from ..training import TrainConfig
from .calibration import Calibration
from .future_rows import split_future
from .metrics import seasonal_scale

__all__ = ["FittedForecaster", "FittedSection", "ForecasterFile", "SelectionSection"]


@dataclass(frozen=True)
class FittedForecaster:
    """A trained forecaster's network, preparation and the numbers its forecasts and scores depend on.

    mase_scale: (S_fitted,) in-sample seasonal-naive MAE of each fitted series' training part
    train_end:  the last training time of each fitted series (None in models saved before it was kept)
    val_lookback: the lookback the validation sizes were computed for (the base one when the lookback was
                chosen on validation; None: ``lookback``)
    """

    net: ForecastNet | ForecastEnsemble
    prep: Preparer
    lookback: int
    horizon: int
    season: int
    freq: str | None
    test_size: int
    mase_scale: np.ndarray
    calibration: Calibration | None
    train_end: list | None
    val_lookback: int | None = None

    @property
    def columns(self) -> Columns:
        return self.prep.columns

    @property
    def time_name(self) -> str:
        """The name of the time column in outputs: the data's, or ``step`` without one."""
        return self.columns.time_col or "step"

    @property
    def recursive_ok(self) -> bool:
        """Whether forecasts may run past H on their own outputs (only without covariates)."""
        return not self.columns.features and not self.columns.categorical

    def panel(self, data) -> tuple[Panel, torch.Tensor]:
        """``data`` read and prepared as the training data was: the Panel and its (R, F) buffer."""
        panel = self.prep.transform(read_table(data, self.columns))
        return panel, torch.from_numpy(panel.values)

    def prepared(self, data, *, holdout: int = 0, strict: bool = False, need: int = 0):
        """``data`` read, its future rows (empty targets at the end) left out, series the model never saw
        added (``with_series``) and series shorter than ``need`` rows skipped with one warning.
        -> (the FittedForecaster for this data, its Panel, the (R, F) buffer)"""
        frame, _ = split_future(read_table(data, self.columns), self.columns)
        fitted = self.with_series(frame, holdout, strict)
        frame = fitted.drop_short(frame, need)
        panel = fitted.prep.transform(frame)
        return fitted, panel, torch.from_numpy(panel.values)

    def with_series(self, frame: pd.DataFrame, holdout: int = 0, strict: bool = False) -> FittedForecaster:
        """This model, also for the series of ``frame`` it never saw: their scaling and MASE scale fitted on
        their own rows (all but the last ``holdout``), with a warning; ``strict`` refuses them instead."""
        if strict:
            _refuse_unknown(self.prep, frame)
            return self
        prep, new = self.prep.extended(frame, holdout)
        if not new:
            return self
        warnings.warn(
            f"{len(new)} series were not in the training data (e.g. {new[:3]}): their scaling was fitted on their "
            f"own history{f' before the last {holdout} rows' if holdout else ''}, and the network forecasts them as "
            "it learned. Pass strict=True (--strict) to refuse them instead.",
            UserWarning, stacklevel=4,
        )
        scales = [seasonal_scale(rows[self.columns.target].to_numpy(dtype="float64")[: len(rows) - holdout], self.season)
                  for _, rows in frame[frame[self.columns.id_col].isin(set(new))].groupby(self.columns.id_col, sort=False)]
        return replace(self, prep=prep, mase_scale=np.concatenate([self.mase_scale, scales]),
                       train_end=None if self.train_end is None else [*self.train_end, *([None] * len(new))])

    def drop_short(self, frame: pd.DataFrame, need: int) -> pd.DataFrame:
        """``frame`` without the series shorter than ``need`` rows (one warning); all of them short: an error."""
        col = self.columns.id_col
        if col is None or need <= 0:
            return frame
        lengths = frame.groupby(col, sort=False).size()
        short = lengths < need
        if short.all() or not short.any():
            return frame  # check_length gives the error that names the first one
        warnings.warn(
            f"{int(short.sum())} of {len(lengths)} series are too short for the model (fewer than {need} rows, e.g. "
            f"{list(lengths.index[short][:3])}) and were skipped.",
            UserWarning, stacklevel=4,
        )
        return frame[~frame[col].isin(lengths.index[short])].reset_index(drop=True)

    def check_length(self, panel: Panel, test_size: int, end_gap: int = 0) -> None:
        """Every series must hold lookback rows before its test part (and ``end_gap`` rows after it)."""
        need = self.lookback + test_size + end_gap
        short = panel.lengths < max(need, 1) + (1 if test_size else 0)
        if short.any():
            i = int(np.flatnonzero(short)[0])
            where = f"series {panel.ids[i]!r}" if self.columns.id_col else "the series"
            raise DataError(
                f"{where} has {panel.lengths[i]} rows, but the model needs lookback={self.lookback}"
                f"{f' + test_size={test_size}' if test_size else ''}{f' + {end_gap} later rows' if end_gap else ''}"
                f" = {need} rows"
                f"{' (plus one to forecast from)' if test_size else ''}. Give a longer history."
            )

    def future_times(self, panel: Panel, steps: int) -> np.ndarray:
        """(S * K,) the K times after each series' end, flat in series order; series that end at the same
        time share one computed block (a panel of 10,000 aligned series computes it once)."""
        blocks: dict = {}
        parts = []
        for times in panel.times:
            key = (len(times), times[-1]) if isinstance(times, pd.RangeIndex) else times[-1]
            if key not in blocks:
                blocks[key] = np.asarray(future_times(times, steps, self.freq))
            parts.append(blocks[key])
        return np.concatenate(parts)


# ---- the model file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationSection:
    units: str
    scores: list[list[float]]


@dataclass(frozen=True)
class SelectionSection:
    """The lookbacks tried on the validation part, their scores, and the one kept (``forecasting.selection``)."""

    lookbacks: list[PositiveInt]
    scores: list[float]
    chosen: PositiveInt

    def __post_init__(self) -> None:
        if len(self.scores) != len(self.lookbacks) or self.chosen not in self.lookbacks:
            raise ValueError(f"fitted.selection: {len(self.lookbacks)} lookbacks, {len(self.scores)} scores, chosen "
                             f"{self.chosen}; expected a score per lookback and a chosen one among them")


@dataclass(frozen=True)
class FittedSection:
    """config.json's ``fitted`` section of a forecaster."""

    lookback: PositiveInt
    horizon: PositiveInt
    season: PositiveInt
    freq: str | None
    test_size: NonNegativeInt
    mase_scale: list[float]
    feature_names: list[str]
    train_end: list[str | int | float] | None = None
    calibration: CalibrationSection | None = None
    selection: SelectionSection | None = None

    def __post_init__(self) -> None:
        if self.selection is not None and self.selection.chosen != self.lookback:
            raise ValueError(f"fitted.selection.chosen = {self.selection.chosen} but fitted.lookback = {self.lookback}")
        if self.freq is not None:
            try:
                pd.tseries.frequencies.to_offset(self.freq)
            except ValueError:
                raise ValueError(f"fitted.freq = {self.freq!r} is not a pandas frequency") from None
        scale = np.asarray(self.mase_scale, dtype="float64")
        if not (np.isfinite(scale).all() and (scale > 0).all()):
            raise ValueError(f"fitted.mase_scale holds {float(scale[~(np.isfinite(scale) & (scale > 0))][0])!r}, "
                             "expected finite numbers > 0")
        if self.calibration is not None:
            if len(self.calibration.scores) != self.horizon:
                raise ValueError(f"fitted.calibration has {len(self.calibration.scores)} steps, expected "
                                 f"horizon = {self.horizon}")
            if not all(np.isfinite(s).all() for s in self.calibration.scores):
                raise ValueError("fitted.calibration.scores hold values that are not finite")


def _refuse_unknown(prep: Preparer, frame: pd.DataFrame) -> None:
    """The strict check: every series of ``frame`` must be one the model was trained on."""
    known = set(prep.ids_)
    ids = pd.unique(frame[prep.columns.id_col].astype(str)) if prep.columns.id_col else ["0"]
    unknown = [sid for sid in ids if sid not in known]
    if unknown:
        raise DataError(
            f"{len(unknown)} series were not in the training data, e.g. {unknown[:3]}; the model knows "
            f"{len(known)} series (e.g. {prep.ids_[:3]}). strict mode refuses them: leave out strict=True "
            "(--strict) to forecast them from their own history, or retrain with them included."
        )


ForecasterFile = make_dataclass("ForecasterFile", [
    ("kind", str), ("params", dict), ("fitted", FittedSection), ("network", NetConfig), ("training", TrainConfig),
    ("preparation", PrepState), ("history", list[dict[str, float | int | None]]),
])


def restore(document) -> tuple[FittedForecaster, dict]:
    """A FittedForecaster (without weights yet: ``net`` is built, not loaded) from a checked ForecasterFile,
    and the cross-field checks the schema cannot express."""
    fitted, network = document.fitted, document.network
    prep = Preparer.from_state(document.preparation)
    if network.horizon != fitted.horizon:
        raise ValueError(f"network.horizon = {network.horizon} but fitted.horizon = {fitted.horizon}")
    if network.input_size != len(fitted.feature_names):
        raise ValueError(f"network.input_size = {network.input_size} but fitted.feature_names has "
                         f"{len(fitted.feature_names)} names")
    if len(fitted.mase_scale) != len(prep.ids_):
        raise ValueError(f"fitted.mase_scale has {len(fitted.mase_scale)} values for {len(prep.ids_)} series")
    calibration = Calibration.from_dict({"scores": fitted.calibration.scores}) if fitted.calibration else None
    frozen = FittedForecaster(
        net=build_forecast_net(network), prep=prep, lookback=fitted.lookback, horizon=fitted.horizon,
        season=fitted.season, freq=fitted.freq, test_size=fitted.test_size,
        mase_scale=np.array(fitted.mase_scale, dtype="float64"), calibration=calibration,
        train_end=fitted.train_end, val_lookback=fitted.selection.lookbacks[0] if fitted.selection else None,
    )
    return frozen, {"feature_names": list(fitted.feature_names)}
