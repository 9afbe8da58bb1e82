"""Calendar and holiday features, derived from the time index: known for any future time by construction.

Each calendar feature is a cyclical pair (sin, cos) of its position in its cycle, so December sits next to
January and 23:30 next to 00:00:

    timeofday   minutes since midnight / 1440         hour       hour / 24
    dayofweek   Monday 0 .. Sunday 6, / 7             dayofmonth (day - 1) / days in the month
    dayofyear   (day of year - 1) / 365.25            weekofyear (ISO week - 1) / 52.18
    month       (month - 1) / 12                      quarter    (quarter - 1) / 4

``"auto"`` picks those that vary at the data's frequency and have a cycle longer than one step: sub-daily
data timeofday and dayofweek; daily dayofweek and dayofyear; weekly weekofyear; monthly month; quarterly
quarter; yearly none. Holidays (``holidays="US"``, any country code of the ``holidays`` package, an optional
extra) add one 0/1 column: whether the time's date is a public holiday there.

Shape symbols:  R rows (times)   K calendar columns
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import one_of
from .exceptions import ConfigError

__all__ = ["CALENDAR", "resolve_calendar", "calendar_names", "calendar_features", "holiday_flags"]

CALENDAR = ("timeofday", "hour", "dayofweek", "dayofmonth", "dayofyear", "weekofyear", "month", "quarter")


def resolve_calendar(calendar, freq: str | None) -> tuple[str, ...]:
    """``calendar`` ("auto", "a,b", a list, or None) as a tuple of feature names for data of ``freq``."""
    if calendar is None or calendar == () or calendar == []:
        return ()
    if isinstance(calendar, str) and calendar.strip() == "auto":
        return _auto(freq)
    names = [n.strip() for n in calendar.split(",")] if isinstance(calendar, str) else list(calendar)
    for name in names:
        one_of("calendar feature", name, CALENDAR + ("auto",))
    if "auto" in names:
        raise ConfigError("calendar='auto' picks the features itself; give it alone, or name the features.")
    return tuple(dict.fromkeys(names))


def _auto(freq: str | None) -> tuple[str, ...]:
    if not freq:
        raise ConfigError(
            "calendar='auto' needs a time column with a regular frequency; name the features instead, e.g. "
            "--calendar dayofweek,month."
        )
    offset = pd.tseries.frequencies.to_offset(freq)
    name = type(offset).__name__
    if name.startswith(("Year", "YearBegin", "YearEnd")):
        return ()
    if name.startswith("Quarter"):
        return ("quarter",)
    if name.startswith("Month"):
        return ("month",)
    if name.startswith("Week"):
        return ("weekofyear",)
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):
        return ()
    if step >= pd.Timedelta(days=1):
        return ("dayofweek", "dayofyear") if step == pd.Timedelta(days=1) else ("dayofyear",)
    return ("timeofday", "dayofweek")


def calendar_names(features: tuple[str, ...], holidays: str | None) -> list[str]:
    """Buffer column names of the derived features: name_sin, name_cos, ... then holiday_<country>."""
    names = [f"{f}_{part}" for f in features for part in ("sin", "cos")]
    return names + ([f"holiday_{holidays}"] if holidays else [])


def calendar_features(times: pd.DatetimeIndex, features: tuple[str, ...]) -> np.ndarray:
    """(R, 2 K) sin and cos of each feature's phase, float32."""
    times = pd.DatetimeIndex(times)
    out = np.empty((len(times), 2 * len(features)), dtype=np.float32)
    for k, name in enumerate(features):
        phase = 2 * np.pi * _position(times, name)
        out[:, 2 * k], out[:, 2 * k + 1] = np.sin(phase), np.cos(phase)
    return out


def _position(times: pd.DatetimeIndex, name: str) -> np.ndarray:
    """Where in its cycle each time is, in [0, 1)."""
    if name == "timeofday":
        return (times.hour * 60 + times.minute + times.second / 60).to_numpy() / 1440
    if name == "hour":
        return times.hour.to_numpy() / 24
    if name == "dayofweek":
        return times.day_of_week.to_numpy() / 7
    if name == "dayofmonth":
        return (times.day.to_numpy() - 1) / times.days_in_month.to_numpy()
    if name == "dayofyear":
        return (times.day_of_year.to_numpy() - 1) / 365.25
    if name == "weekofyear":
        return (times.isocalendar().week.to_numpy(dtype="float64") - 1) / 52.18
    if name == "month":
        return (times.month.to_numpy() - 1) / 12
    return (times.quarter.to_numpy() - 1) / 4  # quarter


def holiday_flags(times: pd.DatetimeIndex, country: str) -> np.ndarray:
    """(R,) 1.0 where the time's date is a public holiday of ``country`` (the holidays package), else 0."""
    try:
        import holidays
    except ImportError as err:
        raise ConfigError(
            "holiday features need the holidays package; install it with: pip install 'lstmkit[holidays]'"
        ) from err
    times = pd.DatetimeIndex(times)
    years = range(int(times.year.min()), int(times.year.max()) + 1) if len(times) else range(0)
    try:
        calendar = holidays.country_holidays(country, years=years)
    except NotImplementedError:
        raise ConfigError(
            f"the holidays package knows no country {country!r}; use a code such as US, GB, DE or FR."
        ) from None
    dates = pd.DatetimeIndex(sorted(calendar)).normalize()
    local = times.tz_localize(None) if times.tz is not None else times
    return local.normalize().isin(dates).astype(np.float32)
