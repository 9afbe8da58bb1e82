"""The ``lstmkit`` command line: parses options, calls the library, prints. No logic of its own.

Library errors (``LstmkitError``) become one red line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from .exceptions import ConfigError, LstmkitError

app = typer.Typer(
    name="lstmkit",
    help="LSTM forecasting you can trust: leak-free preparation, metrics beside baselines, safe model files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class Impute(str, Enum):
    interpolate = "interpolate"
    ffill = "ffill"
    mean = "mean"
    zero = "zero"
    drop = "drop"


class Scaling(str, Enum):
    standard = "standard"
    minmax = "minmax"
    robust = "robust"
    none = "none"


class WindowNorm(str, Enum):
    mean = "mean"
    last = "last"
    none = "none"


class Loss(str, Enum):
    mse = "mse"
    mae = "mae"
    huber = "huber"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Precision(str, Enum):
    fp32 = "fp32"
    bf16 = "bf16"


class Task(str, Enum):
    forecast = "forecast"
    classify = "classify"


class Arch(str, Enum):
    lstm_fcn = "lstm_fcn"
    lstm = "lstm"


class CellActivation(str, Enum):
    tanh = "tanh"
    relu = "relu"


class ClassWeight(str, Enum):
    balanced = "balanced"
    none = "none"


class IntervalMethod(str, Enum):
    conformal = "conformal"
    adaptive = "adaptive"
    quantile = "quantile"


INTERVALS_HELP = "Prediction intervals at these levels, e.g. 0.8,0.95 (lower_/upper_ columns per level)."
METHOD_HELP = (
    "conformal: split conformal from validation errors (any model; the default of predict); adaptive: conformal "
    "that adapts to the test outcomes as they come in (evaluate, backtest and report: their default); quantile: "
    "the quantile head (train with --quantiles)."
)


def command(epilog: str):
    """Register a command whose library errors print as one red line and exit with code 2."""

    def register(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("default", UserWarning)
                    warnings.showwarning = _show_warning
                    return function(*args, **kwargs)
            except LstmkitError as error:
                if os.environ.get("RANK", "0") == "0":  # under torchrun every rank meets the error: say it once
                    err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True, markup=True)
                raise typer.Exit(2) from None

        return app.command(epilog=epilog)(run)

    return register


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    err.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def _names(value: Optional[str]) -> Optional[list[str]]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _floats(value: Optional[str]) -> Optional[list[float]]:
    from .intervals import check_levels

    return list(check_levels(value)) if value else None


def _score_table(title: str) -> Table:
    """The look of the score tables: rules under the header only and collapsed padding, so eight columns of
    numbers fit an 80-column terminal."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)


def interval_table(metrics: dict, title: str) -> Table:
    rows = []
    for kind, block in metrics.items():
        for level, v in block["lstm"].get("intervals", {}).items():
            cells = [f"{v[k]:.4g}" for k in ("coverage", "width", "interval_score", "msis", "pinball")]
            rows.append([kind, str(level), *cells, str(v["n"])])
    table = _score_table(title)
    for i, name in enumerate(("evaluation", "level", "coverage", "width", "interval score", "MSIS", "pinball", "points")):
        width = max(len(row[i]) for row in rows) if rows else None  # numbers are never cut; headers may wrap
        table.add_column(name, justify="left" if i < 2 else "right", min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def metrics_table(metrics: dict, title: str) -> Table:
    """One row per evaluation and method; the best MASE of each evaluation in green. Numbers are never cut:
    in a narrow terminal the method names wrap instead."""
    rows = []
    for kind, block in metrics.items():
        best = min(block, key=lambda m: block[m]["mase"] if math.isfinite(block[m]["mase"]) else math.inf)
        for method, values in block.items():
            cells = [f"{values[k]:.4g}" for k in ("mae", "rmse", "mape", "smape", "mase")] + [str(values["n"])]
            rows.append((kind, method, cells, "bold green" if method == best else None))
    table = _score_table(title)
    table.add_column("evaluation", no_wrap=True)
    table.add_column("method", no_wrap=True, min_width=max((len(row[1]) for row in rows), default=6))
    for i, name in enumerate(("MAE", "RMSE", "MAPE", "SMAPE", "MASE", "points")):
        width = max([len(name), *(len(row[2][i]) for row in rows)])
        table.add_column(name, justify="right", no_wrap=True, min_width=width)
    for kind, method, cells, style in rows:
        table.add_row(kind, method, *cells, style=style)
    return table


@command(
    epilog="Example:\n\n  lstmkit demo --out lstmkit-demo",
)
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the plots and the model.")] = Path("lstmkit-demo"),
    epochs: Annotated[int, typer.Option(help="Training epochs, as in the tutorial.")] = 100,
) -> None:
    """The PyTorch tutorial, end to end: a noisy periodic sequence of 800 points, 720 train / 80 test."""
    from .datasets import make_demo_series
    from .forecaster import Forecaster
    from .plots import plot_loss
    from .progress import TutorialLines

    data = make_demo_series(800)
    out.print("Data: 800 points of a noisy periodic signal; training on the first 720, testing on the last 80.")
    model = Forecaster(lookback=50, horizon=10, season=50, max_epochs=epochs, patience=None, verbose=0)
    model.fit(data, target="value", time_col="step", test_size=80, reporter=TutorialLines(every=10))
    evaluation = model.evaluate(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    forecast_png = evaluation.plot(out_dir / "forecast.png")
    loss_png = plot_loss(model.history_, out_dir / "loss.png")
    model.save(out_dir / "model")
    out.print(metrics_table(evaluation.metrics, "Test part (80 points): LSTM next to the baselines"))
    out.print(f"Plots: {forecast_png}, {loss_png}\nModel: {out_dir / 'model'}")


@command(
    epilog="Examples:\n\n"
    "  lstmkit train airline.csv --target passengers --time-col timestamp --test-size 24 --out airline-model\n\n"
    "  lstmkit train weather.csv --target temp_max --time-col timestamp --features temp_min,wind "
    "--categorical weather --test-size 365 --horizon 7 --out weather-model\n\n"
    "  lstmkit train GunPoint_TRAIN.csv --task classify --sequence-col sequence_id --label-col label "
    "--step-col step --out gunpoint-model",
)
def train(
    data: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per time step (long format for several series).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder to write (replaced only if it is an lstmkit model).")],
    task: Annotated[Task, typer.Option(help="forecast: predict the next steps of --target; classify: one label per sequence.")] = Task.forecast,
    target: Annotated[Optional[str], typer.Option(help="Column to forecast (forecast task).")] = None,
    time_col: Annotated[Optional[str], typer.Option(help="Timestamp column; without it rows are taken in file order.")] = None,
    id_col: Annotated[Optional[str], typer.Option(help="Series id column, for several series in long format.")] = None,
    sequence_col: Annotated[Optional[str], typer.Option(help="Sequence id column (classify task).")] = None,
    label_col: Annotated[Optional[str], typer.Option(help="Label column, one label per sequence (classify task).")] = None,
    step_col: Annotated[Optional[str], typer.Option(help="Column that orders each sequence's rows (classify task) \\[default: file order].")] = None,
    features: Annotated[Optional[str], typer.Option(help="Numeric inputs, comma-separated \\[classify default: every other numeric column].")] = None,
    categorical: Annotated[Optional[str], typer.Option(help="Categorical features (one-hot encoded), comma-separated.")] = None,
    lookback: Annotated[Optional[int], typer.Option(help="Steps the model sees \\[default: 2 seasons, at least 24].")] = None,
    horizon: Annotated[Optional[int], typer.Option(help="Steps it predicts at once \\[default: one season].")] = None,
    test_size: Annotated[int, typer.Option(help="Last N steps of each series held out from training entirely.")] = 0,
    season: Annotated[Optional[int], typer.Option(help="Season length \\[default: from the frequency].")] = None,
    arch: Annotated[Optional[Arch], typer.Option(help="Classifier network \\[default: lstm_fcn].")] = None,
    hidden_size: Annotated[Optional[int], typer.Option(help="LSTM hidden units \\[default: 64].")] = None,
    num_layers: Annotated[Optional[int], typer.Option(help="Stacked LSTM layers \\[default: 1].")] = None,
    dropout: Annotated[Optional[float], typer.Option(help="Dropout \\[default: forecast 0 (between LSTM layers), classify 0.2].")] = None,
    cell_activation: Annotated[Optional[CellActivation], typer.Option(help="Classifier LSTM cell activation; relu is Keras' activation='relu' (slower) \\[default: tanh].")] = None,
    window_norm: Annotated[Optional[WindowNorm], typer.Option(help="Per-window normalisation of the inputs (forecast) \\[default: the Forecaster's].")] = None,
    scaling: Annotated[Scaling, typer.Option(help="Global scaling fitted on training rows (forecast: per series; classify: pooled).")] = Scaling.standard,
    impute: Annotated[Impute, typer.Option(help="Missing values: how to fill them (drop: skip windows with gaps / drop those steps).")] = Impute.interpolate,
    missing_indicator: Annotated[bool, typer.Option(help="Add a 0/1 input marking missing target values.")] = False,
    loss: Annotated[Optional[Loss], typer.Option(help="Training loss (forecast) \\[default: mse].")] = None,
    class_weight: Annotated[Optional[ClassWeight], typer.Option(help="balanced: weigh each class by 1/frequency in the loss \\[default: none].")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Windows (or sequences) per batch \\[default: forecast 64, down to 16 for short series; classify 32].")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate, halved when validation loss stalls \\[default: forecast 3e-3, classify 1e-3].")] = None,
    max_epochs: Annotated[Optional[int], typer.Option(help="Most epochs \\[default: forecast 100, classify 300].")] = None,
    patience: Annotated[Optional[int], typer.Option(help="Stop after this many epochs without validation improvement, 0: never \\[default: forecast 10, classify 50].")] = None,
    steps_per_epoch: Annotated[Optional[int], typer.Option(help="Random batches per epoch, for long data.")] = None,
    val_size: Annotated[Optional[int], typer.Option(help="Validation steps at the end of the training part (also the conformal calibration set).")] = None,
    val_fraction: Annotated[Optional[float], typer.Option(help="Share of each class held out for early stopping (classify) \\[default: 0.2].")] = None,
    quantiles: Annotated[Optional[str], typer.Option(help="Train a quantile head for these quantiles (pinball loss), e.g. 0.05,0.95; the median is added and is the forecast.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; CPU runs repeat exactly.")] = 0,
    device: Annotated[Device, typer.Option(help="Where to train.")] = Device.auto,
    precision: Annotated[Precision, typer.Option(help="bf16: training forward passes under bfloat16 autocast (weights stay float32): less memory; faster or slower depending on the hardware (README, GPU).")] = Precision.fp32,
    resume: Annotated[bool, typer.Option(help="Continue from the checkpoint left by an interrupted run.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Train a forecaster (or, with --task classify, a sequence classifier) on DATA and save it to --out."""
    chosen = dict(
        hidden_size=hidden_size, num_layers=num_layers, dropout=dropout, batch_size=batch_size, lr=lr,
        max_epochs=max_epochs, patience=patience,
    )
    shared = {k: v for k, v in chosen.items() if v is not None}  # unset: the estimator's own default
    if patience == 0:
        shared["patience"] = None
    shared |= dict(scaling=scaling.value, impute=impute.value, device=device.value, precision=precision.value, random_state=seed, verbose=0 if quiet else 1)
    if task is Task.classify:
        _only_for("classify", target=target, time_col=time_col, id_col=id_col, lookback=lookback, horizon=horizon,
                  test_size=test_size or None, season=season, window_norm=window_norm,
                  missing_indicator=missing_indicator or None, loss=loss,
                  steps_per_epoch=steps_per_epoch, val_size=val_size, quantiles=quantiles,
                  resume=resume or None)  # None: not set
        _train_classifier(data, out_dir, shared, sequence_col=sequence_col, label_col=label_col, step_col=step_col,
                          features=features, categorical=categorical, arch=arch, cell_activation=cell_activation,
                          class_weight=class_weight, val_fraction=val_fraction, quiet=quiet)
        return
    _only_for("forecast", sequence_col=sequence_col, label_col=label_col, step_col=step_col, arch=arch,
              cell_activation=cell_activation, class_weight=class_weight, val_fraction=val_fraction)
    if target is None:
        raise ConfigError("name the column to forecast with --target (or use --task classify to classify sequences).")
    from .forecaster import Forecaster
    from .training import finish_distributed, is_main_process

    if window_norm is not None:
        shared["window_norm"] = window_norm.value
    if loss is not None:
        shared["loss"] = loss.value
    model = Forecaster(
        lookback=lookback, horizon=horizon, missing_indicator=missing_indicator, steps_per_epoch=steps_per_epoch,
        val_size=val_size, season=season, quantiles=_floats(quantiles), **shared,
    )
    checkpoint = out_dir.with_name(f".{out_dir.name}.checkpoint")
    model.fit(
        data, target=target, time_col=time_col, id_col=id_col, features=_names(features),
        categorical=_names(categorical), test_size=test_size, checkpoint_dir=checkpoint, resume=resume,
    )
    main_process = is_main_process()  # under torchrun only rank 0 writes
    if main_process:
        model.save(out_dir)
        shutil.rmtree(checkpoint, ignore_errors=True)
    finish_distributed()
    best = min((r["val_loss"] or r["train_loss"], r["epoch"]) for r in model.history_)
    if main_process and not quiet:
        err.print(
            f"saved {out_dir}  (lookback {model.lookback_}, horizon {model.horizon_}, season {model.season_}, "
            f"{len(model.history_)} epochs, best epoch {best[1]})"
        )


def _only_for(task: str, **given) -> None:
    """Options of the other task that were set: one error naming them."""
    wrong = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is not None]
    if wrong:
        other = "forecast" if task == "classify" else "classify"
        verb = "belongs" if len(wrong) == 1 else "belong"
        raise ConfigError(f"{', '.join(wrong)} {verb} to --task {other}, not --task {task}; leave {'it' if len(wrong) == 1 else 'them'} out.")


def _train_classifier(data: Path, out_dir: Path, shared: dict, *, sequence_col, label_col, step_col, features,
                      categorical, arch, cell_activation, class_weight, val_fraction, quiet: bool) -> None:
    from .classifier import SequenceClassifier

    if sequence_col is None or label_col is None:
        raise ConfigError("--task classify needs --sequence-col (the sequence id column) and --label-col (the label column).")
    extra = dict(
        arch=arch and arch.value, cell_activation=cell_activation and cell_activation.value, val_fraction=val_fraction,
        class_weight="balanced" if class_weight is ClassWeight.balanced else None,
    )
    model = SequenceClassifier(**shared, **{k: v for k, v in extra.items() if v is not None})
    model.fit(data, sequence_col=sequence_col, label_col=label_col, step_col=step_col, features=_names(features),
              categorical=_names(categorical))
    model.save(out_dir)
    if not quiet:
        best = min(model.history_, key=lambda r: r["val_loss"] if r["val_loss"] is not None else r["train_loss"])
        err.print(
            f"saved {out_dir}  ({model.arch}, {len(model.classes_)} classes, {model.n_features_in_} channels, "
            f"{len(model.history_)} epochs, best epoch {best['epoch']})"
        )


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
    test_size: Annotated[Optional[int], typer.Option(help="Evaluate on the last N steps \\[default: the training test size] (forecasters).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    plot: Annotated[Optional[Path], typer.Option(help="Write the forecast plot, or the confusion matrix, (PNG) here.")] = None,
    output: Annotated[Optional[Path], typer.Option("--out", help="Write the forecasts, or the per-sequence predictions, (CSV) here.")] = None,
    intervals: Annotated[Optional[str], typer.Option(help=INTERVALS_HELP + " Scored: coverage, width, interval score.")] = None,
    interval_method: Annotated[IntervalMethod, typer.Option(help=METHOD_HELP)] = IntervalMethod.adaptive,
    baselines: Annotated[Optional[str], typer.Option(help="Baselines, comma-separated, or 'all' (naive, seasonal_naive, drift, mean); ets, arima with lstmkit\\[classical]. \\[default: naive,seasonal_naive]")] = None,
) -> None:
    """Forecasters: rolling one-step and multi-step forecasts over the test part, next to naive baselines.
    Classifiers: accuracy, balanced accuracy, macro-F1, per-class precision/recall, confusion matrix."""
    from .artifact import write_atomic

    model = _load(model_dir)
    if _is_classifier(model):
        if test_size is not None:
            raise ConfigError("--test-size applies to forecasters; a classifier is scored on every sequence in DATA.")
        if intervals or baselines:
            raise ConfigError("--intervals and --baselines apply to forecasters; a classifier has neither.")
        evaluation = model.evaluate(data)
        table = evaluation.predictions
        if as_json:
            print(json.dumps(evaluation.metrics))
        else:
            for part in classification_tables(evaluation.metrics, f"{data}: {evaluation.metrics['n']} sequences"):
                out.print(part)
    else:
        evaluation = model.evaluate(
            data, test_size=test_size, intervals=_floats(intervals), interval_method=interval_method.value,
            baselines=baselines,
        )
        table = evaluation.rolling
        if as_json:
            print(json.dumps(evaluation.metrics))
        else:
            out.print(metrics_table(evaluation.metrics, f"{data}: last {evaluation.rolling.shape[0]} points"))
            if evaluation.levels:
                out.print(interval_table(evaluation.metrics, f"LSTM {interval_method.value} intervals"))
    if plot:
        evaluation.plot(plot)
    if output:
        write_atomic(output, lambda tmp: table.to_csv(tmp, index=False))


@command(
    epilog="Examples:\n\n  lstmkit predict airline-model airline.csv --steps 24 --out forecast.csv\n\n"
    "  lstmkit predict airline-model airline.csv --intervals 0.8,0.95 --out forecast.csv\n\n"
    "  lstmkit predict gunpoint-model GunPoint_TEST.csv --out predictions.csv",
)
def predict(
    model_dir: Annotated[Path, typer.Argument(help="Model folder written by 'lstmkit train'.")],
    data: Annotated[Path, typer.Argument(help="Forecaster: the history to forecast from. Classifier: the sequences to label.")],
    output: Annotated[Path, typer.Option("--out", help="CSV file for the forecasts, or one row per sequence with label and probabilities.")],
    steps: Annotated[Optional[int], typer.Option(help="Steps beyond the end \\[default: the horizon] (forecasters).")] = None,
    intervals: Annotated[Optional[str], typer.Option(help=INTERVALS_HELP + " (forecasters)")] = None,
    interval_method: Annotated[IntervalMethod, typer.Option(help=METHOD_HELP)] = IntervalMethod.conformal,
) -> None:
    """Forecast the steps after the end of DATA, or label each sequence in DATA; write a CSV file."""
    from .artifact import write_atomic

    model = _load(model_dir)
    if _is_classifier(model):
        if steps is not None:
            raise ConfigError("--steps applies to forecasters; a classifier labels each sequence in DATA.")
        if intervals:
            raise ConfigError("--intervals applies to forecasters; a classifier gives class probabilities instead.")
        table = model.predict_proba(data)
        what = "sequences"
    else:
        table = model.predict(data, steps=steps, intervals=_floats(intervals), interval_method=interval_method.value)
        what = "forecasts"
    write_atomic(output, lambda tmp: table.to_csv(tmp, index=False))
    err.print(f"wrote {len(table)} {what} to {output}")


def _load(model_dir: Path):
    """The estimator saved in ``model_dir``, by the kind its config.json names."""
    from .artifact import model_kind

    if model_kind(model_dir) == "sequence_classifier":
        from .classifier import SequenceClassifier

        return SequenceClassifier.load(model_dir)
    from .forecaster import Forecaster

    return Forecaster.load(model_dir)  # other kinds get the loader's "holds a ... model" error


def _is_classifier(model) -> bool:
    return getattr(model, "_estimator_type", None) == "classifier"


def classification_tables(metrics: dict, title: str) -> list:
    """Summary scores, per-class precision/recall/F1, and the confusion matrix as Rich tables."""
    summary = Table(title=title, title_justify="left")
    for name in ("accuracy", "balanced accuracy", "macro F1"):
        summary.add_column(name, justify="right")
    summary.add_row(*(f"{metrics[k]:.4f}" for k in ("accuracy", "balanced_accuracy", "macro_f1")))
    per_class = Table(title="per class", title_justify="left")
    per_class.add_column("class")
    for name in ("precision", "recall", "F1", "support"):
        per_class.add_column(name, justify="right")
    for label, row in metrics["per_class"].items():
        per_class.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    confusion = Table(title="confusion matrix (rows actual, columns predicted)", title_justify="left")
    confusion.add_column("actual \\ predicted")
    labels = [str(c) for c in metrics["classes"]]
    for label in labels:
        confusion.add_column(label, justify="right")
    for label, counts in zip(labels, metrics["confusion_matrix"]):
        confusion.add_row(label, *(str(c) for c in counts))
    return [summary, per_class, confusion]


@command(
    epilog="Examples:\n\n"
    "  lstmkit backtest taylor-model taylor.csv --folds 5\n\n"
    "      the trained model at 5 origins tiling the part it held out (--test-size at training)\n\n"
    "  lstmkit backtest airline.toml airline.csv --folds 4 --fold-size 12 --refit --json\n\n"
    "      each fold trains its own preparation and network on its history only. A config holds a \\[data] "
    "table of column roles (target, time_col, id_col, features, categorical; test_size) and a \\[forecaster] "
    "table of Forecaster parameters (lstmkit train's options with _), e.g. airline.toml:\n\n"
    "      \\[data] target = \"passengers\"  time_col = \"timestamp\"   \\[forecaster] lookback = 24  "
    "max_epochs = 50",
)
def backtest(
    model_or_config: Annotated[Path, typer.Argument(help="Model folder (lstmkit train --out), or a .toml/.json config: \\[data] column roles + \\[forecaster] parameters.")],
    data: Annotated[Path, typer.Argument(help="The series; the folds are its last folds x fold-size steps.")],
    folds: Annotated[int, typer.Option(help="Number of expanding-window folds.")] = 5,
    fold_size: Annotated[Optional[int], typer.Option(help="Test steps per fold \\[default: the held-out test size // folds].")] = None,
    refit: Annotated[bool, typer.Option(help="Fit preparation and network per fold on that fold's history only.")] = False,
    allow_in_sample: Annotated[bool, typer.Option(help="Keep folds inside the model's training data (flagged) instead of refusing.")] = False,
    baselines: Annotated[str, typer.Option(help="Baselines, comma-separated, or 'all' (naive, seasonal_naive, drift, mean); ets, arima with lstmkit\\[classical].")] = "all",
    intervals: Annotated[Optional[str], typer.Option(help="Score intervals at these levels too, e.g. 0.9.")] = None,
    interval_method: Annotated[IntervalMethod, typer.Option(help=METHOD_HELP)] = IntervalMethod.adaptive,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    plot: Annotated[Optional[Path], typer.Option(help="Write the plot of the folds (PNG) here.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No training progress (with --refit).")] = False,
) -> None:
    """Rolling-origin backtest: LSTM and baselines scored per fold and over all folds (MASE shown)."""
    from .backtest import backtest as run_backtest

    result = run_backtest(
        model_or_config, data, folds=folds, fold_size=fold_size,
        refit=refit, baselines=baselines, allow_in_sample=allow_in_sample, intervals=_floats(intervals),
        interval_method=interval_method.value, verbose=0 if quiet or as_json else 1,
    )
    if plot:
        result.plot(plot)
    if as_json:
        print(json.dumps(result.to_dict()))
        return
    for table in backtest_tables(result):
        out.print(table)
    flagged = [f["fold"] for f in result.folds if f["in_sample"]]
    if flagged:
        out.print(f"[yellow]folds {flagged} lie inside the model's training data: their scores are in-sample.[/]")


def backtest_tables(result) -> list[Table]:
    """One table per evaluation (rolling, multistep): MASE per fold and method, then over all folds."""
    mase = result.table("mase")
    spans = {
        f["fold"]: f"{_short(f['start'])} .. {_short(f['end'])}" + (" in-sample" if f["in_sample"] else "")
        for f in result.folds
    }
    tables = []
    for kind in ("rolling", "multistep"):
        table = Table(
            title=f"{kind} MASE, {len(result.folds)} folds of {result.fold_size} steps "
            f"({'refit per fold' if result.refit else 'one model'}, {result.seconds:.2f} s)",
            title_justify="left",
        )
        table.add_column("fold")
        table.add_column("test rows")
        for method in mase[kind].columns:
            table.add_column(method, justify="right")
        for fold, row in mase[kind].iterrows():
            best = row.idxmin()
            cells = [f"[bold green]{v:.3f}[/]" if m == best else f"{v:.3f}" for m, v in row.items()]
            table.add_row(str(fold), spans.get(fold, "all folds"), *cells, end_section=fold == len(result.folds))
        tables.append(table)
    return tables


def _short(value) -> str:
    text = str(value)
    return text[:-9] if text.endswith(" 00:00:00") else text


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
) -> None:
    """One self-contained HTML page: data, training curve, forecasts with bands, metrics, backtest, residuals."""
    from .report import write_report

    path = write_report(
        model_dir, data, output, test_size=test_size, intervals=_floats(intervals),
        interval_method=interval_method.value, folds=folds,
    )
    err.print(f"wrote {path}")


def main() -> None:
    """Entry point of the ``lstmkit`` script and ``python -m lstmkit``."""
    app()


if __name__ == "__main__":
    main()
