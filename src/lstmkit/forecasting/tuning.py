"""Hyper-parameter search with Optuna, scored on rolling-origin folds inside the training part.

The config's [search] table gives the space (``config.py``); each trial is a Forecaster with the [forecaster]
parameters and one point of the space. The test part (the last ``test_size`` rows of each series, [data]) is
cut off first and never seen: inside what remains, K folds of ``fold_size`` rows at the end each train a new
model on the rows before the fold (``Forecaster.fit(history, test_size=fold_size)``, as ``backtest(refit=True)``)
and score its multistep (or rolling) forecasts of the fold. A trial's score is the mean over its folds; after each
fold the running mean goes to Optuna, whose median pruner stops trials that are already worse than the median
of the earlier ones at that fold. The default model (the [forecaster] parameters alone) is scored on the same
folds, so the result says whether the search beat it; the winner (the best trial, or the default when no trial
beat it) is refit on the whole training part.

    >>> result = tune("airline.toml", "airline.csv", trials=8)         # doctest: +SKIP
    >>> result.summary(), result.trials, result.model.save("airline-tuned")

Needs ``pip install 'lstmkit[tune]'`` (Optuna).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch

from .._validation import names, one_of, positive_int
from ..config import RunConfig, load_run_config
from ..exceptions import ConfigError, DataError, LstmkitError, did_you_mean
from ..io import Columns, read_table
from .forecaster import Forecaster
from .metrics import METRICS
from .plan import make_plan

__all__ = ["tune", "TuneResult", "search_space", "Dimension", "EVALUATIONS"]

log = logging.getLogger(__name__)

EVALUATIONS = ("multistep", "rolling")
NOT_SEARCHED = {
    "horizon": "it is what the model forecasts, not a setting: fix it in [forecaster]",
    "device": "it changes where a model trains, not how well",
    "precision": "it changes the arithmetic, not the model",
    "verbose": "it changes the output only",
    "random_state": "picking the luckiest seed overfits the folds",
}
INSTALL = "install it with: pip install 'lstmkit[tune]'"


@dataclass(frozen=True)
class Dimension:
    """One searched parameter: ``choices``, or a range [low, high]: integers when both bounds (and the step, if
    any) are integers, floats otherwise; ``log`` samples on a log scale."""

    name: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None

    def suggest(self, trial):
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if _integer(self.low) and _integer(self.high) and (self.step is None or _integer(self.step)):
            return trial.suggest_int(self.name, int(self.low), int(self.high), step=int(self.step or 1), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log, step=self.step)


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def search_space(search: dict, where: str = "the config") -> list[Dimension]:
    """The [search] table as Dimensions, each name a Forecaster parameter that may be searched."""
    known = set(Forecaster().get_params())
    dims = []
    for name, value in search.items():
        if name not in known:
            raise ConfigError(f"{where}: [search] {name!r} is not a Forecaster parameter.{did_you_mean(name, known)}")
        if name in NOT_SEARCHED:
            raise ConfigError(f"{where}: [search] {name!r} cannot be searched: {NOT_SEARCHED[name]}.")
        if isinstance(value, list):
            dims.append(Dimension(name, choices=tuple(value)))
            continue
        low, high = value["low"], value["high"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)) or not low < high:
            raise ConfigError(f"{where}: [search] {name} needs numbers low < high; got low={low!r}, high={high!r}.")
        if value.get("log") and low <= 0:
            raise ConfigError(f"{where}: [search] {name} on a log scale needs low > 0; got low={low!r}.")
        dims.append(Dimension(name, low=low, high=high, log=bool(value.get("log", False)), step=value.get("step")))
    if not dims:
        raise ConfigError(f"{where} has no [search] table: add one, e.g. [search] lookback = [12, 24, 36].")
    return dims


@dataclass
class TuneResult:
    """What ``tune`` returns.

    trials:  one row per trial: number, state (COMPLETE, PRUNED, FAIL), score (mean over the folds it ran),
             fold_1..fold_K, seconds, the searched parameters, error (why a trial failed)
    default_score, best_score: the default model's and the best trial's scores on the same folds (lower is better)
    params:  the Forecaster parameters of the saved model; model: it, refit on the whole training part
    """

    trials: pd.DataFrame
    default_score: float
    best_score: float
    best_params: dict
    params: dict
    beat_default: bool
    metric: str
    evaluation: str
    folds: int
    fold_size: int
    seconds: float
    model: Forecaster | None = field(default=None, repr=False)
    study: object = field(default=None, repr=False)  # the optuna.Study (intermediate fold scores, ...)

    def summary(self) -> str:
        """One line: whether the search beat the default, by how much, and what was kept."""
        name = f"{self.evaluation} {self.metric.upper()}"
        counts = self.trials["state"].value_counts().to_dict()
        done = ", ".join(f"{n} {state.lower()}" for state, n in counts.items())
        if self.beat_default:
            gain = 100 * (1 - self.best_score / self.default_score) if self.default_score > 0 else float("nan")
            verdict = (f"the best trial beat the default: {name} {self.best_score:.4f} vs {self.default_score:.4f} "
                       f"({gain:.1f} % lower) with {self.best_params}; it was refit and kept.")
        else:
            verdict = (f"no trial beat the default: best {name} {self.best_score:.4f} vs the default's "
                       f"{self.default_score:.4f}; the default parameters were refit and kept.")
        return (f"{len(self.trials)} trials ({done}) on {self.folds} folds of {self.fold_size} steps inside the "
                f"training part, {self.seconds:.0f} s: {verdict}")


def tune(
    config: str | Path | dict | RunConfig,
    data,
    *,
    trials: int | None = None,
    folds: int | None = None,
    fold_size: int | None = None,
    metric: str | None = None,
    evaluation: str | None = None,
    seed: int | None = None,
    timeout: float | None = None,
    threads: int | None = None,
    on_trial: Callable[[dict], None] | None = None,
) -> TuneResult:
    """Search the config's [search] space (see the module); the options override its [tune] table. ``on_trial``
    is called with each finished trial's row (and first with the default model's, number -1).

    ``threads`` (default 1; 0: torch's default) sets torch's threads while tuning: a search is many small fits,
    and on a shared 2-core machine one airline fit took 6.6 s on one thread and 78 s on two."""
    optuna = _optuna()
    run = config if isinstance(config, RunConfig) else load_run_config(config)
    settings = _settings(run, trials, folds, fold_size, metric, evaluation, seed, timeout, threads)
    previous = torch.get_num_threads()
    if settings["threads"]:
        torch.set_num_threads(settings["threads"])
    try:
        return _search(optuna, run, settings, data, on_trial)
    finally:
        torch.set_num_threads(previous)


def _search(optuna, run: RunConfig, settings: dict, data, on_trial) -> TuneResult:
    dims = search_space(run.search, run.where)
    base = Forecaster().set_params(**run.params).get_params() | {"verbose": 0}
    columns, test_size = _roles(run.data)
    frame = read_table(data, columns)
    training = _cut(frame, columns.id_col, test_size)  # the test part is never seen
    fold_size = settings["fold_size"] or _horizon(training, columns, base)
    scorer = _FoldScorer(training, run.data, columns, settings["folds"], fold_size, settings["metric"],
                         settings["evaluation"])
    started = time.perf_counter()
    default_scores = scorer.scores(base)  # errors here are the config's: they propagate
    default = sum(default_scores) / len(default_scores)
    if on_trial:
        on_trial(_row(-1, "DEFAULT", default_scores, time.perf_counter() - started, {}, None))
    rows = []

    def objective(trial) -> float:
        params = {d.name: d.suggest(trial) for d in dims}
        began, scores = time.perf_counter(), []
        try:
            for k, score in enumerate(scorer.iter_scores(base | params), start=1):
                scores.append(score)
                trial.report(sum(scores) / len(scores), step=k)
                if trial.should_prune():
                    rows.append(_row(trial.number, "PRUNED", scores, time.perf_counter() - began, params, None))
                    raise optuna.TrialPruned()
        except LstmkitError as err:
            rows.append(_row(trial.number, "FAIL", scores, time.perf_counter() - began, params, str(err)))
            raise
        rows.append(_row(trial.number, "COMPLETE", scores, time.perf_counter() - began, params, None))
        return sum(scores) / len(scores)

    def report(study, trial) -> None:
        if on_trial and rows:
            on_trial(rows[-1])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=settings["seed"]),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0),
    )
    study.optimize(objective, n_trials=settings["trials"], timeout=settings["timeout"], catch=(LstmkitError,),
                   callbacks=[report])
    table = pd.DataFrame(rows)
    complete = table[table["state"] == "COMPLETE"]
    if complete.empty:
        first = table["error"].dropna()
        raise DataError(
            f"none of the {len(table)} trials finished"
            + (f"; the first failure: {first.iloc[0]}" if len(first) else " (all were pruned)")
            + ". Narrow the [search] space to settings the data can hold."
        )
    best_params, best_score = dict(study.best_trial.params), float(study.best_value)
    beat = best_score < default
    params = base | (best_params if beat else {})
    model = Forecaster(**params).fit(frame, **_fit_args(run.data), test_size=test_size)  # the whole training part
    return TuneResult(
        trials=table, default_score=default, best_score=best_score, best_params=best_params,
        params=params, beat_default=beat, metric=settings["metric"], evaluation=settings["evaluation"],
        folds=settings["folds"], fold_size=fold_size, seconds=time.perf_counter() - started, model=model, study=study,
    )


class _FoldScorer:
    """The LSTM's score on each of K folds at the end of the training part, one new model per fold."""

    def __init__(self, training, data: dict, columns: Columns, folds: int, fold_size: int, metric: str,
                 evaluation: str) -> None:
        self.training, self.fit_args, self.columns = training, _fit_args(data), columns
        self.folds, self.fold_size, self.metric, self.evaluation = folds, fold_size, metric, evaluation

    def iter_scores(self, params: dict):
        for k in range(1, self.folds + 1):
            history = _cut(self.training, self.columns.id_col, (self.folds - k) * self.fold_size)
            model = Forecaster(**params).fit(history, **self.fit_args, test_size=self.fold_size)
            score = model.evaluate(history).metrics[self.evaluation]["lstm"][self.metric]
            if not math.isfinite(score):
                raise DataError(f"fold {k} scored {self.metric} = {score} (no finite forecasts).")
            yield float(score)

    def scores(self, params: dict) -> list[float]:
        return list(self.iter_scores(params))


def _settings(run: RunConfig, trials, folds, fold_size, metric, evaluation, seed, timeout, threads) -> dict:
    given = dict(trials=trials, folds=folds, fold_size=fold_size, metric=metric, evaluation=evaluation, seed=seed,
                 timeout=timeout, threads=threads)
    settings = {"trials": 20, "folds": 3, "fold_size": None, "metric": "mase", "evaluation": "multistep",
                "seed": 0, "timeout": None, "threads": 1} | run.tune | {k: v for k, v in given.items() if v is not None}
    positive_int("threads", settings["threads"], minimum=0)
    positive_int("trials", settings["trials"])
    positive_int("folds", settings["folds"])
    positive_int("fold_size", settings["fold_size"], optional=True)
    one_of("metric", settings["metric"], METRICS)
    one_of("evaluation", settings["evaluation"], EVALUATIONS)
    return settings


def _roles(data: dict) -> tuple[Columns, int]:
    columns = Columns(target=data["target"], time_col=data.get("time_col"), id_col=data.get("id_col"),
                      features=names(data.get("features")), categorical=names(data.get("categorical")))
    return columns, positive_int("test_size", data.get("test_size", 0), minimum=0)


def _fit_args(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "test_size"}


def _horizon(training: pd.DataFrame, columns: Columns, params: dict) -> int:
    """The default fold size: the horizon the default model would forecast."""
    plan = make_plan(training, columns, lookback=params["lookback"], horizon=params["horizon"],
                     season=params["season"], val_size=params["val_size"], test_size=0)
    return plan.horizon


def _cut(frame: pd.DataFrame, id_col: str | None, rows: int) -> pd.DataFrame:
    """Each series without its last ``rows`` rows."""
    if rows == 0:
        return frame
    if id_col is None:
        return frame.iloc[: len(frame) - rows].reset_index(drop=True)
    groups = frame.groupby(id_col, sort=False)
    return frame[groups.cumcount() < groups[id_col].transform("size") - rows].reset_index(drop=True)


def _row(number: int, state: str, scores: list[float], seconds: float, params: dict, error: str | None) -> dict:
    folds = {f"fold_{k}": s for k, s in enumerate(scores, start=1)}
    score = sum(scores) / len(scores) if scores else float("nan")
    return {"number": number, "state": state, "score": score, **folds, "seconds": round(seconds, 2), **params,
            "error": error}


def _optuna():
    try:
        import optuna
    except ImportError:
        raise ConfigError(f"lstmkit tune needs Optuna, which is not installed; {INSTALL}") from None
    return optuna
