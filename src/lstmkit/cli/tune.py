"""``lstmkit tune``: an Optuna search over a config's [search] space, scored inside the training part."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.table import Table

from ..artifact import check_model_target
from ..config import load_run_config
from ..files import write_atomic
from ..forecasting.metrics import METRICS
from ..forecasting.tuning import EVALUATIONS, TuneResult
from ..forecasting.tuning import tune as run_tune
from .app import DecimalOption, SepOption, ThousandsOption, choices, command, err, out, read_data

Metric = choices("Metric", METRICS)
TuneEvaluation = choices("TuneEvaluation", EVALUATIONS)


@command(
    epilog="Example:\n\n  lstmkit tune airline.toml airline.csv --trials 8 --out airline-tuned\n\n"
    "      airline.toml holds the [data] and [forecaster] tables of 'lstmkit backtest' and 'lstmkit train --config', "
    "and the space to search:\n\n"
    "      [search] lookback = [12, 24, 36]  hidden_size = [16, 32, 64]  lr = {low = 1e-4, high = 1e-2, log = true}"
    "\n\n      [tune] folds = 3  fold_size = 12  metric = \"mase\"\n\n"
    "      Each trial trains one model per fold on the rows before it; the test part ([data] test_size) is never "
    "seen. The best model (or the default, when no trial beat it) is refit on the whole training part and saved.",
)
def tune(
    config: Annotated[Path, typer.Argument(help="A .toml/.json config: [data], [forecaster], [search] (the space), [tune].")],
    data: Annotated[Path, typer.Argument(help="The series (CSV or Parquet); its last [data] test_size steps are held out.")],
    output: Annotated[Path, typer.Option("--out", help="Model folder for the winner, refit on the whole training part.")],
    trials: Annotated[Optional[int], typer.Option(help="Trials to run [default: [tune] trials, else 20].")] = None,
    folds: Annotated[Optional[int], typer.Option(help="Rolling-origin folds inside the training part [default: 3].")] = None,
    fold_size: Annotated[Optional[int], typer.Option(help="Steps per fold [default: the horizon].")] = None,
    metric: Annotated[Optional[Metric], typer.Option(help="What a fold scores (lower is better) [default: mase].")] = None,
    evaluation: Annotated[Optional[TuneEvaluation], typer.Option(help="Score multistep (H steps from each origin) or rolling (one step) forecasts [default: multistep].")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of the sampler [default: 0].")] = None,
    timeout: Annotated[Optional[float], typer.Option(help="Stop starting new trials after this many seconds.")] = None,
    threads: Annotated[Optional[int], typer.Option(help="Torch threads while tuning, 0: torch's default [default: 1: many small fits run fastest on one thread each].")] = None,
    trials_csv: Annotated[Optional[Path], typer.Option("--trials-csv", help="Also write the trials table (CSV) here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No line per trial.")] = False,
    sep: SepOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
) -> None:
    """Search Forecaster parameters with Optuna on rolling-origin folds inside the training part; save the best."""
    check_model_target(output)  # before the search, not after it
    run = load_run_config(config)
    result = run_tune(
        run, read_data(data, sep, decimal, thousands), trials=trials, folds=folds, fold_size=fold_size,
        metric=metric and metric.value, evaluation=evaluation and evaluation.value, seed=seed, timeout=timeout,
        threads=threads, on_trial=None if quiet or as_json else _print_trial,
    )
    result.model.save(output)
    if trials_csv:
        write_atomic(trials_csv, lambda tmp: result.trials.to_csv(tmp, index=False))
    if as_json:
        print(json.dumps({
            "default_score": result.default_score, "best_score": result.best_score, "beat_default": result.beat_default,
            "best_params": result.best_params, "params": result.params, "metric": result.metric,
            "evaluation": result.evaluation, "folds": result.folds, "fold_size": result.fold_size,
            "seconds": round(result.seconds, 2), "model": str(output),
            "trials": json.loads(result.trials.to_json(orient="records")),
        }))
        return
    out.print(trials_table(result))
    out.print(result.summary())
    err.print(f"saved {output}")


def _print_trial(row: dict) -> None:
    name = "default" if row["number"] < 0 else f"trial {row['number']} {row['state'].lower()}"
    folds = " ".join(f"{v:.3f}" for k, v in row.items() if k.startswith("fold_"))
    params = {k: v for k, v in row.items() if k not in ("number", "state", "score", "seconds", "error")
              and not k.startswith("fold_")}
    why = f"  ({row['error']})" if row.get("error") else ""
    err.print(f"{name}: score {row['score']:.4f}  folds {folds or '-'}  {row['seconds']:.1f} s  "
              f"{_params(params)}{why}", highlight=False)


def _params(params: dict) -> str:
    return " ".join(f"{k}={_cell(v)}" for k, v in params.items())


def trials_table(result: TuneResult) -> Table:
    """The trials, best first, the searched parameters beside their scores; the default's score in the title."""
    table = Table(title=f"{result.evaluation} {result.metric.upper()} over {result.folds} folds (lower is better); "
                  f"default {result.default_score:.4f}", title_justify="left", box=box.SIMPLE_HEAD)
    fixed = {"number", "state", "score", "seconds", "error"}
    fold_columns = [c for c in result.trials.columns if c.startswith("fold_")]
    params = [c for c in result.trials.columns if c not in fixed and c not in fold_columns]
    for name in ("trial", "state", "score", *params, "s"):
        table.add_column(name, justify="right" if name in ("trial", "score", "s") else "left")
    for _, row in result.trials.sort_values("score", na_position="last").iterrows():
        score = "" if math.isnan(row["score"]) else f"{row['score']:.4f}"
        if row["state"] == "COMPLETE" and row["score"] == result.best_score:
            score = f"[bold green]{score}[/]"
        cells = [_cell(row[p]) for p in params]
        table.add_row(str(row["number"]), row["state"].lower(), score, *cells, f"{row['seconds']:.1f}")
    return table


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
