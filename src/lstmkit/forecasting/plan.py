"""The plan of a fit: the sizes a Forecaster trains with, resolved from its parameters and the data, and the
parts of each series they cut.

Each series of T rows is cut, from its end: the last ``test_size`` rows (held out of everything), before
them ``val`` rows of validation (early stopping, conformal calibration), and the training part before
that. A training window's targets end inside the training part, a validation window's inside the
validation part; each window sees ``lookback`` rows before its first target.

Shape symbols:  S series   R buffer rows   N windows
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch

from .._validation import positive_int
from ..clock import find_gaps, infer_freq, season_length
from ..exceptions import ConfigError, DataError
from ..io import Columns
from ..prep import Panel, Preparer
from .calibration import Calibration, calibrate
from .metrics import seasonal_scale
from .windows import WindowBatches, inference_chunk, window_starts

__all__ = ["Plan", "check_normalised", "make_plan", "trending_features", "trending_first"]

log = logging.getLogger(__name__)

MAX_VAL_WINDOWS = 8192  # validation windows scored per epoch, evenly spaced over the validation part
MAX_MISSING = 0.5  # above this share of missing training targets, fit warns
TRENDING = 8.0  # a feature whose level's spread is this many times its step-to-step changes' trends
MIN_WINDOWS = 8  # training windows a default lookback leaves at least (over all series)
MIN_SERIES_SHARE = 0.9  # a default lookback leaves at least this share of the series one training window
MAX_STEPS = 100  # batches per epoch at most by default: long data draws that many at random (taylor in budget)


@dataclass(frozen=True)
class Plan:
    lookback: int
    horizon: int
    season: int
    freq: str | None
    test_size: int
    val_size: int | None  # None: chosen per series by ``default_val_sizes``
    val_lookback: int | None = None  # the lookback the default validation sizes follow (None: ``lookback``)

    def val_sizes(self, train_len: pd.Series) -> pd.Series:
        """(S,) validation rows at the end of each series' training part of ``train_len`` rows."""
        if self.val_size is not None:
            return pd.Series(int(self.val_size), index=train_len.index)
        lookback = self.val_lookback or self.lookback
        return pd.Series(default_val_sizes(train_len.to_numpy(), lookback, self.horizon), index=train_len.index)

    def drop_short_series(self, frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
        """Skip series too short for one training window (with one summary warning); refuse when all are."""
        lengths = frame.groupby(columns.id_col, sort=False).size() if columns.id_col else pd.Series({"0": len(frame)})
        train_len = lengths - self.test_size
        val = self.val_sizes(train_len)
        need = self.lookback + self.horizon + val
        short = train_len < need
        if short.all():
            sid = lengths.index[0]
            where = f"series {sid!r}" if columns.id_col else "the series"
            raise DataError(
                f"{where} has {lengths.iloc[0]} time steps, but lookback={self.lookback} + horizon="
                f"{self.horizon} + validation={int(val.iloc[0])} + test_size={self.test_size} needs at least "
                f"{int(need.iloc[0]) + self.test_size}. Use a shorter --lookback or --horizon, or a smaller "
                "--test-size."
            )
        if short.any():
            warnings.warn(
                f"{int(short.sum())} of {len(lengths)} series are too short for one training window "
                f"(e.g. {list(lengths.index[short][:3])}) and were skipped.",
                UserWarning,
                stacklevel=4,
            )
            frame = frame[~frame[columns.id_col].isin(lengths.index[short])].reset_index(drop=True)
        return frame

    def check_missing(self, frame: pd.DataFrame, columns: Columns) -> None:
        """Refuse a target with fewer observed training values than one window; warn when most are missing."""
        target = frame[columns.target]
        keys = frame[columns.id_col] if columns.id_col else pd.Series(0, index=frame.index)
        position = keys.groupby(keys, sort=False).cumcount()
        train = position < keys.map(keys.value_counts()) - self.test_size  # (R,) rows of the training parts
        observed = int(target[train].notna().sum())
        total = int(train.sum())
        need = self.lookback + self.horizon
        if observed < need:
            raise DataError(
                f"target column {columns.target!r} has {observed} observed value(s) in the training rows ({total - observed} "
                f"of {total} missing), fewer than one window of lookback={self.lookback} + horizon={self.horizon} = "
                f"{need}. There is too little data to learn from: fill the gaps at the source, or use a shorter "
                "--lookback and --horizon."
            )
        if total and (total - observed) / total > MAX_MISSING:
            warnings.warn(
                f"target column {columns.target!r} is {100 * (total - observed) / total:.0f} % missing in the training "
                f"rows ({total - observed} of {total}); imputation fills them, so the model learns mostly filled-in "
                "values. Check the data, or train on the part where it was recorded.",
                UserWarning,
                stacklevel=4,
            )

    def auto_batch_size(self, panel: Panel) -> int:
        """64 windows, or fewer (down to 4) so that a small series still gets about 8 steps an epoch: on
        airline (73 training windows) batches of 64 leave 2 steps an epoch and rolling MASE 1.45; 16 gives 0.75."""
        return int(min(64, max(4, self.n_windows(panel) // 8)))

    def n_windows(self, panel: Panel) -> int:
        """Training windows of ``panel`` (gaps not counted)."""
        val_cut, _ = self._cuts(panel)
        return int(np.maximum(val_cut - self.lookback - self.horizon + 1, 0).sum())

    def auto_steps(self, panel: Panel, batch_size: int) -> int | None:
        """At most MAX_STEPS batches an epoch (drawn at random) on long data; None: every window once."""
        return MAX_STEPS if self.n_windows(panel) > MAX_STEPS * batch_size else None

    def mase_scales(self, panel: Panel, n_fitted: int) -> np.ndarray:
        """(n_fitted,) seasonal-naive in-sample MAE of each series' training part."""
        scales = np.ones(n_fitted)
        for i, (start, end) in enumerate(zip(panel.offsets[:-1], panel.offsets[1:])):
            scales[panel.series[i]] = seasonal_scale(panel.target[start : end - self.test_size], self.season)
        return scales

    def _cuts(self, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
        """(S,) positions where each series' validation part and test part begin."""
        train_len = pd.Series(panel.lengths - self.test_size)
        test_cut = train_len.to_numpy()
        return test_cut - self.val_sizes(train_len).to_numpy(), test_cut

    def train_starts(self, panel: Panel) -> np.ndarray:
        """(N,) start rows of the training windows: their targets end inside the training part."""
        val_cut, _ = self._cuts(panel)
        return window_starts(panel.offsets, self.lookback, self.horizon, last_target=val_cut, valid_rows=panel.valid_rows)

    def batches(self, panel: Panel, device: torch.device, batch_size: int, steps_per_epoch: int | None,
                hidden_size: int, future: slice | None = None) -> tuple[WindowBatches, WindowBatches]:
        """Training and validation windows of ``panel``, as batch sources on ``device`` (with the known-future
        columns of each window's H target rows when ``future`` names them)."""
        val_cut, test_cut = self._cuts(panel)
        valid = panel.valid_rows
        lb, h = self.lookback, self.horizon
        train_starts = window_starts(panel.offsets, lb, h, last_target=val_cut, valid_rows=valid)
        val_starts = window_starts(panel.offsets, lb, h, first_target=val_cut, last_target=test_cut, valid_rows=valid)
        if len(val_starts) > MAX_VAL_WINDOWS:  # long data: an even sample keeps validation cheap
            val_starts = val_starts[np.linspace(0, len(val_starts) - 1, MAX_VAL_WINDOWS).astype(np.int64)]
        if len(train_starts) == 0:
            raise DataError(
                "no complete training window: every window of lookback + horizon rows contains a gap "
                "(impute='drop'). Use --impute interpolate, or a shorter --lookback."
            )
        buffer = torch.from_numpy(panel.values).to(device)
        chunk = inference_chunk(lb, hidden_size)
        train = WindowBatches(buffer, torch.from_numpy(train_starts).to(device), lb, h, batch_size, steps_per_epoch,
                              chunk, future)
        val = WindowBatches(buffer, torch.from_numpy(val_starts).to(device), lb, h, batch_size, eval_size=chunk,
                            future=future)
        log.info("%d training windows, %d validation windows", len(train_starts), len(val_starts))
        return train, val

    def calibrate(self, net: torch.nn.Module, panel: Panel, prep: Preparer) -> Calibration | None:
        """Validation errors per step ahead for conformal intervals (None when there is no validation part)."""
        val_cut, test_cut = self._cuts(panel)
        if not (test_cut > val_cut).any():
            return None
        row_series = np.repeat(panel.series, panel.lengths)
        target = (panel.target - prep.loc_[row_series, 0]) / prep.scale_[row_series, 0]
        buffer = torch.from_numpy(panel.values)
        calibration = calibrate(net, buffer, panel.offsets, target, self.lookback, val_cut, test_cut)
        return calibration if all(len(s) for s in calibration.scores) else None


def make_plan(frame: pd.DataFrame, columns: Columns, *, lookback: int | None, horizon: int | None,
              season: int | None, val_size: int | None, test_size: int) -> Plan:
    """Resolve the defaults that depend on the data: the clock's frequency (gaps in it warned about once),
    the season (from the frequency unless given), lookback two seasons (at least 24), horizon one season."""
    positive_int("test_size", test_size, minimum=0)
    first = frame[columns.time_col] if columns.time_col else pd.Series(dtype="float64")
    if columns.id_col and columns.time_col:
        first = frame.loc[frame[columns.id_col] == frame[columns.id_col].iloc[0], columns.time_col]
    freq = infer_freq(first)
    gaps, first_gap = find_gaps(frame, columns, freq)
    if gaps:
        warnings.warn(
            f"{gaps} gap(s) in the {freq} clock of {columns.time_col!r}: the first between {first_gap[0]} "
            f"and {first_gap[1]}. Rows on either side of a gap are treated as consecutive steps, which blurs "
            f"the season. To keep the calendar, insert the missing timestamps as empty rows (impute fills "
            f"them): df.set_index({columns.time_col!r}).asfreq({freq!r}).reset_index().",
            UserWarning,
            stacklevel=4,
        )
    given = positive_int("season", season, optional=True)
    season = given or _season_the_data_shows(freq, frame, columns, test_size)
    horizon = positive_int("horizon", horizon if horizon is not None else max(season, 1))
    lengths = frame.groupby(columns.id_col, sort=False).size().to_numpy() if columns.id_col else np.array([len(frame)])
    if lookback is None:
        lookback = default_lookback(lengths - test_size, lengths, season, horizon, test_size, val_size)
    return Plan(
        lookback=positive_int("lookback", lookback),
        horizon=horizon,
        season=int(season),
        freq=freq,
        test_size=int(test_size),
        val_size=positive_int("val_size", val_size, minimum=0, optional=True),
    )


def default_val_sizes(train_len: np.ndarray, lookback: int, horizon: int) -> np.ndarray:
    """(S,) default validation rows: max(horizon, 10 %) of each training part, cut where that would leave a
    series fewer than MIN_WINDOWS training windows, but kept at 10 % (at least 1) while a window stays.

    >>> default_val_sizes(np.array([120, 24, 9]), lookback=3, horizon=6).tolist()   # 120: 12; 24: 6; 9: none
    [12, 6, 0]
    """
    full = np.maximum(horizon, np.round(0.1 * train_len)).astype(int)
    room = train_len - lookback - horizon  # validation rows that leave one training window
    floor = np.minimum(np.maximum(1, np.round(0.1 * train_len)).astype(int), room)
    return np.maximum(np.maximum(np.minimum(full, room - MIN_WINDOWS + 1), floor), 0)


def default_lookback(train_len: np.ndarray, lengths: np.ndarray, season: int, horizon: int, test_size: int,
                     val_size: int | None) -> int:
    """The default lookback for series whose training parts have ``train_len`` (S,) rows: two seasons (at
    least 24), or the longest shorter one that still leaves MIN_WINDOWS training windows in all,
    MIN_SERIES_SHARE of the series one window each, and every series lookback + test_size + 1 rows to be
    evaluated (shampoo's 24 training months with horizon 12: lookback 3; the M1 yearly panel: 8)."""
    want = max(2 * season, 24)
    evaluable = int(lengths.min()) - test_size - 1 if test_size else want
    for lookback in range(want, 1, -1):
        val = np.full(len(train_len), val_size) if val_size is not None else default_val_sizes(train_len, lookback, horizon)
        windows = np.maximum(train_len - val - lookback - horizon + 1, 0)
        if windows.sum() >= MIN_WINDOWS and (windows > 0).mean() >= MIN_SERIES_SHARE and lookback <= max(evaluable, 2):
            return lookback
    return min(want, max(int(train_len.max()) - horizon, 1))  # nothing fits: drop_short_series says why


def _season_the_data_shows(freq: str | None, frame: pd.DataFrame, columns: Columns, test_size: int) -> int:
    """The frequency's natural season, unless the training part is too short to show it (under two seasons):
    then the longest shorter cycle of the clock that fits (a day of hours, an hour of minutes, ...) or 1."""
    season = season_length(freq)
    lengths = frame.groupby(columns.id_col, sort=False).size() if columns.id_col else pd.Series([len(frame)])
    room = int(lengths.max()) - test_size
    if season <= max(room // 2, 1):
        return season
    step = _step(freq)
    fits = [int(cycle / step) for cycle in (pd.Timedelta(hours=1), pd.Timedelta(minutes=1))
            if step is not None and step < cycle and cycle % step == pd.Timedelta(0) and cycle / step <= room // 2]
    chosen = max(fits, default=1)
    warnings.warn(
        f"the {freq} clock's season of {season} steps is longer than half the training part ({room} steps), so the "
        f"data cannot show it; season {chosen} is used instead (for seasonal naive, MASE and the default lookback). "
        "Set it with --season N (Python: season=N).",
        UserWarning,
        stacklevel=4,
    )
    return chosen


def _step(freq: str | None) -> pd.Timedelta | None:
    try:
        return pd.Timedelta(pd.tseries.frequencies.to_offset(freq)) if freq else None
    except (ValueError, TypeError):
        return None


def trending_features(frame: pd.DataFrame, columns: Columns, test_size: int) -> tuple[str, ...]:
    """The past numeric features that trend over the training rows: std(x) / std(diff x) above ``TRENDING``
    (median over the series). Such a feature leaves its training range in the test part (a price level,
    a population), so the network should see it relative to each window, like the target; a temperature or
    a flag (ratio about 1-3) keeps its level. Training rows only: each series' last ``test_size`` rows are
    left out."""
    groups = frame.groupby(columns.id_col, sort=False) if columns.id_col else [(None, frame)]
    ratios: dict[str, list[float]] = {name: [] for name in columns.features}
    for _, rows in groups:
        rows = rows.iloc[: max(len(rows) - test_size, 0)]
        for name in columns.features:
            values = rows[name].to_numpy(dtype="float64")
            steps = np.diff(values)
            spread, change = np.nanstd(values) if len(values) > 2 else 0.0, np.nanstd(steps) if len(steps) > 1 else 0.0
            if change > 0:
                ratios[name].append(spread / change)
    return tuple(name for name, r in ratios.items() if r and float(np.median(r)) > TRENDING)


def trending_first(frame: pd.DataFrame, columns: Columns, test_size: int) -> tuple[Columns, tuple[str, ...]]:
    """``columns`` with the trending past features first (the network normalises the first ``n_normalised``
    inputs per window) -> (columns, the trending features)."""
    trending = trending_features(frame, columns, test_size)
    return replace(columns, features=(*trending, *[c for c in columns.features if c not in trending])), trending


def check_normalised(normalised: tuple[str, ...], past: tuple[str, ...]) -> None:
    """Refuse ``window_norm_features`` that are not past features."""
    unknown = [c for c in normalised if c not in past]
    if unknown:
        raise ConfigError(f"window_norm_features {unknown} are not among the past features {list(past)}.")
