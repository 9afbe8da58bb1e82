"""Preparation: imputation, scaling and one-hot encoding, fitted on training rows only.

``Preparer.fit`` sees only the rows before each series' test part; ``transform`` applies the stored
statistics to any rows (training, test or new data) and returns a ``Panel``: one contiguous float32
buffer holding every series back to back, which the window code indexes into. The whole fitted state
is plain numbers and strings (``to_dict``/``from_dict``), saved as JSON inside the model.

Buffer columns, in three blocks (``Preparer.blocks``):

    past     the target, numeric features, the missing-target indicator (optional), one-hot categorical
             features: known up to the forecast origin only
    future   known-future numeric columns, their one-hot categorical ones, calendar features, holiday flags:
             known for the steps being forecast too
    static   per-series numeric attributes, their one-hot categorical ones: constant within a series

The target and past numeric features are scaled per series (``per_series``); known-future and static numeric
columns are scaled over all series together, so a covariate keeps its level across series.
"""

from __future__ import annotations

import copy
import logging
import warnings
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._validation import build, one_of
from .calendar import calendar_features, calendar_names, holiday_flags
from .exceptions import ConfigError, DataError
from .io import Columns

__all__ = ["PrepConfig", "PrepState", "Preparer", "Panel", "IMPUTE", "SCALING", "series_runs"]

log = logging.getLogger(__name__)

IMPUTE = ("interpolate", "ffill", "mean", "zero", "drop")
SCALING = ("standard", "minmax", "robust", "none")


@dataclass(frozen=True)
class PrepConfig:
    """``per_series=True`` fits one set of statistics per series (forecasting: each series keeps its own
    level); ``per_series=False`` pools the training rows of all series into one set, which then applies to
    series never seen in training too (classification: every sequence is scaled alike)."""

    impute: Literal["interpolate", "ffill", "mean", "zero", "drop"] = "interpolate"
    scaling: Literal["standard", "minmax", "robust", "none"] = "standard"
    missing_indicator: bool = False
    per_series: bool = True
    calendar: tuple[str, ...] = ()  # calendar features derived from the time column (calendar.CALENDAR)
    holidays: str | None = None  # a country code: a 0/1 holiday column from the holidays package

    def __post_init__(self) -> None:
        one_of("impute", self.impute, IMPUTE)
        one_of("scaling", self.scaling, SCALING)


@dataclass(frozen=True)
class PrepState:
    """A fitted Preparer as config.json holds it (``Preparer.to_dict``), checked on load: one row of
    statistics per series (one in all when pooled), one column per continuous column, every number finite
    and every scale positive, so a damaged file cannot turn forecasts into NaN or inf."""

    config: PrepConfig
    columns: Columns
    ids: list[str]
    fill: list[list[float]]
    loc: list[list[float]]
    scale: list[list[float]]
    categories: dict[str, list[str]]

    def __post_init__(self) -> None:
        width = len(self.columns.continuous)
        rows = len(self.ids) if self.config.per_series else 1
        for name in ("fill", "loc", "scale"):
            table = np.asarray(getattr(self, name), dtype="float64")
            if table.shape != (rows, width):
                raise ValueError(f"preparation.{name} has shape {table.shape}, expected ({rows}, {width})")
            bad = ~np.isfinite(table) | ((table <= 0) if name == "scale" else False)
            if bad.any():
                r, c = (int(i[0]) for i in np.nonzero(bad))
                expected = "a finite number > 0" if name == "scale" else "a finite number"
                raise ValueError(f"preparation.{name}[{r}][{c}] = {float(table[r, c])!r}, expected {expected}")
        expected = list(self.columns.categories)
        if set(self.categories) != set(expected):
            raise ValueError(f"preparation.categories has columns {sorted(self.categories)}, expected {expected}")


@dataclass
class Panel:
    """Prepared series, back to back in one buffer.

    values:   (R, F) float32, R = total rows of all series; NaN only where impute='drop' left a gap
    offsets:  (S + 1,) int64; series s occupies rows offsets[s]:offsets[s + 1]
    target:   (R,) float64 target on the original scale, NaN where it was missing
    series:   (S,) int64 index of each series in the fitted statistics
    """

    values: np.ndarray
    offsets: np.ndarray
    target: np.ndarray
    series: np.ndarray
    ids: list[str]
    times: list[pd.Index]
    feature_names: list[str]

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def valid_rows(self) -> np.ndarray:
        """(R,) bool: rows whose inputs are all present (all True unless impute='drop')."""
        return ~np.isnan(self.values).any(axis=1)


class Preparer:
    """Fit imputation, scaling and encoding on training rows; apply them anywhere."""

    def __init__(self, config: PrepConfig, columns: Columns) -> None:
        self.config = config
        self.columns = columns
        self.continuous = columns.continuous
        self.pooled = {*columns.future, *columns.static}  # scaled over all series together
        if config.missing_indicator and columns.target is None:
            raise ConfigError("missing_indicator marks a missing target, but no target column is set.")
        if (config.calendar or config.holidays) and not columns.time_col:
            raise ConfigError("calendar and holiday features come from the time column: name it with --time-col.")

    # ---- fit ---------------------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame, test_size: int = 0) -> Preparer:
        """Learn statistics from each series' rows except its last ``test_size`` (pooled over all series
        when ``per_series`` is off: then the statistics have one row, shared by every series).

        One column at a time, so a long table never needs more than one column-sized temporary."""
        self.ids_, lengths = series_runs(frame, self.columns.id_col)
        train_lengths = np.maximum(lengths - test_size, 0)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)  # (R,) first row of each row's series
        keep = np.arange(len(frame)) - starts < np.repeat(train_lengths, lengths)  # (R,) training rows
        bounds = np.concatenate([[0], np.cumsum(train_lengths)])  # series s: bounds[s]:bounds[s + 1] of kept rows
        groups = list(zip(bounds[:-1], bounds[1:])) if self.config.per_series else [(0, int(bounds[-1]))]
        shape = (len(groups), len(self.continuous))  # (S, C); S = 1 if pooled
        self.fill_, self.loc_, self.scale_ = np.empty(shape), np.empty(shape), np.empty(shape)  # fill: for impute='mean'
        for c, name in enumerate(self.continuous):
            column = _kept(frame[name].to_numpy(dtype="float64"), keep)  # (T,) training rows of every series
            if name in self.pooled and self.config.per_series:  # one set of statistics for every series
                observed = column[~np.isnan(column)]
                if not len(observed):
                    raise DataError(f"column {name!r} has no observed value in the training rows. Drop that column.")
                self.fill_[:, c], self.loc_[:, c], self.scale_[:, c] = self._column_stats(observed)
                continue
            for g, (a, b) in enumerate(groups):
                values = column[a:b]
                observed = values[~np.isnan(values)]
                if not len(observed):
                    sid = self.ids_[g] if self.config.per_series and self.columns.id_col else None
                    where = f" of series {sid!r}" if sid is not None else ""
                    raise DataError(
                        f"column {name!r}{where} has no observed value in the training rows ({b - a} rows). "
                        "Drop that series or that column, or use a smaller --test-size."
                    )
                self.fill_[g, c], self.loc_[g, c], self.scale_[g, c] = self._column_stats(observed)
        self.categories_ = {
            c: sorted(pd.unique(_kept(frame[c].to_numpy(), keep)).tolist()) for c in list(self.columns.categories)
        }
        _check_static(frame, self.columns)
        return self

    def _column_stats(self, values: np.ndarray) -> tuple[float, float, float]:
        """(mean, loc, scale) of the observed values of one column."""
        mean = float(values.mean())
        kind = self.config.scaling
        if kind == "standard":
            loc, scale = mean, float(values.std())
        elif kind == "minmax":
            loc = float(values.min())
            scale = float(values.max()) - loc
        elif kind == "robust":
            q25, loc, q75 = (float(q) for q in np.percentile(values, [25, 50, 75]))
            scale = q75 - q25
        else:
            loc, scale = 0.0, 1.0
        return mean, loc, scale if np.isfinite(scale) and scale > 1e-12 else 1.0

    # ---- transform ---------------------------------------------------------------------------------
    def _layout(self) -> list[tuple[str, list[str]]]:
        """(block, buffer column names) in buffer order: see the module."""
        cols = self.columns
        one_hot = lambda names: [f"{c}={v}" for c in names for v in self.categories_[c]]  # noqa: E731
        past = [c for c in (cols.target, *cols.features) if c is not None]
        past += [f"{cols.target}__missing"] if self.config.missing_indicator else []
        future = [*cols.future, *one_hot(cols.future_categorical), *calendar_names(self.config.calendar, self.config.holidays)]
        return [("past", past + one_hot(cols.categorical)), ("future", future),
                ("static", [*cols.static, *one_hot(cols.static_categorical)])]

    @property
    def feature_names(self) -> list[str]:
        return [name for _, names in self._layout() for name in names]

    @property
    def blocks(self) -> dict[str, tuple[int, int]]:
        """{"past": (a, b), "future": (b, c), "static": (c, d)}: the buffer columns of each block."""
        out, at = {}, 0
        for block, names in self._layout():
            out[block] = (at, at + len(names))
            at += len(names)
        return out

    def transform(self, frame: pd.DataFrame) -> Panel:
        """Apply the fitted statistics to ``frame`` (checked by ``read_table``) and return a Panel."""
        self._check_fitted()
        ids, lengths = series_runs(frame, self.columns.id_col)
        index = {sid: i for i, sid in enumerate(self.ids_)}
        if not self.config.per_series:
            index = dict.fromkeys(ids, 0)  # one pooled set of statistics for every series
        unknown = [sid for sid in ids if sid not in index]
        if unknown:
            raise DataError(
                f"{len(unknown)} series were not in the training data, e.g. {unknown[:3]}; the model "
                f"knows {len(self.ids_)} series (e.g. {self.ids_[:3]}). Predict only the trained series, "
                "or retrain with the new ones included."
            )
        series = np.array([index[sid] for sid in ids], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        row_series = np.repeat(series, lengths)  # (R,)
        names = self.feature_names
        at = {name: i for i, name in enumerate(names)}
        values = np.empty((len(frame), len(names)), dtype=np.float32)  # (R, F), the only full-size output
        target = np.full(len(frame), np.nan)
        for c, name in enumerate(self.continuous):  # column by column: temporaries stay one column wide
            raw = frame[name].to_numpy(dtype="float64")  # (R,)
            if c == 0 and self.columns.target:
                target = raw.copy()  # a view would keep the whole table alive
            filled = self._impute(raw, c, offsets, row_series)  # raw itself when there is nothing to fill
            values[:, at[name]] = (filled - self.loc_[row_series, c]) / self.scale_[row_series, c]
        if self.config.missing_indicator:
            values[:, at[f"{self.columns.target}__missing"]] = np.isnan(target)
        for name, cats in self.categories_.items():
            first = at[f"{name}={cats[0]}"]
            values[:, first : first + len(cats)] = self._one_hot(frame[name], name)
        if self.config.calendar or self.config.holidays:
            first, _ = self.blocks["future"]
            first += len(self.columns.future) + sum(len(self.categories_[c]) for c in self.columns.future_categorical)
            derived = self.derived(frame[self.columns.time_col])  # (R, K)
            values[:, first : first + derived.shape[1]] = derived
        return Panel(
            values=values,
            offsets=offsets,
            target=target,
            series=series,
            ids=ids,
            times=self._times(frame, offsets),
            feature_names=names,
        )

    def derived(self, times) -> np.ndarray:
        """(R, K) the calendar and holiday columns of ``times`` (the future block's last K columns)."""
        times = pd.Series(times)
        if not pd.api.types.is_datetime64_any_dtype(times):
            raise DataError(
                f"calendar and holiday features need dates in the time column {self.columns.time_col!r}; it holds "
                f"{times.dtype} values like {times.iloc[0]!r}."
            )
        index = pd.DatetimeIndex(times)
        parts = [calendar_features(index, self.config.calendar)]
        if self.config.holidays:
            parts.append(holiday_flags(index, self.config.holidays)[:, None])
        return np.concatenate(parts, axis=1)

    def extended(self, frame: pd.DataFrame, holdout: int = 0) -> tuple[Preparer, list[str]]:
        """A copy that also knows the series of ``frame`` it has not seen: their statistics are fitted on their
        own rows (all but the last ``holdout``), pooled columns keep the pooled ones. -> (copy, new ids)"""
        ids, _ = series_runs(frame, self.columns.id_col)
        new = [sid for sid, seen in zip(ids, pd.Index(ids).isin(self.ids_)) if not seen] if self.config.per_series else []
        if not new:
            return self, []
        rows = frame[frame[self.columns.id_col].astype(str).isin(set(new))]
        fresh = Preparer(self.config, self.columns)
        fresh.fit(rows, holdout)
        out = copy.copy(self)
        out.ids_ = [*self.ids_, *fresh.ids_]
        pooled = [c for c, name in enumerate(self.continuous) if name in self.pooled]
        for name in ("fill_", "loc_", "scale_"):
            added = getattr(fresh, name)
            added[:, pooled] = getattr(self, name)[0, pooled]
            setattr(out, name, np.concatenate([getattr(self, name), added]))
        return out, fresh.ids_

    def _times(self, frame: pd.DataFrame, offsets: np.ndarray) -> list[pd.Index]:
        if self.columns.time_col:
            times = pd.Index(frame[self.columns.time_col].to_numpy())  # one conversion; slices are views
            return [times[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
        return [pd.RangeIndex(n) for n in np.diff(offsets)]

    def _impute(self, raw: np.ndarray, c: int, offsets: np.ndarray, row_series: np.ndarray) -> np.ndarray:
        """Fill the gaps of continuous column ``c``. raw: (R,) -> (R,)"""
        method = self.config.impute
        if method == "drop" or not np.isnan(raw).any():
            return raw
        fill = self.fill_[row_series, c]  # (R,)
        if method == "mean":
            return np.where(np.isnan(raw), fill, raw)
        if method == "zero":
            return np.nan_to_num(raw, nan=0.0)
        # interpolate / ffill work within each series; edges take the nearest observed value.
        groups = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        grouped = pd.Series(raw).groupby(groups, sort=False)
        if method == "interpolate":
            out = grouped.transform(lambda s: s.interpolate(limit_direction="both"))
        else:
            out = grouped.ffill().groupby(groups, sort=False).bfill()
        filled = out.to_numpy(dtype="float64")
        return np.where(np.isnan(filled), fill, filled)  # a column empty in a series

    def _one_hot(self, values: pd.Series, column: str) -> np.ndarray:
        cats = self.categories_[column]
        codes = pd.Index(cats).get_indexer(values)  # -1 for unseen
        unseen = sorted(set(values[codes < 0]))
        if unseen:
            warnings.warn(
                f"categorical column {column!r} has {len(unseen)} value(s) not seen in training "
                f"({', '.join(map(repr, unseen[:5]))}); they are encoded as all zeros. Known: {cats}.",
                UserWarning,
                stacklevel=3,
            )
        out = np.zeros((len(values), len(cats)))
        seen = codes >= 0
        out[np.flatnonzero(seen), codes[seen]] = 1.0
        return out

    # ---- inverse -----------------------------------------------------------------------------------
    def inverse_target(self, values: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Map scaled target values back to the original scale.

        values: (N, ...) scaled; series: (N,) index into the fitted statistics -> (N, ...) float64
        """
        shape = (-1,) + (1,) * (values.ndim - 1)
        loc = self.loc_[series, 0].reshape(shape)
        scale = self.scale_[series, 0].reshape(shape)
        return values.astype("float64") * scale + loc

    # ---- state -------------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "loc_"):
            raise RuntimeError("Preparer.transform called before fit")

    def to_dict(self) -> dict:
        self._check_fitted()
        return {
            "config": asdict(self.config),
            "columns": asdict(self.columns),
            "ids": self.ids_,
            "fill": self.fill_.tolist(),
            "loc": self.loc_.tolist(),
            "scale": self.scale_.tolist(),
            "categories": self.categories_,
        }

    @classmethod
    def from_dict(cls, state: dict) -> Preparer:
        """The Preparer ``to_dict`` wrote, every field checked."""
        return cls.from_state(build(PrepState, state, where="preparation: "))

    @classmethod
    def from_state(cls, state: PrepState) -> Preparer:
        """The Preparer ``to_dict`` described, from its checked form."""
        prep = cls(state.config, state.columns)
        prep.ids_ = list(state.ids)
        n_cont = len(prep.continuous)
        prep.fill_ = np.array(state.fill, dtype="float64").reshape(-1, n_cont)
        prep.loc_ = np.array(state.loc, dtype="float64").reshape(-1, n_cont)
        prep.scale_ = np.array(state.scale, dtype="float64").reshape(-1, n_cont)
        prep.categories_ = {k: list(v) for k, v in state.categories.items()}
        return prep


def _check_static(frame: pd.DataFrame, columns: Columns) -> None:
    """Static attributes must not change within a series."""
    for name in (*columns.static, *columns.static_categorical):
        if not columns.id_col:
            changing = frame[name].nunique(dropna=False) > 1
            where = "the series"
        else:
            counts = frame.groupby(columns.id_col, sort=False)[name].nunique(dropna=False)
            changing = (counts > 1).any()
            where = f"series {counts.index[counts > 1][0]!r}" if changing else ""
        if changing:
            raise DataError(
                f"static column {name!r} changes within {where}; a static attribute is constant per series. Pass a "
                "column that changes over time with --features (past) or --future-features (known ahead)."
            )


def _kept(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """values[keep] without a copy when every row is kept."""
    return values if keep.all() else values[keep]


def series_runs(frame: pd.DataFrame, id_col: str | None) -> tuple[list[str], np.ndarray]:
    """Series ids in row order and their row counts: (S,) ids, (S,) int64 lengths.

    Each series' rows must be contiguous, as ``read_table`` leaves them; a frame without an id column is
    one series, '0'.
    """
    if id_col is None:
        return ["0"], np.array([len(frame)], dtype=np.int64)
    ids = frame[id_col].astype(str).to_numpy()
    starts = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]])) if len(ids) else np.zeros(0, np.int64)
    run_ids = ids[starts].tolist()
    if len(set(run_ids)) < len(run_ids):
        repeated = pd.Series(run_ids).value_counts().index[0]
        raise DataError(
            f"the rows of series {repeated!r} are not contiguous; read the table with lstmkit.read_table "
            "(it groups each series' rows) before preparing it."
        )
    return run_ids, np.diff(np.concatenate([starts, [len(ids)]])).astype(np.int64)
