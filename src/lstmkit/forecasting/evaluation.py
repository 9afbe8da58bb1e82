"""Scoring a fitted forecaster on a test part: rolling one-step and multi-step forecasts, baselines on the
same points, and interval quality when intervals are asked for. ``Forecaster.evaluate`` and the backtest
(``end_gap`` > 0 for earlier folds) both come here, with the frozen ``FittedForecaster``.

Shape symbols:  N points   R buffer rows   S series
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .. import plots
from ..exceptions import DataError
from ..prep import Panel
from ..results import ScoreTable, html_section, html_table
from . import inference as fc
from . import intervals as iv
from .fitted import FittedForecaster
from .metrics import score
from .plan import default_val_sizes

__all__ = ["Evaluation", "evaluate_panel", "COMBINED"]

COMBINED = "lstm+ets"  # the LSTM and ETS, weighted by their validation errors: a row of its own, never the default


@dataclass
class Evaluation:
    """What ``Forecaster.evaluate`` returns.

    metrics:   {"rolling": {method: {...}}, "multistep": {method: {...}}}, methods lstm, naive, seasonal_naive
               (and any other baselines asked for); with intervals, metrics[kind]["lstm"]["intervals"] =
               {level: {"coverage", "width", "interval_score", "msis", "pinball", "n"}}
    rolling:   one row per test point: series id, time, actual, lstm, [lower_<level>, upper_<level>, ...,]
               then the baselines
    multistep: one row per (origin, step): the same columns plus origin and ahead (1-based step)
    combination: with the ets baseline, {"rolling": w, "multistep": w}, the LSTM's weight in ``lstm+ets``
               (``combination_weights``); empty otherwise
    history:   the rows before the test part, for plots (series id, time, actual)
    scales:    {series id: MASE scale}, the in-sample seasonal-naive MAE of each series' training part
    """

    metrics: dict
    rolling: pd.DataFrame
    multistep: pd.DataFrame
    history: pd.DataFrame
    target: str
    season: int
    levels: tuple[float, ...] = ()
    interval_method: str | None = None
    id_col: str | None = None
    scales: dict = field(default_factory=dict)
    combination: dict = field(default_factory=dict)

    def table(self) -> ScoreTable:
        """Metrics as one table: rows (evaluation, method), columns mae, rmse, mape, smape, mase, n."""
        return _metric_table(self.metrics, ["evaluation", "method"])

    def interval_table(self) -> ScoreTable:
        """Interval quality: rows (evaluation, level), columns coverage, width, interval_score, msis, pinball, n."""
        rows = {
            (kind, level): values
            for kind, block in self.metrics.items()
            for level, values in block["lstm"].get("intervals", {}).items()
        }
        return ScoreTable.from_dict(rows, orient="index").rename_axis(["evaluation", "level"])

    def by_series(self) -> ScoreTable:
        """Metrics of each series on its own: rows (series, evaluation, method), the columns of ``table``."""
        parts = {sid: self.series_metrics(sid) for sid in self.scales}
        rows = {
            (sid, kind, method): {k: v for k, v in values.items() if k != "intervals"}
            for sid, metrics in parts.items() for kind, block in metrics.items() for method, values in block.items()
        }
        return ScoreTable.from_dict(rows, orient="index").rename_axis(["series", "evaluation", "method"])

    def series_metrics(self, series: str) -> dict:
        """``metrics`` of one series (intervals included), scored on its points only."""
        if str(series) not in self.scales:
            raise DataError(f"series {series!r} is not in this evaluation; it has {list(self.scales)[:5]}.")
        out = {}
        for kind in ("rolling", "multistep"):
            points = getattr(self, kind)
            if self.id_col is not None:
                points = points[points[self.id_col].astype(str) == str(series)]
            methods = list(self.metrics[kind])
            bands = {"lstm": {iv.level_key(v): (points[f"lower_{iv.level_key(v)}"].to_numpy(),
                                                points[f"upper_{iv.level_key(v)}"].to_numpy()) for v in self.levels}}
            scale = np.full(len(points), self.scales[str(series)])
            out[kind] = score(points["actual"].to_numpy(), {m: points[m].to_numpy() for m in methods}, scale,
                              bands if self.levels else None)
        return out

    def plot(self, path: str | Path | None = None, *, series: str | None = None):
        """The forecasts of one series (the first by default) over the test part, with the scores of that
        series in the legend; a matplotlib Figure (shown inline in a notebook), saved as a PNG when ``path``
        is given."""
        if self.id_col is not None and series is None:
            series = next(iter(self.scales))
        metrics = self.series_metrics(series) if self.id_col is not None else self.metrics
        return plots.plot_forecast(
            self.rolling, self.multistep, self.history, metrics, path, target=self.target, season=self.season,
            levels=self.levels, interval_method=self.interval_method, series=series,
        )

    def _repr_html_(self) -> str:
        parts = [html_section(f"{self.target}: LSTM next to the baselines", html_table(self.table()))]
        if self.levels:
            parts.append(html_section(f"{self.interval_method} intervals", html_table(self.interval_table())))
        return "".join(parts)


def _metric_table(metrics: dict, names: list[str]) -> ScoreTable:
    rows = {
        (kind, method): {k: v for k, v in values.items() if k != "intervals"}
        for kind, block in metrics.items()
        for method, values in block.items()
    }
    return ScoreTable.from_dict(rows, orient="index").rename_axis(names)


def evaluate_panel(
    fitted: FittedForecaster, panel: Panel, buffer: torch.Tensor, test_size: int, end_gap: int, levels, interval_method,
    baselines: dict, combine: bool = True,
) -> Evaluation:
    """Score the test part that ends ``end_gap`` rows before each series' end (backtest folds). With the ets
    baseline (and ``combine``), ``lstm+ets`` is scored too, a method of its own beside the plain LSTM."""
    fitted.check_length(panel, test_size, end_gap)
    row_series = np.repeat(panel.series, panel.lengths)
    history = fitted.prep.inverse_target(panel.values[:, 0], row_series)
    series_start = np.repeat(panel.offsets[:-1], panel.lengths)
    row_scale = np.repeat(fitted.mase_scale[panel.series], panel.lengths)
    row_last = np.repeat(panel.offsets[1:] - 1, panel.lengths)  # (R,) the last row of each row's series
    season = fitted.season

    rows, _, ahead = fc.rolling(fitted.net, buffer, panel, fitted.lookback, test_size, end_gap)  # (N,), (N, H)
    zeros = np.zeros(len(rows), dtype=np.int64)
    rolling = {"lstm": fitted.prep.inverse_target(ahead[:, 0], row_series[rows])}
    actual = panel.target[rows]
    roll_bands = _bands(fitted, buffer, rows, zeros, row_series[rows], rolling["lstm"], levels, interval_method, actual,
                        row_last[rows])
    for name, baseline in baselines.items():
        rolling[name] = baseline(history, series_start, rows, zeros, season)

    origin, step, _ = fc.multistep_points(panel, fitted.horizon, test_size, end_gap)  # origins are test rows
    target_rows = origin + step
    scaled = ahead[np.searchsorted(rows, origin), step]  # rows ascend: series back to back, in time order
    multi = {"lstm": fitted.prep.inverse_target(scaled, row_series[target_rows])}
    multi_bands = _bands(
        fitted, buffer, origin, step, row_series[target_rows], multi["lstm"], levels, interval_method,
        panel.target[target_rows], row_last[origin],
    )
    for name, baseline in baselines.items():
        multi[name] = baseline(history, series_start, origin, step, season)
    weights = combination_weights(fitted, panel, buffer, test_size, end_gap, baselines) if combine else {}
    if weights:
        for kind, forecasts in (("rolling", rolling), ("multistep", multi)):
            forecasts[COMBINED] = weights[kind] * forecasts["lstm"] + (1 - weights[kind]) * forecasts["ets"]

    metrics = {
        "rolling": score(actual, rolling, row_scale[rows], {"lstm": roll_bands} if levels else None),
        "multistep": score(
            panel.target[target_rows], multi, row_scale[target_rows], {"lstm": multi_bands} if levels else None
        ),
    }
    return Evaluation(
        metrics=metrics,
        rolling=_points(fitted, panel, rows, {"actual": actual, **_with_bands(rolling, roll_bands)}),
        multistep=_points(
            fitted, panel, target_rows, {"actual": panel.target[target_rows], **_with_bands(multi, multi_bands)},
            origin, step,
        ),
        history=_history(fitted, panel, test_size + end_gap),
        target=fitted.columns.target,
        season=season,
        levels=tuple(levels),
        interval_method=interval_method if levels else None,
        id_col=fitted.columns.id_col,
        scales={sid: float(fitted.mase_scale[s]) for sid, s in zip(panel.ids, panel.series)},
        combination=weights,
    )


def combination_weights(
    fitted: FittedForecaster, panel: Panel, buffer: torch.Tensor, test_size: int, end_gap: int, baselines: dict
) -> dict[str, float]:
    """The LSTM's weight in ``lstm+ets`` for each evaluation, {} without the ets baseline: inverse-MAE
    weights, 1/e_lstm / (1/e_lstm + 1/e_ets), from both scored on the validation part, the default number of
    validation rows just before the test part (rows training never fitted; ETS fitted on the rows before
    them). Nothing at or after the test part is read. 0.5 each where that part is too short to score."""
    if "ets" not in baselines:
        return {}
    val = default_val_sizes(panel.lengths - test_size - end_gap, fitted.val_lookback or fitted.lookback, fitted.horizon)
    equal = {"rolling": 0.5, "multistep": 0.5}
    if not (val > 0).any():
        return equal
    try:  # a series without lookback rows before the validation part cannot score it
        scored = evaluate_panel(fitted, panel, buffer, int(val[val > 0].min()), end_gap + test_size, (), None,
                                {"ets": baselines["ets"]}, combine=False).metrics
    except DataError:
        return equal
    out = {}
    for kind, block in scored.items():
        e_lstm, e_ets = block["lstm"]["mae"], block["ets"]["mae"]
        ok = np.isfinite([e_lstm, e_ets]).all() and min(e_lstm, e_ets) > 0
        out[kind] = float(e_ets / (e_lstm + e_ets)) if ok else 0.5  # = (1/e_lstm) / (1/e_lstm + 1/e_ets)
    return out


def _bands(fitted: FittedForecaster, buffer, origin, step, series, forecast, levels, method, actual, last) -> dict:
    if not levels:
        return {}
    return iv.bounds(fitted, buffer, origin, step, series, forecast, levels, method, actual, last)


def _row_labels(fitted: FittedForecaster, panel: Panel, rows: np.ndarray) -> dict:
    times = np.concatenate([np.asarray(t) for t in panel.times])
    ids = np.repeat(np.array(panel.ids, dtype=object), panel.lengths)
    labels = {fitted.time_name: times[rows]}
    if fitted.columns.id_col:
        labels = {fitted.columns.id_col: ids[rows], **labels}
    return labels


def _points(fitted: FittedForecaster, panel: Panel, rows, values: dict, origin=None, step=None) -> pd.DataFrame:
    out = _row_labels(fitted, panel, rows)
    if origin is not None:
        times = np.concatenate([np.asarray(t) for t in panel.times])
        out |= {"origin": times[origin], "ahead": step + 1}
    return pd.DataFrame(out | values)


def _history(fitted: FittedForecaster, panel: Panel, test_size: int) -> pd.DataFrame:
    rows = np.concatenate([np.arange(s, e - test_size) for s, e in zip(panel.offsets[:-1], panel.offsets[1:])])
    return pd.DataFrame(_row_labels(fitted, panel, rows) | {"actual": panel.target[rows]})


def _with_bands(forecasts: dict, bands: dict) -> dict:
    """Columns in order: lstm, its bounds per level, then the baselines."""
    out = {"lstm": forecasts["lstm"]}
    for key, (lower, upper) in bands.items():
        out |= {f"lower_{key}": lower, f"upper_{key}": upper}
    return out | {k: v for k, v in forecasts.items() if k != "lstm"}
