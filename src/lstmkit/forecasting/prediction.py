"""Forecasts of the future from a FittedForecaster: from a table (``predict_frame``, what
``Forecaster.predict`` returns) or from raw arrays (``predict_arrays``, the serving path without pandas).

A table's forecast starts right after each series' last target; its future rows (empty targets at the end of
the data, or given apart) carry the known-future values, and are checked (``future_rows``). Beyond H the
network runs on its own forecasts where no input is known only up to the origin.

Shape symbols:  S series   T history rows   C continuous columns   K steps forecast   Fk known-future columns
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from .._validation import positive_int
from ..exceptions import ConfigError, DataError
from ..io import load_frame, read_table
from . import inference as fc
from . import intervals as iv
from .fitted import FittedForecaster
from .future_rows import forecast_frame
from .windows import gather_future, gather_inputs

__all__ = ["predict_frame", "predict_arrays"]


def predict_frame(fitted: FittedForecaster, data, steps: int | None = None, *, future=None, intervals=None,
                  interval_method: str = "conformal", strict: bool = False) -> pd.DataFrame:
    """One row per (series, step): the id column (if any), the time column and ``forecast`` (original scale);
    with ``intervals`` also ``lower_<level>`` and ``upper_<level>``."""
    levels = iv.check_levels(intervals)
    steps = positive_int("steps", fitted.horizon if steps is None else steps)
    columns = fitted.columns
    extra = _future_frame(future, fitted) if future is not None else None
    frame = read_table(data, columns)
    config = fitted.net.config
    needs = bool(columns.future or columns.future_categorical)
    frame, history, given = forecast_frame(frame, extra, columns, fitted.freq, steps, needs)
    if given and not config.n_future and not fitted.recursive_ok and steps > fitted.horizon:
        raise ConfigError(f"this model has past covariates: it forecasts at most {fitted.horizon} steps.")
    frame, history = _skip_short(frame, history, fitted.lookback, columns.id_col)
    fitted = fitted.with_series(frame, 0, strict)
    panel = fitted.prep.transform(frame)
    buffer = torch.from_numpy(panel.values)
    starts = panel.offsets[:-1]
    origins = torch.as_tensor(starts + history)
    x = gather_inputs(buffer, origins, fitted.lookback)  # (S, L, F)
    ahead = None
    if config.n_future:
        ahead = gather_future(buffer, origins, steps, config.future_slice, torch.as_tensor(panel.offsets[1:] - 1))
    scaled = fc.predict_inputs(fitted.net, x, steps, recursive_ok=fitted.recursive_ok, future=ahead).numpy()
    values = fitted.prep.inverse_target(scaled, panel.series)  # (S, K)
    origin = np.repeat(starts + history, steps)
    step = np.tile(np.arange(steps), len(panel.ids))
    bands = {}
    if levels:
        last = np.repeat(panel.offsets[1:] - 1, steps)
        bands = iv.bounds(fitted, buffer, origin, step, np.repeat(panel.series, steps), values.ravel(), levels,
                          interval_method, last=last)
    if len(frame) > int(history.sum()):  # future rows are in the panel: their own times
        times = np.concatenate([np.asarray(t) for t in panel.times])[origin + step]
    else:
        times = fitted.future_times(panel, steps)
    out = {fitted.time_name: times, "forecast": values.ravel()}
    for key, (lower, upper) in bands.items():
        out |= {f"lower_{key}": lower, f"upper_{key}": upper}
    if columns.id_col:
        out = {columns.id_col: np.repeat(np.array(panel.ids, dtype=object), steps), **out}
    return pd.DataFrame(out)


def _skip_short(frame: pd.DataFrame, history: np.ndarray, lookback: int, id_col: str | None):
    """Series with fewer than ``lookback`` rows of history are skipped (one warning); all of them: an error."""
    short = history < lookback
    if not short.any():
        return frame, history
    ids = pd.unique(frame[id_col]) if id_col else np.array(["0"])
    if short.all():
        where = f"series {ids[0]!r}" if id_col else "the series"
        raise DataError(f"{where} has {history[0]} rows of history, but the model needs lookback={lookback}. "
                        "Give a longer history.")
    warnings.warn(f"{int(short.sum())} of {len(history)} series are too short for the model (fewer than {lookback} "
                  f"rows of history, e.g. {list(ids[short][:3])}) and were skipped.", UserWarning, stacklevel=4)
    return frame[~frame[id_col].isin(set(ids[short]))].reset_index(drop=True), history[~short]


def _future_frame(future, fitted: FittedForecaster) -> pd.DataFrame:
    """Future rows given apart: time (and id) plus the known-future columns; the rest filled with blanks."""
    raw = load_frame(future).copy()
    columns = fitted.columns
    for name in columns.used:
        if name not in raw.columns and name not in (columns.time_col, columns.id_col, *columns.future,
                                                    *columns.future_categorical):
            raw[name] = np.nan if name in (columns.target, *columns.numeric) else "<missing>"
    if columns.target in raw.columns and raw[columns.target].notna().any():
        raise DataError(
            f"the future rows have values in the target column {columns.target!r}; future rows are the steps to "
            "forecast, so their target is empty. Put known history in DATA instead."
        )
    raw[columns.target] = np.nan
    return read_table(raw, columns, future=True)


def predict_arrays(fitted: FittedForecaster, values: np.ndarray, steps: int | None = None, *,
                   series: Sequence[str] | None = None) -> np.ndarray:
    """values: (T, C) or (S, T, C), the last T >= lookback rows of the continuous columns in training order
    (target, then numeric features), original scale, no NaN. series: the ids of the S series (needed only for
    a model trained on several). -> (K,) or (S, K) forecasts on the original scale."""
    prep = fitted.prep
    config = fitted.net.config
    if fitted.columns.categorical or prep.config.missing_indicator or config.n_future or config.n_static:
        raise ConfigError(
            "predict_values takes the past continuous columns only; this model also uses categorical, known-future, "
            "calendar or static inputs, or a missing indicator. Use predict(DataFrame) instead."
        )
    values = np.asarray(values, dtype=np.float64)
    single = values.ndim == 2
    batch = values[None] if single else values  # (S, T, C)
    n_cont = len(prep.continuous)
    if batch.ndim != 3 or batch.shape[2] != n_cont or batch.shape[1] < fitted.lookback:
        raise DataError(
            f"values must be (T, {n_cont}) or (S, T, {n_cont}) with T >= lookback={fitted.lookback} (columns "
            f"{', '.join(prep.continuous)}); got shape {values.shape}."
        )
    index = _series_index(prep.ids_, series, len(batch))
    window = batch[:, -fitted.lookback :]  # (S, L, C)
    if not np.isfinite(window).all():
        raise DataError("values hold NaN or inf in the last lookback rows; fill them or use predict(DataFrame).")
    scaled = (window - prep.loc_[index][:, None]) / prep.scale_[index][:, None]
    x = torch.from_numpy(scaled.astype(np.float32))
    out = fc.predict_inputs(fitted.net, x, steps or fitted.horizon, recursive_ok=fitted.recursive_ok).numpy()
    out = prep.inverse_target(out, index)  # (S, K)
    return out[0] if single else out


def _series_index(ids: list[str], series: Sequence[str] | None, n: int) -> np.ndarray:
    """(S,) positions of the given series ids in the fitted statistics."""
    if series is None:
        if len(ids) > 1:
            raise ConfigError(f"this model knows {len(ids)} series; pass series=[ids] for the rows.")
        return np.zeros(n, dtype=np.int64)
    known = {sid: i for i, sid in enumerate(ids)}
    unknown = [s for s in series if str(s) not in known]
    if unknown:
        raise DataError(f"series {unknown[:3]} were not in the training data; the model knows {len(known)}.")
    return np.array([known[str(s)] for s in series], dtype=np.int64)
