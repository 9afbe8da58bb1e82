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

``model_or_config`` is a Forecaster, a model folder, or a config (a dict, or a .toml/.json file) of the form::

    [data]                      # column roles, as for Forecaster.fit
    target = "passengers"
    time_col = "timestamp"      # also id_col, features = [...], categorical = [...]
    test_size = 24              # optional: the default fold_size is test_size // folds
    [forecaster]                # Forecaster parameters
    lookback = 24
    max_epochs = 50
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import intervals as iv
from .baselines import resolve_baselines
from .evaluation import evaluate_panel
from .exceptions import ConfigError, DataError, did_you_mean
from .forecaster import Forecaster
from .io import read_table
from .metrics import METRICS

__all__ = ["Backtest", "backtest", "read_config"]

DATA_KEYS = ("target", "time_col", "id_col", "features", "categorical", "test_size")


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
    models: list[Forecaster] = field(default_factory=list, repr=False)

    def table(self, metric: str = "mase") -> pd.DataFrame:
        """One metric per fold (rows 1..K, then 'all') and (evaluation, method) (columns)."""
        rows = {}
        for fold in [*self.folds, {"fold": "all", "metrics": self.metrics}]:
            rows[fold["fold"]] = {
                (kind, method): values[metric] for kind, block in fold["metrics"].items() for method, values in block.items()
            }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("fold")

    def to_dict(self) -> dict:
        """JSON-ready: {"folds": [{fold, start, end, in_sample, rolling, multistep}], "aggregate": {...}, ...}"""
        return {
            "folds": [{k: v for k, v in f.items() if k != "metrics"} | f["metrics"] for f in self.folds],
            "aggregate": self.metrics,
            "fold_size": self.fold_size,
            "refit": self.refit,
            "seconds": round(self.seconds, 3),
        }

    def plot(self, path: str | Path, *, series: str | None = None) -> Path:
        from .plots import plot_backtest

        return plot_backtest(self, path, series=series)


def backtest(
    model_or_config,
    data,
    *,
    folds: int = 5,
    fold_size: int | None = None,
    refit: bool = False,
    baselines="all",
    allow_in_sample: bool = False,
    intervals=None,
    interval_method: str = "adaptive",
    verbose: int = 0,
) -> Backtest:
    """Score the LSTM and the baselines on K expanding-window folds at the end of each series (see the module)."""
    if not isinstance(folds, (int, np.integer)) or folds <= 0:
        raise ConfigError(f"folds must be a positive integer; got {folds!r}.")
    levels, methods = iv.check_levels(intervals), resolve_baselines(baselines)
    iv.check_method(interval_method)
    model, fit_args = _model_and_columns(model_or_config)
    fitted = hasattr(model, "net_")
    if not refit and not fitted:
        raise ConfigError(
            "a config describes an untrained model, so each fold must train one: add --refit (refit=True)."
        )
    fold_size = _fold_size(fold_size, folds, model.test_size_ if fitted else fit_args.get("test_size"))
    started = time.perf_counter()
    if refit:
        results, models = _refit(model, fit_args, data, folds, fold_size, levels, interval_method, methods, verbose)
    else:
        results, models = _frozen(model, data, folds, fold_size, levels, interval_method, methods, allow_in_sample)
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
        refit=refit,
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


def _frozen(model: Forecaster, data, folds, fold_size, levels, method, baselines, allow_in_sample):
    """The trained model at every fold: one data pass, each fold's forecasts batched."""
    _, panel, buffer = model._panel(data)
    model._check_length(panel, folds * fold_size)
    results = []
    for k in range(1, folds + 1):
        gap = (folds - k) * fold_size
        ev = evaluate_panel(model, panel, buffer, fold_size, gap, levels, method, baselines)
        flag = _in_sample(model, panel, fold_size, gap)
        if flag and not allow_in_sample:
            raise DataError(
                f"fold {k} of {folds} ({_span(ev)['start']} to {_span(ev)['end']}) reaches into the model's training "
                f"data (which ends {model.train_end_[panel.series[0]]}), so its scores would be in-sample. Use fewer "
                f"--folds or a smaller --fold-size (the model held out {model.test_size_} steps), --refit to train "
                "each fold on its own history, or --allow-in-sample to keep such folds, flagged."
            )
        results.append((ev, flag))
    return results, [model]


def _in_sample(model: Forecaster, panel, fold_size: int, gap: int) -> bool:
    """Whether the fold's first test row of any series is at or before that series' last training time."""
    if model.train_end_ is None:
        return True  # a model saved without it: assume the worst
    for i, s in enumerate(panel.series):
        times = panel.times[i]
        first = times[len(times) - gap - fold_size]
        end = model.train_end_[s]
        if isinstance(end, str):
            end = pd.Timestamp(end)
            first = pd.Timestamp(first)
        if first <= end:
            return True
    return False


def _refit(model: Forecaster, fit_args: dict, data, folds, fold_size, levels, method, baselines, verbose: int):
    """A new preparation and network per fold, fitted on the fold's history only."""
    columns = {k: v for k, v in fit_args.items() if k != "test_size"}
    frame = read_table(data, model.columns_ if hasattr(model, "columns_") else _columns(columns))
    params = model.get_params() | {"verbose": verbose}
    results, models = [], []
    for k in range(1, folds + 1):
        gap = (folds - k) * fold_size
        part = _cut(frame, columns.get("id_col"), gap)
        fold_model = Forecaster(**params).fit(part, **columns, test_size=fold_size)
        _, panel, buffer = fold_model._panel(part)
        results.append((evaluate_panel(fold_model, panel, buffer, fold_size, 0, levels, method, baselines), False))
        models.append(fold_model)
    return results, models


def _cut(frame: pd.DataFrame, id_col: str | None, gap: int) -> pd.DataFrame:
    """Each series without its last ``gap`` rows."""
    if gap == 0:
        return frame
    if id_col is None:
        return frame.iloc[: len(frame) - gap]
    groups = frame.groupby(id_col, sort=False)
    return frame[groups.cumcount() < groups[id_col].transform("size") - gap]


def _columns(columns: dict):
    from .io import Columns, checked_names

    return Columns(
        target=columns["target"],
        time_col=columns.get("time_col"),
        id_col=columns.get("id_col"),
        features=checked_names(columns.get("features")),
        categorical=checked_names(columns.get("categorical")),
    )


def _span(ev) -> dict:
    times = ev.rolling.iloc[:, ev.rolling.columns.get_loc("actual") - 1]
    return {"start": _text(times.min()), "end": _text(times.max())}


def _text(value) -> str | int | float:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value))
    return value.item() if isinstance(value, np.generic) else value


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


# ---- what to backtest: a model, a model folder, or a config ------------------------------------------------------
def _model_and_columns(source) -> tuple[Forecaster, dict]:
    if isinstance(source, Forecaster):
        return source, _fitted_columns(source)
    if isinstance(source, dict):
        return _from_config(source, "the config")
    path = Path(source)
    if path.is_dir():
        model = Forecaster.load(path)
        return model, _fitted_columns(model)
    return _from_config(read_config(path), str(path))


def _fitted_columns(model: Forecaster) -> dict:
    if not hasattr(model, "columns_"):
        raise ConfigError("an unfitted Forecaster has no column roles; backtest a config dict, or fit it first.")
    c = model.columns_
    return {
        "target": c.target, "time_col": c.time_col, "id_col": c.id_col,
        "features": list(c.features) or None, "categorical": list(c.categorical) or None,
        "test_size": model.test_size_,
    }


def read_config(path: str | Path) -> dict:
    """A backtest config from a .toml or .json file: {"data": {...}, "forecaster": {...}}."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{str(path)!r} is neither a model folder nor a config file: it does not exist.")
    text = path.read_text()
    try:
        if path.suffix.lower() == ".toml":
            try:
                import tomllib
            except ImportError:  # Python 3.10
                import tomli as tomllib
            return tomllib.loads(text)
        if path.suffix.lower() == ".json":
            return json.loads(text)
    except ValueError as err:
        raise ConfigError(f"config {str(path)!r} cannot be parsed: {err}") from err
    raise ConfigError(f"config {str(path)!r} must be a .toml or .json file (or give a model folder).")


def _from_config(config: dict, where: str) -> tuple[Forecaster, dict]:
    unknown = set(config) - {"data", "forecaster"}
    if unknown or "data" not in config:
        name = sorted(unknown)[0] if unknown else "data"
        hint = did_you_mean(name, ("data", "forecaster")) if unknown else ""
        raise ConfigError(
            f"{where} needs a [data] table (target, time_col, ...) and an optional [forecaster] table; "
            f"got {sorted(config) or 'nothing'}.{hint}"
        )
    data = dict(config["data"])
    for key in data:
        if key not in DATA_KEYS:
            raise ConfigError(f"{where}: [data] has no key {key!r}; keys: {', '.join(DATA_KEYS)}.{did_you_mean(key, DATA_KEYS)}")
    if "target" not in data:
        raise ConfigError(f"{where}: [data] must name the target column (target = \"sales\").")
    model = Forecaster().set_params(**config.get("forecaster", {}))
    return model, data
