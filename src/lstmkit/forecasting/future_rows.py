"""Rows of the future, recognised and checked so a forecast never starts at the wrong time.

A forecast from ``data`` starts right after each series' history. Rows at the end of a series whose target
is empty are *future rows*, never history to impute: they carry what is known ahead (the known-future
columns) for the steps being forecast. Future rows can also be given apart (``predict(data, future=frame)``,
``lstmkit predict ... --future FUTURE.csv``), and for a model whose only known-future inputs come from the
calendar they are made from the clock. ``forecast_frame`` returns each series' history followed by exactly the
steps asked for, after checking that

- the future rows continue the history's clock (the first one is the step right after the last target);
- every known-future value a forecast needs is there (else one error naming the first missing time, series
  and column).

Shape symbols:  S series   K steps asked for
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..clock import future_times
from ..exceptions import DataError
from ..io import Columns

__all__ = ["split_future", "forecast_frame"]


def split_future(frame: pd.DataFrame, columns: Columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, future rows): each series' trailing rows with an empty target are its future rows.
    ``frame`` as read_table returns it (series contiguous, in time order)."""
    empty = frame[columns.target].isna().to_numpy()
    if not empty[-1:].any() and not (columns.id_col and empty.any()):
        return frame, frame.iloc[:0]
    keys = frame[columns.id_col].to_numpy() if columns.id_col else np.zeros(len(frame))
    # a row is a future row when it and every later row of its series have an empty target
    ends_empty = pd.Series(~empty).iloc[::-1].groupby(keys[::-1], sort=False).cummax().iloc[::-1].to_numpy()
    future = ~ends_empty
    return frame[~future], frame[future]


def forecast_frame(frame: pd.DataFrame, extra: pd.DataFrame | None, columns: Columns, freq: str | None,
                   steps: int, needs_future: bool) -> tuple[pd.DataFrame, np.ndarray, bool]:
    """Each series' history followed by exactly ``steps`` future rows.

    frame: read data (future rows at its end recognised); extra: future rows given apart, or None;
    needs_future: the model has known-future columns the user must supply. -> (frame, (S,) history lengths,
    whether any future rows were given)
    """
    history, future = split_future(frame, columns)
    if extra is not None and len(extra):
        future = pd.concat([future, extra], ignore_index=True)
    given = bool(len(future))
    if not given and not needs_future and not (columns.future or columns.future_categorical):
        return history, _lengths(history, columns), False
    parts, lengths = [], []
    future_groups = dict(_series(future, columns)) if given else {}
    for sid, rows in _series(history, columns):
        ahead = future_groups.pop(sid, history.iloc[:0])
        parts += [rows, _future_of(sid, rows, ahead, columns, freq, steps, needs_future)]
        lengths.append(len(rows))
    if future_groups:
        sid = next(iter(future_groups))
        raise DataError(f"future rows were given for series {sid!r}, which has no history in the data.")
    return pd.concat(parts, ignore_index=True), np.array(lengths, dtype=np.int64), given


def _series(frame: pd.DataFrame, columns: Columns):
    if columns.id_col is None:
        return [("0", frame)]
    return [(str(sid), rows) for sid, rows in frame.groupby(columns.id_col, sort=False)]


def _lengths(frame: pd.DataFrame, columns: Columns) -> np.ndarray:
    if columns.id_col is None:
        return np.array([len(frame)], dtype=np.int64)
    return frame.groupby(columns.id_col, sort=False).size().to_numpy()


def _future_of(sid: str, history: pd.DataFrame, ahead: pd.DataFrame, columns: Columns, freq: str | None,
               steps: int, needs_future: bool) -> pd.DataFrame:
    """``steps`` future rows of one series: the given ones (checked), then rows made from the clock."""
    where = f"series {sid!r}" if columns.id_col else "the series"
    time = columns.time_col
    expected = _expected_times(history, columns, freq, steps)
    if time and len(ahead):
        ahead = ahead.sort_values(time, kind="stable")
        got = pd.Index(ahead[time].iloc[: steps])
        if expected is not None and not got.equals(pd.Index(expected[: len(got)])):
            first = next(i for i in range(len(got)) if i >= len(expected) or got[i] != expected[i])
            raise DataError(
                f"the future rows of {where} do not continue its clock: row {first + 1} of them is at {got[first]}, "
                f"but the history ends at {history[time].iloc[-1]}, so it should be {expected[first]}. Give the "
                "future rows for the steps right after the last known target, one per step."
            )
    ahead = ahead.iloc[:steps]
    if needs_future:
        known = [*columns.future, *columns.future_categorical]
        if len(ahead) < steps:
            at = expected[len(ahead)] if expected is not None else f"step {len(history) + len(ahead) + 1}"
            raise DataError(
                f"the model needs the future values of {', '.join(known)} for {steps} steps, but {where} has "
                f"{len(ahead)} future row(s); the first missing time is {at}. Add rows with an empty target and "
                "those columns filled (at the end of DATA, or in --future FUTURE.csv), or ask for fewer --steps."
            )
        for name in known:
            missing = ahead[name].isna().to_numpy()
            if missing.any():
                at = ahead[time].iloc[int(np.flatnonzero(missing)[0])] if time else f"future step {np.argmax(missing) + 1}"
                raise DataError(
                    f"future value of {name!r} missing for {where} at {at}: a forecast of that step needs it. Fill it "
                    "in, or ask for fewer --steps."
                )
    made = steps - len(ahead)
    if made:
        rows = pd.DataFrame({c: np.full(made, np.nan) for c in history.columns})
        if time:
            rows[time] = expected[len(ahead):] if expected is not None else np.nan
        ahead = pd.concat([ahead, rows], ignore_index=True) if len(ahead) else rows
    for name in (columns.id_col, *columns.static, *columns.static_categorical, *columns.categorical):
        if name:  # known for the future too: the series' own (categorical past inputs never reach a future row)
            ahead[name] = history[name].iloc[-1]
    return ahead


def _expected_times(history: pd.DataFrame, columns: Columns, freq: str | None, steps: int):
    if not columns.time_col:
        return None
    times = pd.Index(history[columns.time_col])
    if freq is None and not pd.api.types.is_numeric_dtype(times):
        warnings.warn("the data has no regular clock, so the future rows' times are not checked.", UserWarning,
                      stacklevel=4)
        return None
    return pd.Index(future_times(times, steps, freq))
