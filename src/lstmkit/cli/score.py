"""``lstmkit evaluate``, ``predict``, ``backtest`` and ``report``: a saved model on a data file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..estimator import load
from ..exceptions import ConfigError
from ..files import write_atomic
from ..forecasting.configured import backtest as run_backtest
from ..forecasting.evaluation import COMBINED
from ..report import write_report
from .app import (
    INTERVALS_HELP,
    METHOD_HELP,
    DecimalOption,
    IntervalMethod,
    SepOption,
    ThousandsOption,
    command,
    err,
    levels_of,
    out,
    read_data,
)
from .tables import backtest_tables, classification_tables, interval_table, metrics_table


@command(
    epilog="Examples:\n\n  lstmkit evaluate airline-model airline.csv\n\n"
    "  lstmkit evaluate airline-model airline.csv --json > metrics.json\n\n"
    "  lstmkit evaluate airline-model airline.csv --intervals 0.8,0.9 --plot forecast.png\n\n"
    "  lstmkit evaluate airline-model airline.csv --baselines all\n\n"
    "  lstmkit evaluate gunpoint-model GunPoint_TEST.csv --json --plot confusion.png",
)
def evaluate(
    model_dir: Annotated[Path, typer.Argument(help="Model folder written by 'lstmkit train'.")],
    data: Annotated[Path, typer.Argument(help="Forecaster: the series, test part at its end. Classifier: labelled sequences.")],
    test_size: Annotated[Optional[int], typer.Option(help="Evaluate on the last N steps [default: the training test size] (forecasters).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    plot: Annotated[Optional[Path], typer.Option(help="Write the forecast plot, or the confusion matrix, (PNG) here.")] = None,
    output: Annotated[Optional[Path], typer.Option("--out", help="Write the forecasts, or the per-sequence predictions, (CSV) here.")] = None,
    intervals: Annotated[Optional[str], typer.Option(help=INTERVALS_HELP + " Scored: coverage, width, interval score.")] = None,
    interval_method: Annotated[IntervalMethod, typer.Option(help=METHOD_HELP)] = IntervalMethod.adaptive,
    baselines: Annotated[Optional[str], typer.Option(help="Baselines, comma-separated, or 'all' (naive, seasonal_naive, drift, mean); ets, arima with lstmkit[classical]. [default: naive,seasonal_naive]")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse series the model was not trained on (else score them with their own scaling).")] = False,
    by_series: Annotated[bool, typer.Option("--by-series", help="Also score each series of a panel on its own (JSON: by_series).")] = False,
    series: Annotated[Optional[str], typer.Option(help="The series of a panel to plot [default: the first].")] = None,
    sep: SepOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
) -> None:
    """Forecasters: rolling one-step and multi-step forecasts over the test part, next to naive baselines.
    Classifiers: accuracy, balanced accuracy, macro-F1, per-class precision/recall, confusion matrix."""
    model = load(model_dir)
    frame = read_data(data, sep, decimal, thousands)
    if _is_classifier(model):
        if test_size is not None:
            raise ConfigError("--test-size applies to forecasters; a classifier is scored on every sequence in DATA.")
        if intervals or baselines:
            raise ConfigError("--intervals and --baselines apply to forecasters; a classifier has neither.")
        evaluation = model.evaluate(frame)
        table, tables = evaluation.predictions, classification_tables(
            evaluation.metrics, f"{data}: {evaluation.metrics['n']} sequences")
    else:
        evaluation = model.evaluate(frame, test_size=test_size, intervals=levels_of(intervals),
                                    interval_method=interval_method.value, baselines=baselines, strict=strict)
        table = evaluation.rolling
        tables = [metrics_table(evaluation.metrics, f"{data}: last {evaluation.rolling.shape[0]} points")]
        if evaluation.combination:
            w = evaluation.combination
            tables.append(f"{COMBINED}: the LSTM weighted {w['rolling']:.2f} (rolling) and {w['multistep']:.2f} "
                          "(multi-step) by the validation errors, ETS the rest; the default forecaster is lstm.")
        if evaluation.levels:
            tables.append(interval_table(evaluation.metrics, f"LSTM {interval_method.value} intervals"))
        if by_series:
            each = {sid: evaluation.series_metrics(sid) for sid in evaluation.scales}
            tables += [metrics_table(metrics, f"series {sid}") for sid, metrics in each.items()]
    if plot:  # the files first: a failed write is then the only thing printed
        evaluation.plot(plot, series=series) if not _is_classifier(model) else evaluation.plot(plot)
    if output:
        write_atomic(output, lambda tmp: table.to_csv(tmp, index=False))
    if as_json:
        document = evaluation.metrics if not by_series or _is_classifier(model) else {**evaluation.metrics, "by_series": each}
        print(json.dumps(document))
    else:
        for part in tables:
            out.print(part)


@command(
    epilog="Examples:\n\n  lstmkit predict airline-model airline.csv --steps 24 --out forecast.csv\n\n"
    "  lstmkit predict airline-model airline.csv --intervals 0.8,0.95 --out forecast.csv\n\n"
    "  lstmkit predict gunpoint-model GunPoint_TEST.csv --out predictions.csv",
)
def predict(
    model_dir: Annotated[Path, typer.Argument(help="Model folder written by 'lstmkit train'.")],
    data: Annotated[Path, typer.Argument(help="Forecaster: the history to forecast from. Classifier: the sequences to label.")],
    output: Annotated[Path, typer.Option("--out", help="CSV file for the forecasts, or one row per sequence with label and probabilities.")],
    steps: Annotated[Optional[int], typer.Option(help="Steps beyond the end [default: the horizon] (forecasters).")] = None,
    intervals: Annotated[Optional[str], typer.Option(help=INTERVALS_HELP + " (forecasters)")] = None,
    interval_method: Annotated[IntervalMethod, typer.Option(help=METHOD_HELP)] = IntervalMethod.conformal,
    future: Annotated[Optional[Path], typer.Option(help="The known-future values (time, id and those columns) for the steps to forecast; or give them as rows with an empty target at the end of DATA.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse series the model was not trained on (else forecast them from their own history).")] = False,
    sep: SepOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
) -> None:
    """Forecast the steps after the end of DATA, or label each sequence in DATA; write a CSV file."""
    model = load(model_dir)
    if _is_classifier(model):
        if steps is not None:
            raise ConfigError("--steps applies to forecasters; a classifier labels each sequence in DATA.")
        if intervals:
            raise ConfigError("--intervals applies to forecasters; a classifier gives class probabilities instead.")
        table = model.predict_proba(read_data(data, sep, decimal, thousands))
        what = "sequences"
    else:
        table = model.predict(read_data(data, sep, decimal, thousands), steps=steps, strict=strict,
                              future=read_data(future, sep, decimal, thousands) if future else None, intervals=levels_of(intervals), interval_method=interval_method.value)
        what = "forecasts"
    write_atomic(output, lambda tmp: table.to_csv(tmp, index=False))
    err.print(f"wrote {len(table)} {what} to {output}")


def _is_classifier(model) -> bool:
    return getattr(model, "_estimator_type", None) == "classifier"


@command(
    epilog="Examples:\n\n"
    "  lstmkit backtest taylor-model taylor.csv --folds 5\n\n"
    "      the trained model at 5 origins tiling the part it held out (--test-size at training)\n\n"
    "  lstmkit backtest airline.toml airline.csv --folds 4 --fold-size 12 --refit --json\n\n"
    "      each fold trains its own preparation and network on its history only. A config holds a [data] "
    "table of column roles (target, time_col, id_col, features, categorical; test_size) and a [forecaster] "
    "table of Forecaster parameters (lstmkit train's options with _), e.g. airline.toml:\n\n"
    "\b\n[data]\ntarget = \"passengers\"\ntime_col = \"timestamp\"\ntest_size = 24\n[forecaster]\nlookback = 24\n"
    "max_epochs = 50",
)
def backtest(
    model_or_config: Annotated[Path, typer.Argument(help="Model folder (lstmkit train --out), or a .toml/.json config: [data] column roles + [forecaster] parameters.")],
    data: Annotated[Path, typer.Argument(help="The series; the folds are its last folds x fold-size steps.")],
    folds: Annotated[int, typer.Option(help="Number of expanding-window folds.")] = 5,
    fold_size: Annotated[Optional[int], typer.Option(help="Test steps per fold [default: the held-out test size // folds].")] = None,
    refit: Annotated[bool, typer.Option("--refit", help="Fit preparation and network per fold on that fold's history only.")] = False,
    allow_in_sample: Annotated[bool, typer.Option("--allow-in-sample", help="Keep folds inside the model's training data (flagged) instead of refusing.")] = False,
    baselines: Annotated[str, typer.Option(help="Baselines, comma-separated, or 'all' (naive, seasonal_naive, drift, mean); ets, arima with lstmkit[classical].")] = "all",
    intervals: Annotated[Optional[str], typer.Option(help="Score intervals at these levels too, e.g. 0.9.")] = None,
    interval_method: Annotated[IntervalMethod, typer.Option(help=METHOD_HELP)] = IntervalMethod.adaptive,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    plot: Annotated[Optional[Path], typer.Option(help="Write the plot of the folds (PNG) here.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No training progress (with --refit).")] = False,
    series: Annotated[Optional[str], typer.Option(help="The series of a panel to plot [default: the first].")] = None,
    sep: SepOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
) -> None:
    """Rolling-origin backtest: LSTM and baselines scored per fold and over all folds (MASE shown)."""
    result = run_backtest(
        model_or_config, read_data(data, sep, decimal, thousands), folds=folds, fold_size=fold_size,
        refit=refit, baselines=baselines, allow_in_sample=allow_in_sample, intervals=levels_of(intervals),
        interval_method=interval_method.value, verbose=0 if quiet or as_json else 1,
    )
    if plot:
        result.plot(plot, series=series)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    for table in backtest_tables(result):
        out.print(table)
    flagged = [f["fold"] for f in result.folds if f["in_sample"]]
    if flagged:
        out.print(f"[yellow]folds {flagged} lie inside the model's training data: their scores are in-sample.[/]")


@command(
    epilog="Example:\n\n  lstmkit report airline-model airline.csv --out airline-report.html",
)
def report(
    model_dir: Annotated[Path, typer.Argument(help="Model folder written by 'lstmkit train'.")],
    data: Annotated[Path, typer.Argument(help="The series, including the test part at its end.")],
    output: Annotated[Path, typer.Option("--out", help="HTML file to write (one self-contained page).")] = Path("report.html"),
    test_size: Annotated[Optional[int], typer.Option(help="Evaluate on the last N steps [default: the training test size].")] = None,
    intervals: Annotated[str, typer.Option(help="Interval levels to show and score.")] = "0.8,0.9",
    interval_method: Annotated[IntervalMethod, typer.Option(help=METHOD_HELP)] = IntervalMethod.adaptive,
    folds: Annotated[int, typer.Option(help="Backtest folds over the test part (0: no backtest).")] = 4,
    series: Annotated[Optional[str], typer.Option(help="The series of a panel to plot [default: the first].")] = None,
    sep: SepOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
) -> None:
    """One self-contained HTML page: data, training curve, forecasts with bands, metrics, backtest, residuals."""
    path = write_report(
        model_dir, read_data(data, sep, decimal, thousands), output, source=data.name, series=series,
        test_size=test_size,
        intervals=levels_of(intervals),
        interval_method=interval_method.value, folds=folds,
    )
    err.print(f"wrote {path}")
