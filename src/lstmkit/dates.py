"""Time columns read exactly, or refused: never a silently swapped day and month, never a guessed zone.

``parse_times`` accepts what is unambiguous and refuses the rest with one line that says how to state it:

- datetimes (any dtype pandas gives) as they are; integer or float steps as a clock of their own (no NaN);
- ISO 8601 text (2021-03-04, 2021-03-04 05:30, 2021-03-04T05:30:00+01:00, ...);
- numeric dates such as 01/02/2023 or 1.2.2023 only when the order of day and month is given
  (``date_format="%d/%m/%Y"`` or ``dayfirst=True``; CLI ``--date-format``, ``--dayfirst``) or proven by the
  column itself (a first part above 12 somewhere: day first; a second part above 12: month first);
- other text pandas reads without a day/month question (``Mar 4 2021``).

Zones: one UTC offset throughout is kept (forecasts carry it back); several offsets (a daylight-saving
change, ``+01:00`` beside ``+02:00``) are converted to UTC with one warning; values with an offset mixed with
values without one are refused (their zone would be a guess).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["parse_times"]

_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})(?:[ T].*)?$")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$")


def parse_times(values: pd.Series, name: str, *, date_format: str | None = None, dayfirst: bool = False) -> pd.Series:
    """The time column ``name`` as datetimes (or numbers), checked: see the module."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        _refuse_empty(values, name)
        return values  # integer time steps (e.g. 0, 1, 2, ...) are a valid clock
    else:
        text = values.astype("string")
        if date_format is not None:
            parsed = _with_format(text, name, date_format)
        else:
            parsed = _infer(text, name, dayfirst)
    _refuse_empty(parsed, name)
    return parsed


def _refuse_empty(parsed: pd.Series, name: str) -> None:
    empty = parsed.isna().to_numpy()
    if empty.any():
        row = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"time column {name!r} has {int(empty.sum())} empty value(s) (first at row {row}). Every row needs "
            "its time: fill them in or drop those rows."
        )


def _with_format(text: pd.Series, name: str, date_format: str) -> pd.Series:
    parsed = _zoned(pd.to_datetime(text, format=date_format, errors="coerce", utc=_has_offsets(text)), text, name)
    _refuse_unparsed(text, parsed, name, f"do not match --date-format {date_format!r}")
    return parsed


def _infer(text: pd.Series, name: str, dayfirst: bool) -> pd.Series:
    present = text.dropna()
    numeric = present.str.match(_NUMERIC_DATE)
    if numeric.any():
        return _numeric_dates(text, present[numeric], name, dayfirst)
    utc = _has_offsets(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format": we check every value below
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=utc)
        if parsed[text.notna()].isna().any():
            parsed = pd.to_datetime(text, errors="coerce", format="mixed", utc=utc)
    parsed = _zoned(parsed, text, name)
    _refuse_unparsed(text, parsed, name, "are not dates")
    return parsed


def _numeric_dates(text: pd.Series, numeric: pd.Series, name: str, dayfirst: bool) -> pd.Series:
    parts = numeric.str.extract(_NUMERIC_DATE)
    first, second = parts[0].astype(int), parts[2].astype(int)
    if not dayfirst:
        if (first > 12).any() and (second > 12).any():
            raise DataError(
                f"time column {name!r} mixes day-first and month-first dates ({numeric[first > 12].iloc[0]!r} and "
                f"{numeric[second > 12].iloc[0]!r}). Make the column consistent, or give the format: "
                "--date-format %d/%m/%Y (Python: date_format='%d/%m/%Y')."
            )
        if not (first > 12).any() and not (second > 12).any():
            raise DataError(
                f"time column {name!r} has dates like {numeric.iloc[0]!r} that read either day first or month first, "
                "and no value settles which. Say which: --dayfirst or --date-format %d/%m/%Y (day first), "
                "--date-format %m/%d/%Y (month first); in Python dayfirst=True or date_format='%d/%m/%Y'."
            )
        dayfirst = bool((first > 12).any())
    sep, year = parts[1].iloc[0], parts[3].iloc[0]
    fmt = (f"%d{sep}%m{sep}" if dayfirst else f"%m{sep}%d{sep}") + ("%Y" if len(year) == 4 else "%y")
    rest = numeric.iloc[0][len(f"{parts[0].iloc[0]}{sep}{parts[2].iloc[0]}{sep}{year}"):]
    if rest.strip():
        fmt += " %H:%M:%S" if rest.strip().count(":") == 2 else " %H:%M"
    return _with_format(text, name, fmt)


def _has_offsets(text: pd.Series) -> bool:
    return bool(text.dropna().str.contains(_OFFSET).any())


def _zoned(parsed: pd.Series, text: pd.Series, name: str) -> pd.Series:
    """Parsed with utc=True when any value has an offset: all must have one; one offset is kept as it was."""
    if parsed.dt.tz is None:
        return parsed
    present = text.dropna()
    has = present.str.contains(_OFFSET)
    if not has.all():
        raise DataError(
            f"time column {name!r} mixes times with a UTC offset ({present[has].iloc[0]!r}) and without one "
            f"({present[~has].iloc[0]!r}), so the zone of the latter is unknown. Give every time its offset, or none."
        )
    offsets = present.str.extract(r"(Z|[+-]\d{2}:?\d{2})\s*$")[0].str.replace("Z", "+00:00").str.replace(
        r"^([+-]\d{2})(\d{2})$", r"\1:\2", regex=True
    )
    distinct = pd.unique(offsets)
    if len(distinct) == 1:
        return parsed.dt.tz_convert(_fixed(distinct[0]))
    warnings.warn(
        f"time column {name!r} has several UTC offsets ({', '.join(map(str, distinct[:3]))}, e.g. a daylight-saving "
        "change): its times were converted to UTC, and forecasts are given in UTC.",
        UserWarning,
        stacklevel=5,
    )
    return parsed


def _fixed(offset: str) -> dt.timezone:
    """A fixed-offset zone for '+01:00'."""
    sign = -1 if offset[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))


def _refuse_unparsed(text: pd.Series, parsed: pd.Series, name: str, what: str) -> None:
    bad = text[parsed.isna() & text.notna()]
    if len(bad):
        raise DataError(
            f"time column {name!r} has {len(bad)} value(s) that {what}, like {str(bad.iloc[0])!r} (row {bad.index[0]}). "
            "Use ISO dates such as 2021-03-04 or 2021-03-04 05:00, give the format with --date-format, or leave "
            "out --time-col to use the row order."
        )
