"""Rolling-origin backtests: K expanding-window folds at the end of each series.

Fold k = 1..K (oldest first) tests the ``fold_size`` rows that end (K - k) * fold_size rows before each series'
end; everything before them is its history. In each fold the LSTM and the baselines are scored on the same
points, rolling one-step and multi-step (origins every H rows from the fold's start), exactly as
``Forecaster.evaluate`` scores its test part.

- ``refit=False``: the trained model, with its own preparation, forecasts every fold. Its forecasts of a fold
  are computed in one batch per kind (no per-origin loop). A fold whose rows reach into the model's training
  data (training + validation) would be scored in-sample: it is refused, or kept and flagged ``in_sample`` with
  ``allow_in_sample=True``. By default the K folds tile the part the model held out (``test_size // K`` each).
- ``refit=True``: each fold fits a new preparation and network on its own history only
  (``Forecaster.fit(..., test_size=fold_size)`` on the series cut after the fold), so nothing a fold is scored
  on reaches its scaler, imputation, encoding, MASE scale, early stopping or calibration.

The entry points are ``Forecaster.backtest`` and ``lstmkit.backtest`` (a model, a model folder or a config).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import plots
from .._validation import names, positive_int, to_builtin
from ..exceptions import ConfigError, DataError
from ..io import Columns, read_table
from ..results import ScoreTable, html_section, html_table
from . import intervals as iv
from .baselines import resolve_baselines
from .evaluation import evaluate_panel
from .fitted import FittedForecaster
from .metrics import METRICS

__all__ = ["Backtest", "run_backtest", "fit_columns"]


def fit_columns(fit_args: dict) -> Columns:
    """The column roles among ``Forecaster.fit`` keyword arguments that a refitting backtest reads."""
    return Columns(target=fit_args["target"], time_col=fit_args.get("time_col"), id_col=fit_args.get("id_col"),
                   features=names(fit_args.get("features")), categorical=names(fit_args.get("categorical")))


@dataclass
class Backtest:
    """What ``backtest`` returns.

    folds:     one dict per fold: fold (1-based), start, end (times of its first and last test row), in_sample,
               metrics {"rolling": {method: {...}}, "multistep": {...}} as in ``Evaluation.metrics``
    metrics:   the same over the points of every fold (means weighted by points; RMSE pooled)
    rolling, multistep: every fold's points (as in ``Evaluation``) with a ``fold`` column
    history:   the rows before the first fold
    models:    the model of each fold (``refit=True``) or the one model
    """

    folds: list[dict]
    metrics: dict
    rolling: pd.DataFrame
    multistep: pd.DataFrame
    history: pd.DataFrame
    target: str
    season: int
    fold_size: int
    refit: bool
    seconds: float
    models: list = field(default_factory=list, repr=False)

    def table(self, metric: str = "mase") -> ScoreTable:
        """One metric per fold (rows 1..K, then 'all') and (evaluation, method) (columns)."""
        rows = {}
        for fold in [*self.folds, {"fold": "all", "metrics": self.metrics}]:
            rows[fold["fold"]] = {
                (kind, method): values[metric] for kind, block in fold["metrics"].items() for method, values in block.items()
            }
        return ScoreTable.from_dict(rows, orient="index").rename_axis("fold")

    def to_dict(self) -> dict:
        """JSON-ready: {"folds": [{fold, start, end, in_sample, rolling, multistep}], "aggregate": {...}, ...}"""
        return {
            "folds": [{k: v for k, v in f.items() if k != "metrics"} | f["metrics"] for f in self.folds],
            "aggregate": self.metrics,
            "fold_size": self.fold_size,
            "refit": self.refit,
            "seconds": round(self.seconds, 3),
        }

    def plot(self, path: str | Path | None = None, *, series: str | None = None):
        """The folds of one series (the first by default) and MASE per fold: a matplotlib Figure, saved as a
        PNG when ``path`` is given."""
        return plots.plot_backtest(self.rolling, self.history, self.table("mase"), path, target=self.target,
                                   season=self.season, refit=self.refit, series=series)


    def _repr_html_(self) -> str:
        title = f"{len(self.folds)}-fold backtest of {self.fold_size} steps ({'refit' if self.refit else 'one model'})"
        return "".join(html_section(f"{title}: {kind} MASE", html_table(self.table("mase")[kind]))
                       for kind in ("rolling", "multistep"))


def run_backtest(
    fitted: FittedForecaster | None,
    data,
    *,
    fit_fold: Callable[[pd.DataFrame, int], Any] | None = None,
    columns: Columns | None = None,
    folds: int = 5,
    fold_size: int | None = None,
    default_test_size: int | None = None,
    baselines="all",
    allow_in_sample: bool = False,
    intervals=None,
    interval_method: str = "adaptive",
) -> Backtest:
    """Score the LSTM and the baselines on K expanding-window folds at the end of each series (see the module).

    With ``fitted`` the trained model forecasts every fold; otherwise ``fit_fold(history, fold_size)`` trains a
    model (anything with a ``fitted()`` method) per fold on the rows of ``data`` (read with ``columns``) up to
    the fold's end, its last ``fold_size`` rows held out. ``default_test_size // folds`` is the default fold size.
    """
    folds = positive_int("folds", folds)
    levels, methods = iv.check_levels(intervals), resolve_baselines(baselines)
    iv.check_method(interval_method)
    fold_size = _fold_size(fold_size, folds, default_test_size)
    started = time.perf_counter()
    if fitted is None:
        results, models = _refit(fit_fold, columns, data, folds, fold_size, levels, interval_method, methods)
    else:
        results, models = _frozen(fitted, data, folds, fold_size, levels, interval_method, methods, allow_in_sample)
    seconds = time.perf_counter() - started
    frames = {kind: [] for kind in ("rolling", "multistep")}
    for k, (ev, _) in enumerate(results, start=1):
        for kind in frames:
            frames[kind].append(getattr(ev, kind).assign(fold=k))
    return Backtest(
        folds=[
            {"fold": k, **_span(ev), "in_sample": flag, "metrics": ev.metrics}
            for k, (ev, flag) in enumerate(results, start=1)
        ],
        metrics={kind: _pool([ev.metrics[kind] for ev, _ in results]) for kind in frames},
        rolling=pd.concat(frames["rolling"], ignore_index=True),
        multistep=pd.concat(frames["multistep"], ignore_index=True),
        history=results[0][0].history,
        target=results[0][0].target,
        season=results[0][0].season,
        fold_size=fold_size,
        refit=fitted is None,
        seconds=seconds,
        models=models,
    )


def _fold_size(fold_size: int | None, folds: int, test_size: int | None) -> int:
    if fold_size is None:
        if not test_size:
            raise ConfigError(
                "give --fold-size: the model (or config) has no test_size whose held-out part the folds could tile."
            )
        fold_size = test_size // folds
        if fold_size == 0:
            raise ConfigError(
                f"{folds} folds cannot tile a held-out part of {test_size} steps; use at most {test_size} folds "
                "or give --fold-size."
            )
    if not isinstance(fold_size, (int, np.integer)) or fold_size <= 0:
        raise ConfigError(f"fold_size must be a positive integer; got {fold_size!r}.")
    return int(fold_size)


def _frozen(fitted: FittedForecaster, data, folds, fold_size, levels, method, baselines, allow_in_sample):
    """The trained model at every fold: one data pass, each fold's forecasts batched."""
    fitted, panel, buffer = fitted.prepared(data, holdout=folds * fold_size, need=fitted.lookback + folds * fold_size + 1)
    fitted.check_length(panel, folds * fold_size)
    results = []
    for k in range(1, folds + 1):
        gap = (folds - k) * fold_size
        ev = evaluate_panel(fitted, panel, buffer, fold_size, gap, levels, method, baselines)
        flag = _in_sample(fitted, panel, fold_size, gap)
        if flag and not allow_in_sample:
            raise DataError(
                f"fold {k} of {folds} ({_span(ev)['start']} to {_span(ev)['end']}) reaches into the model's training "
                f"data (which ends {fitted.train_end[panel.series[0]]}), so its scores would be in-sample. Use fewer "
                f"--folds or a smaller --fold-size (the model held out {fitted.test_size} steps), --refit to train "
                "each fold on its own history, or --allow-in-sample to keep such folds, flagged."
            )
        results.append((ev, flag))
    return results, []


def _in_sample(fitted: FittedForecaster, panel, fold_size: int, gap: int) -> bool:
    """Whether the fold's first test row of any series is at or before that series' last training time."""
    if fitted.train_end is None:
        return True  # a model saved without it: assume the worst
    for i, s in enumerate(panel.series):
        times = panel.times[i]
        first = times[len(times) - gap - fold_size]
        end = fitted.train_end[s]
        if isinstance(end, str):
            end = pd.Timestamp(end)
            first = pd.Timestamp(first)
        if first <= end:
            return True
    return False


def _refit(fit_fold, columns: Columns, data, folds, fold_size, levels, method, baselines):
    """A new preparation and network per fold, fitted on the fold's history only."""
    frame = read_table(data, columns)
    results, models = [], []
    for k in range(1, folds + 1):
        part = _cut(frame, columns.id_col, (folds - k) * fold_size)
        model = fit_fold(part, fold_size)
        fitted = model.fitted()
        panel, buffer = fitted.panel(part)  # the fold's rows, its real known-future values included
        results.append((evaluate_panel(fitted, panel, buffer, fold_size, 0, levels, method, baselines), False))
        models.append(model)
    return results, models


def _cut(frame: pd.DataFrame, id_col: str | None, gap: int) -> pd.DataFrame:
    """Each series without its last ``gap`` rows."""
    if gap == 0:
        return frame
    if id_col is None:
        return frame.iloc[: len(frame) - gap]
    groups = frame.groupby(id_col, sort=False)
    return frame[groups.cumcount() < groups[id_col].transform("size") - gap]


def _span(ev) -> dict:
    times = ev.rolling.iloc[:, ev.rolling.columns.get_loc("actual") - 1]
    return {"start": _text(times.min()), "end": _text(times.max())}


def _text(value) -> str | int | float:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value))
    return to_builtin(value)


def _pool(blocks: list[dict]) -> dict:
    """Metrics over the points of several folds from each fold's metrics: means weighted by points."""
    out = {}
    for method in blocks[0]:
        parts = [b[method] for b in blocks if b[method]["n"] > 0]
        n = np.array([p["n"] for p in parts], dtype="float64")
        if not len(parts):
            out[method] = {m: float("nan") for m in METRICS} | {"n": 0}
            continue
        pooled = {m: float(np.average([p[m] for p in parts], weights=n)) for m in METRICS if m != "rmse"}
        pooled["rmse"] = float(np.sqrt(np.average([p["rmse"] ** 2 for p in parts], weights=n)))
        out[method] = {m: pooled[m] for m in METRICS} | {"n": int(n.sum())}
        if "intervals" in parts[0]:
            out[method]["intervals"] = {
                level: {
                    k: float(np.average([p["intervals"][level][k] for p in parts], weights=n))
                    for k in parts[0]["intervals"][level] if k != "n"
                } | {"n": int(n.sum())}
                for level in parts[0]["intervals"]
            }
    return out
