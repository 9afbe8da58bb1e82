"""Read a table of time series and check it before anything is fitted.

``read_table`` accepts a CSV or Parquet path, a pandas DataFrame or a numpy array and returns a frame with
only the columns asked for, each series' rows in time order. Every problem it finds is a ``DataError``
that names the column, shows the value seen and says what to do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._validation import require_columns
from .dates import parse_times
from .exceptions import ConfigError, DataError

__all__ = ["Columns", "load_frame", "read_table"]

log = logging.getLogger(__name__)

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass(frozen=True)
class Columns:
    """Which column plays which part. Saved with the model so predict reads new data the same way.

    ``target`` is None for sequence classification, where the label is per sequence, not a channel.
    """

    target: str | None
    time_col: str | None = None
    id_col: str | None = None
    features: tuple[str, ...] = field(default_factory=tuple)
    categorical: tuple[str, ...] = field(default_factory=tuple)
    future: tuple[str, ...] = field(default_factory=tuple)  # numeric, known for the forecast steps too
    future_categorical: tuple[str, ...] = field(default_factory=tuple)
    static: tuple[str, ...] = field(default_factory=tuple)  # numeric, constant within a series
    static_categorical: tuple[str, ...] = field(default_factory=tuple)
    date_format: str | None = None  # how the time column's text reads (dates.parse_times), kept for predict
    dayfirst: bool = False

    def __post_init__(self) -> None:
        named = [self.target, self.time_col, self.id_col, *self.features, *self.categorical, *self.future,
                 *self.future_categorical, *self.static, *self.static_categorical]
        named = [c for c in named if c is not None]
        repeated = sorted({c for c in named if named.count(c) > 1})
        if repeated:
            raise ConfigError(
                f"column(s) {repeated} are given more than one role (target, time, id, feature, categorical, "
                "future, static). "
                "Give each column one role; the target is always an input, so do not list it in --features."
            )

    @property
    def used(self) -> list[str]:
        return [c for c in (self.id_col, self.time_col, self.target, *self.features, *self.categorical,
                            *self.future, *self.future_categorical, *self.static, *self.static_categorical) if c]

    @property
    def numeric(self) -> tuple[str, ...]:
        return (*self.features, *self.future, *self.static)

    @property
    def continuous(self) -> list[str]:
        """The columns a Preparer scales, in its statistics' order: target, features, future, static."""
        return [c for c in (self.target, *self.numeric) if c is not None]

    @property
    def categories(self) -> tuple[str, ...]:
        return (*self.categorical, *self.future_categorical, *self.static_categorical)


def load_frame(
    source: str | Path | pd.DataFrame | np.ndarray, columns: list[str] | None = None, *, sep: str | None = None,
    decimal: str = ".", thousands: str | None = None,
) -> pd.DataFrame:
    """Load a CSV/Parquet file, or wrap a DataFrame or array, without checking columns yet.

    ``columns``: the columns needed; a Parquet file is then read column-wise (only those columns).
    A 1-D array becomes column ``y``; a 2-D array (T, F) becomes ``y, x1, ..., x{F-1}`` (column 0 the target).
    CSV: ``sep`` None detects the separator from the header (',', ';', tab or '|'; refused when it is not
    clear); ``decimal`` and ``thousands`` read numbers such as 1.234,5 (decimal=",", thousands=".").
    Column names must be unique.
    """
    if isinstance(source, pd.DataFrame):
        _unique_names(source)
        return source
    if isinstance(source, np.ndarray):
        return _frame_from_array(source)
    path = Path(source)
    if not path.exists():
        raise DataError(f"file {str(path)!r} does not exist. Check the path (current folder: {Path.cwd()}).")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a folder; give a CSV or Parquet file.")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _unique_names(_read_csv(path, sep, decimal, thousands))
    if suffix in PARQUET_SUFFIXES:
        return _unique_names(_read_parquet(path, columns))
    raise DataError(
        f"unknown file type {suffix or '(no extension)'!r} for {str(path)!r}. "
        "lstmkit reads .csv (also .tsv, .txt) and .parquet (.pq); convert the file or rename it."
    )


def _frame_from_array(array: np.ndarray) -> pd.DataFrame:
    if array.ndim == 1:
        return pd.DataFrame({"y": array})
    if array.ndim == 2:
        names = ["y"] + [f"x{i}" for i in range(1, array.shape[1])]
        return pd.DataFrame(array, columns=names)
    raise DataError(
        f"an array series must be 1-D (T,) or 2-D (T, F) with the target in column 0; got shape {array.shape}. "
        "For 3-D windows (samples, timesteps, features) use lstmkit.LSTMRegressor."
    )


def _unique_names(frame: pd.DataFrame) -> pd.DataFrame:
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise DataError(
            f"the data has {len(repeated)} repeated column name(s): {sorted(map(str, pd.unique(repeated)))[:5]}. "
            "Each column needs its own name (e.g. df.columns = [...], or rename them in the file's header)."
        )
    return frame


SEPARATORS = (",", ";", "\t", "|")


def sniff_separator(path: Path, head: bytes) -> str:
    """The separator of a CSV from its first lines: the candidate that splits the header into the most
    fields and every line into the same number. Refused (ask for --sep) when none or several fit."""
    lines = [line for line in head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()[:20] if line]
    if path.suffix.lower() == ".tsv":
        return "\t"
    if not lines:
        return ","
    fits = []
    for sep in SEPARATORS:
        counts = {line.count(sep) for line in (lines[:-1] if len(lines) > 2 else lines)}  # last line may be cut
        if len(counts) == 1 and counts != {0}:
            fits.append((counts.pop(), sep))
    if not fits:
        return ","  # one column, or quoted fields: pandas reads (or refuses) it
    fits.sort(reverse=True)
    if len(fits) > 1 and fits[0][0] == fits[1][0]:
        shown = " and ".join(repr(s) for _, s in fits[:2])
        raise DataError(
            f"file {str(path)!r} could be separated by {shown} (the same number of fields on every line). "
            "Say which: --sep ';' (Python: load_frame(path, sep=';'))."
        )
    return fits[0][1]


def _read_csv(path: Path, sep: str | None, decimal: str, thousands: str | None) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise DataError(f"file {str(path)!r} is empty (0 bytes). Give a CSV with a header row and data rows.")
    if sep is None:
        with open(path, "rb") as handle:
            sep = sniff_separator(path, handle.read(64 * 1024))
        if sep != ",":
            log.info("%s: columns separated by %r", path, sep)
    try:
        frame = pd.read_csv(path, sep=sep, decimal=decimal, thousands=thousands, encoding="utf-8-sig")
    except pd.errors.EmptyDataError as err:
        raise DataError(f"file {str(path)!r} has no columns. Give a CSV with a header row.") from err
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OverflowError) as err:
        text = " ".join(str(err).split())[:300]
        raise DataError(f"file {str(path)!r} is not a readable CSV: {text}. Check the file's format.") from None
    if frame.empty:
        raise DataError(f"file {str(path)!r} has a header ({', '.join(map(str, frame.columns))}) but no rows.")
    return frame


def _read_parquet(path: Path, columns: list[str] | None) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:
        raise DataError("reading Parquet needs pyarrow; install it with: pip install 'lstmkit[parquet]'") from err
    try:
        file = pq.ParquetFile(path)
        names = file.schema_arrow.names
        if columns is None or not all(c in names for c in columns):
            columns = names  # all of them: the column check then names what is missing
        # One column at a time: the file's pages, the decoded column and its pandas copy are alive for one
        # column only (reading all at once peaks at about 3x the table's size).
        frame = pd.DataFrame({name: file.read(columns=[name]).to_pandas()[name] for name in columns}, copy=False)
    except Exception as err:  # pyarrow raises several types for a corrupt file
        raise DataError(f"file {str(path)!r} is not a readable Parquet file: {err}") from err
    if frame.empty:
        raise DataError(f"file {str(path)!r} has no rows.")
    return frame


def read_table(source: str | Path | pd.DataFrame | np.ndarray, columns: Columns, *, future: bool = False) -> pd.DataFrame:
    """Return the used columns of ``source``, checked, each series sorted by time.

    The result has a fresh RangeIndex; series (when ``id_col`` is set) are contiguous, in the order of
    their first appearance, and within each series rows are in time order (or file order without a time
    column). The target and numeric features are float64 (float32 columns stay float32: half the memory
    for long data), categorical columns are strings. The caller's data is never modified. ``future``: the
    rows are future rows, whose target (and past inputs) may all be empty.
    """
    frame = load_frame(source, columns.used)
    require_columns(frame, columns.used)
    # Whole columns are replaced below, never written into, so a shallow copy protects the caller's frame;
    # a Parquet file read column-wise already has exactly the used columns (no copy at all then).
    frame = frame.copy(deep=False) if list(frame.columns) == columns.used else frame[columns.used].copy(deep=False)
    for name in filter(None, (columns.target, *columns.numeric)):
        frame[name] = _numeric(frame[name], name, is_target=name == columns.target,
                               may_be_empty=future and name not in columns.future)
    for name in columns.categories:
        frame[name] = frame[name].astype("string").fillna("<missing>").astype(str)
    if columns.id_col:
        frame[columns.id_col] = frame[columns.id_col].astype(str)
    if columns.time_col:
        frame[columns.time_col] = parse_times(
            frame[columns.time_col], columns.time_col, date_format=columns.date_format, dayfirst=columns.dayfirst
        )
        frame = _sort_and_check_unique(frame, columns)
    elif columns.id_col:
        order = pd.unique(frame[columns.id_col])
        frame[columns.id_col] = pd.Categorical(frame[columns.id_col], categories=order)
        frame = frame.sort_values(columns.id_col, kind="stable")
        frame[columns.id_col] = frame[columns.id_col].astype(str)
    if not frame.index.equals(pd.RangeIndex(len(frame))):
        frame.index = pd.RangeIndex(len(frame))  # (reset_index would copy every column under pandas 2)
    return frame


def _numeric(values: pd.Series, name: str, *, is_target: bool, may_be_empty: bool = False) -> pd.Series:
    role = "target" if is_target else "feature"
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        converted = _to_numbers(values, name)
        bad = values[converted.isna() & values.notna()]
        if len(bad):
            hint = (
                "Choose a numeric target column."
                if is_target
                else f"Pass it with --categorical {name} if it is a category, or fix the values."
            )
            if re.fullmatch(r"\s*-?[\d.]*\d,\d+\s*", str(bad.iloc[0])):
                hint = ("It looks like a decimal comma or a thousands separator: read the file with --decimal , "
                        "(and --thousands . if needed), or --thousands , for numbers like 1,505.")
            raise DataError(
                f"{role} column {name!r} is not numeric: {len(bad)} value(s) like {bad.iloc[0]!r} "
                f"(row {bad.index[0]}). {hint}"
            )
        values = converted
    if values.dtype != np.float32:
        values = _float64(values, name)
    if values.isna().all() and not may_be_empty:
        raise DataError(f"{role} column {name!r} has no values: all {len(values)} are missing. Choose another column.")
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        first = int(np.flatnonzero(infinite)[0])
        raise DataError(
            f"{role} column {name!r} has {int(infinite.sum())} infinite value(s) (first at row {first}). "
            "Replace them with empty cells (NaN) to have them imputed, or remove those rows."
        )
    return values


def _to_numbers(values: pd.Series, name: str) -> pd.Series:
    try:
        return pd.to_numeric(values, errors="coerce")
    except (OverflowError, ValueError):  # an integer of hundreds of digits
        return values.map(_number_or_nan)


def _number_or_nan(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return float("nan")
    return number


def _float64(values: pd.Series, name: str) -> pd.Series:
    try:
        return values.astype("float64")
    except OverflowError:
        big = next(v for v in values if isinstance(v, int) and abs(v) > 1e308)
        raise DataError(
            f"column {name!r} holds a number too large for a float ({str(big)[:20]}..., {len(str(big))} digits). "
            "Fix or remove that value."
        ) from None


def _sort_and_check_unique(frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    keys = [c for c in (columns.id_col, columns.time_col) if c]
    if columns.id_col:
        order = pd.unique(frame[columns.id_col])
        frame["__order__"] = pd.Categorical(frame[columns.id_col], categories=order).codes
        keys = ["__order__", columns.time_col]
    if not frame.sort_values(keys, kind="stable").index.equals(frame.index):
        log.info("rows were not in time order; sorted by %s", ", ".join(k for k in keys if k != "__order__"))
    frame = frame.sort_values(keys, kind="stable")
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        where = f" in series {first[columns.id_col]!r}" if columns.id_col else ""
        hint = "" if columns.id_col else " If the file holds several series, name their id column with --id-col."
        raise DataError(
            f"time column {columns.time_col!r} has {int(dup.sum())} rows with a repeated timestamp{where}, "
            f"first {first[columns.time_col]}. Keep one row per timestamp (aggregate or drop duplicates).{hint}"
        )
    return frame.drop(columns="__order__", errors="ignore")


def split_by_kind(frame: pd.DataFrame, wanted: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(numeric, categorical) among the ``wanted`` columns of ``frame``: text columns are categorical."""
    require_columns(frame, wanted)
    numeric = tuple(c for c in wanted if pd.api.types.is_numeric_dtype(frame[c]))
    return numeric, tuple(c for c in wanted if c not in numeric)
