"""The clock of a series: its frequency, its season, gaps in it, and the times after its end.

Shape symbols:  K steps after the end
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .io import Columns

__all__ = ["infer_freq", "find_gaps", "season_length", "future_times"]


def infer_freq(times: pd.Series) -> str | None:
    """The pandas frequency string of a regular clock (e.g. 'MS', '30min', 'W-SAT'), or None."""
    if len(times) < 3 or not pd.api.types.is_datetime64_any_dtype(times):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas 3 announces an offset return type
            freq = pd.infer_freq(pd.DatetimeIndex(times))
        freq = getattr(freq, "freqstr", freq)
    except (TypeError, ValueError):
        freq = None
    if freq is None:
        # A gap or two (missing rows) defeats infer_freq: fall back to the most common step.
        step = pd.Series(np.diff(times.to_numpy())).mode()
        if len(step):
            try:
                freq = pd.tseries.frequencies.to_offset(pd.Timedelta(step.iloc[0])).freqstr
            except ValueError:
                freq = None
    return freq


def find_gaps(frame: pd.DataFrame, columns: Columns, freq: str | None) -> tuple[int, tuple | None]:
    """Missing steps of a regular clock: (how many places a step is skipped, (before, after) of the first).

    frame: sorted by series and time (as read_table returns it); freq: the clock's pandas frequency."""
    if not freq or not columns.time_col or not pd.api.types.is_datetime64_any_dtype(frame[columns.time_col]):
        return 0, None
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return 0, None
    times = pd.DatetimeIndex(frame[columns.time_col])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # calendar offsets are added one by one (a PerformanceWarning)
        gap = np.asarray(times[1:] != times[:-1] + offset)
    if columns.id_col:
        ids = frame[columns.id_col].to_numpy()
        gap &= ids[1:] == ids[:-1]  # the step from one series to the next is no gap
    if not gap.any():
        return 0, None
    i = int(np.flatnonzero(gap)[0])
    return int(gap.sum()), (times[i], times[i + 1])


def season_length(freq: str | None) -> int:
    """Season length implied by a frequency: hourly 24, half-hourly 48, daily 7, weekly 52, monthly 12,
    quarterly 4, anything else 1."""
    if not freq:
        return 1
    offset = pd.tseries.frequencies.to_offset(freq)
    name = type(offset).__name__
    if offset.n == 1 and name.startswith("Week"):
        return 52
    if offset.n == 1 and name.startswith("Month"):
        return 12
    if offset.n == 1 and name.startswith("Quarter"):
        return 4
    if offset.n == 1 and name == "Day":  # pandas >= 3: a calendar day, no longer a fixed 24 h Timedelta
        return 7
    try:
        step = pd.Timedelta(offset)
    except (ValueError, TypeError):
        return 1
    day = pd.Timedelta(days=1)
    if step == day:
        return 7
    if step < day and day % step == pd.Timedelta(0):
        return int(day / step)
    return 1


def future_times(times: pd.Index, steps: int, freq: str | None):
    """(K,) the ``steps`` times after the last of ``times``: at ``freq`` for timestamps (the median step when
    there is none), counting on for integer steps and row positions."""
    if isinstance(times, pd.RangeIndex):
        return np.arange(len(times), len(times) + steps)
    last = times[-1]
    if isinstance(last, pd.Timestamp) or np.issubdtype(np.asarray(times).dtype, np.datetime64):
        if freq:
            return pd.date_range(last, periods=steps + 1, freq=freq)[1:]
        step = pd.Series(times).diff().median()
        return pd.DatetimeIndex([last + step * (k + 1) for k in range(steps)])
    step = np.median(np.diff(np.asarray(times, dtype="float64"))) if len(times) > 1 else 1
    return np.asarray(last) + step * np.arange(1, steps + 1)
