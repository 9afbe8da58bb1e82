"""``lstmkit train``: a forecaster, or with --task classify a sequence classifier, trained on a file and saved."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..artifact import check_model_target
from ..checkpoints import checkpoint_path
from ..config import load_run_config
from ..distributed import finish_distributed, is_main_process
from ..estimator import load
from ..exceptions import ConfigError
from ..forecasting.forecaster import Forecaster
from ..progress import make_reporter
from ..sequences.classifier import SequenceClassifier
from .app import (
    Arch,
    CellActivation,
    ClassWeight,
    DecimalOption,
    Device,
    Impute,
    Loss,
    Precision,
    Scaling,
    SepOption,
    Task,
    ThousandsOption,
    WindowNorm,
    command,
    err,
    levels_of,
    names_of,
    read_data,
)


@command(
    epilog="Examples:\n\n"
    "  lstmkit train airline.csv --target passengers --time-col timestamp --test-size 24 --out airline-model\n\n"
    "  lstmkit train weather.csv --target temp_max --time-col timestamp --features temp_min,wind "
    "--categorical weather --test-size 365 --horizon 7 --out weather-model\n\n"
    "  lstmkit train GunPoint_TRAIN.csv --task classify --sequence-col sequence_id --label-col label "
    "--step-col step --out gunpoint-model\n\n"
    "  lstmkit train airline.csv --config airline.toml --max-epochs 50 --out airline-model\n\n"
    "      the column roles and Forecaster parameters from the [data] and [forecaster] tables of a config "
    "(the file 'lstmkit backtest' and 'lstmkit tune' read); options given on the command line win\n\n"
    "  lstmkit train airline.csv --target passengers --time-col timestamp --test-size 24 --out airline-model "
    "--mlflow sqlite:///mlflow.db --experiment airline\n\n"
    "      logs parameters, per-epoch losses, final and test metrics and the model folder to MLflow "
    "(pip install 'lstmkit[mlflow]')",
)
def train(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per time step (long format for several series).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder to write (replaced only if it is an lstmkit model).")],
    task: Annotated[Task, typer.Option(help="forecast: predict the next steps of --target; classify: one label per sequence.")] = Task.forecast,
    target: Annotated[Optional[str], typer.Option(help="Column to forecast (forecast task).")] = None,
    time_col: Annotated[Optional[str], typer.Option(help="Timestamp column; without it rows are taken in file order.")] = None,
    id_col: Annotated[Optional[str], typer.Option(help="Series id column, for several series in long format.")] = None,
    sequence_col: Annotated[Optional[str], typer.Option(help="Sequence id column (classify task).")] = None,
    label_col: Annotated[Optional[str], typer.Option(help="Label column, one label per sequence (classify task).")] = None,
    step_col: Annotated[Optional[str], typer.Option(help="Column that orders each sequence's rows (classify task) [default: file order].")] = None,
    features: Annotated[Optional[str], typer.Option(help="Numeric inputs, comma-separated [classify default: every other numeric column].")] = None,
    categorical: Annotated[Optional[str], typer.Option(help="Categorical features (one-hot encoded), comma-separated.")] = None,
    future_features: Annotated[Optional[str], typer.Option(help="Columns known ahead (holidays, promotions; numeric or text), comma-separated: the forecast uses their future values.")] = None,
    static: Annotated[Optional[str], typer.Option(help="Per-series attributes, constant within a series, comma-separated.")] = None,
    calendar: Annotated[Optional[str], typer.Option(help="Calendar inputs from the time column: auto, or e.g. dayofweek,month.")] = None,
    holidays: Annotated[Optional[str], typer.Option(help="Public holidays of a country as an input, e.g. US (pip install 'lstmkit[holidays]').")] = None,
    window_norm_features: Annotated[Optional[str], typer.Option(help="Past features normalised per window like the target: auto (those that trend), none, or A,B [default: auto].")] = None,
    init_from: Annotated[Optional[Path], typer.Option(help="Start from this trained model's weights (same network shape): fine-tuning.")] = None,
    lookback: Annotated[Optional[int], typer.Option(help="Steps the model sees [default: on small data chosen on the validation part among 0.5-2x two seasons (at least 24; shorter for short series), else that].")] = None,
    horizon: Annotated[Optional[int], typer.Option(help="Steps it predicts at once [default: one season].")] = None,
    test_size: Annotated[int, typer.Option(help="Last N steps of each series held out from training entirely.")] = 0,
    season: Annotated[Optional[int], typer.Option(help="Season length [default: from the frequency].")] = None,
    arch: Annotated[Optional[Arch], typer.Option(help="Classifier network [default: lstm_fcn].")] = None,
    hidden_size: Annotated[Optional[int], typer.Option(help="LSTM hidden units [default: 64].")] = None,
    num_layers: Annotated[Optional[int], typer.Option(help="Stacked LSTM layers [default: 1].")] = None,
    dropout: Annotated[Optional[float], typer.Option(help="Dropout [default: forecast 0 (between LSTM layers), classify 0.2].")] = None,
    cell_activation: Annotated[Optional[CellActivation], typer.Option(help="Classifier LSTM cell activation; relu is Keras' activation='relu' (slower) [default: tanh].")] = None,
    window_norm: Annotated[Optional[WindowNorm], typer.Option(help="Per-window normalisation of the inputs, or the anchor the network corrects (forecast) [default: auto, an anchor per step chosen on the training windows].")] = None,
    ensemble: Annotated[Optional[str], typer.Option(help="Networks trained with seeds seed, seed+1, ... and combined by the median: a number, or auto (3 on small data, else 1) (forecast) [default: auto].")] = None,
    scaling: Annotated[Scaling, typer.Option(help="Global scaling fitted on training rows (forecast: per series; classify: pooled).")] = Scaling.standard,
    impute: Annotated[Impute, typer.Option(help="Missing values: how to fill them (drop: skip windows with gaps / drop those steps).")] = Impute.interpolate,
    missing_indicator: Annotated[bool, typer.Option("--missing-indicator", help="Add a 0/1 input marking missing target values.")] = False,
    loss: Annotated[Optional[Loss], typer.Option(help="Training loss (forecast) [default: mae].")] = None,
    class_weight: Annotated[Optional[ClassWeight], typer.Option(help="balanced: weigh each class by 1/frequency in the loss [default: none].")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Windows (or sequences) per batch [default: forecast 64, down to 16 for short series; classify 32].")] = None,
    lr: Annotated[Optional[float], typer.Option(help="Adam learning rate [default: forecast 3e-3, halved when validation loss stalls; classify 1e-3, on a cosine to 0].")] = None,
    max_epochs: Annotated[Optional[int], typer.Option(help="Most epochs [default: forecast 100; classify 200, fewer for over 200 sequences (40,000 shown at most, >= 50 epochs)].")] = None,
    patience: Annotated[Optional[int], typer.Option(help="Stop after this many epochs without validation improvement, 0: never [default: forecast 10, classify never].")] = None,
    steps_per_epoch: Annotated[Optional[int], typer.Option(help="Random batches per epoch, for long data.")] = None,
    val_size: Annotated[Optional[int], typer.Option(help="Validation steps at the end of the training part (also the conformal calibration set).")] = None,
    val_fraction: Annotated[Optional[float], typer.Option(help="Share of each class held out for validation (classify) [default: 0, train on all].")] = None,
    quantiles: Annotated[Optional[str], typer.Option(help="Train a quantile head for these quantiles (pinball loss), e.g. 0.05,0.95; the median is added and is the forecast.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; CPU runs repeat exactly.")] = 0,
    device: Annotated[Device, typer.Option(help="Where to train.")] = Device.auto,
    precision: Annotated[Precision, typer.Option(help="bf16: training forward passes under bfloat16 autocast (weights stay float32): less memory; faster or slower depending on the hardware (README, GPU).")] = Precision.fp32,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the checkpoint left by an interrupted run.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    date_format: Annotated[Optional[str], typer.Option(help="How the time column's dates read, e.g. %d/%m/%Y (kept in the model).", rich_help_panel="Reading the file")] = None,
    dayfirst: Annotated[bool, typer.Option("--dayfirst", help="Dates like 01/02/2023 are day first (1 February) (kept in the model).", rich_help_panel="Reading the file")] = False,
    config: Annotated[Optional[Path], typer.Option("--config", help="A .toml/.json run config: [data] column roles and [forecaster] parameters (forecast task); options given here win.")] = None,
    mlflow: Annotated[Optional[str], typer.Option("--mlflow", help="Log the run to this MLflow tracking URI, e.g. sqlite:///mlflow.db (file: stores need MLFLOW_ALLOW_FILE_STORE=true in MLflow 3).", rich_help_panel="Tracking")] = None,
    experiment: Annotated[str, typer.Option(help="MLflow experiment name (with --mlflow).", rich_help_panel="Tracking")] = "lstmkit",
    sep: SepOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
) -> None:
    """Train a forecaster (or, with --task classify, a sequence classifier) on DATA and save it to --out."""
    check_model_target(out_dir)  # before training, not after it
    run = load_run_config(config) if config is not None else None
    if run is not None and task is Task.classify:
        raise ConfigError("--config describes a forecaster ([data] + [forecaster]); leave out --task classify.")
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
                  resume=resume or None, future_features=future_features, static=static, calendar=calendar,
                  holidays=holidays, window_norm_features=window_norm_features, init_from=init_from,
                  ensemble=ensemble)  # None: not set
        tracker = _tracker(mlflow, experiment, out_dir, quiet)
        _train_classifier(read_data(data, sep, decimal, thousands), out_dir, shared, sequence_col=sequence_col, label_col=label_col, step_col=step_col,
                          features=features, categorical=categorical, arch=arch, cell_activation=cell_activation,
                          class_weight=class_weight, val_fraction=val_fraction, quiet=quiet, tracker=tracker)
        return
    _only_for("forecast", sequence_col=sequence_col, label_col=label_col, step_col=step_col, arch=arch,
              cell_activation=cell_activation, class_weight=class_weight, val_fraction=val_fraction)
    if window_norm is not None:
        shared["window_norm"] = window_norm.value
    if loss is not None:
        shared["loss"] = loss.value
    if ensemble is not None:
        shared["ensemble"] = ensemble_of(ensemble)
    params = dict(lookback=lookback, horizon=horizon, missing_indicator=missing_indicator, steps_per_epoch=steps_per_epoch,
                  val_size=val_size, season=season, quantiles=levels_of(quantiles),
                  **shared)
    if window_norm_features is not None:
        params["window_norm_features"] = {"auto": "auto", "none": None}.get(window_norm_features, names_of(window_norm_features))
    roles = dict(target=target, time_col=time_col, id_col=id_col, features=names_of(features),
                 categorical=names_of(categorical), future_features=names_of(future_features), static=names_of(static),
                 calendar=calendar, holidays=holidays, test_size=test_size)
    if run is not None:  # the file's values, then what was typed on the command line
        given = _given(ctx)
        params = run.params | {k: v for k, v in params.items() if _OPTION.get(k, k) in given} | {"verbose": shared["verbose"]}
        roles = roles | run.data | {k: v for k, v in roles.items() if k in given}
    if roles["target"] is None:
        raise ConfigError("name the column to forecast with --target (or use --task classify to classify sequences).")
    model = Forecaster().set_params(**params)
    frame = read_data(data, sep, decimal, thousands)
    tracker = _tracker(mlflow, experiment, out_dir, quiet)
    model.fit(frame, **roles, date_format=date_format, dayfirst=dayfirst, checkpoint_dir=checkpoint_path(out_dir),
              resume=resume, reporter=tracker, init_from=load(init_from) if init_from else None)
    model.save(out_dir)  # under torchrun only rank 0 writes; the checkpoint goes once the model is saved
    finish_distributed()
    if tracker is not None and is_main_process():
        with tracker:
            if roles["test_size"]:
                tracker.log_metrics(model.evaluate(frame).metrics, prefix="test")
            tracker.log_model(out_dir)
        err.print(f"logged the run to MLflow ({mlflow}, experiment {experiment!r}, run {tracker.run_id})")
    best = min((r["val_loss"] or r["train_loss"], r["epoch"]) for r in model.history_)
    if is_main_process() and not quiet:
        err.print(
            f"saved {out_dir}  (lookback {model.lookback_}, horizon {model.horizon_}, season {model.season_}, "
            f"{len(model.history_)} epochs, best epoch {best[1]})"
        )
        if model.selection_ is not None:
            err.print(model.selection_.describe())


_OPTION = {"random_state": "seed", "verbose": "quiet"}  # Forecaster parameter -> train's option, where they differ


def _given(ctx: typer.Context) -> set[str]:
    """The options typed on the command line (not left at their defaults)."""
    # by name: Typer may carry its own copy of click's ParameterSource enum
    return {name for name in ctx.params if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"}


def _tracker(uri, experiment: str, out_dir: Path, quiet: bool):
    """An MLflowReporter driving the usual progress output, or None without --mlflow."""
    if uri is None or not is_main_process():
        return None
    from ..tracking import MLflowReporter

    return MLflowReporter(uri, experiment=experiment, run_name=out_dir.name, inner=make_reporter(0 if quiet else 1))


def ensemble_of(text: str) -> int | str:
    """--ensemble: 'auto' or a number of networks."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"--ensemble takes 'auto' or a number of networks, e.g. 3; got {text!r}.") from None


def _only_for(task: str, **given) -> None:
    """Options of the other task that were set: one error naming them."""
    wrong = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is not None]
    if wrong:
        other = "forecast" if task == "classify" else "classify"
        verb = "belongs" if len(wrong) == 1 else "belong"
        raise ConfigError(f"{', '.join(wrong)} {verb} to --task {other}, not --task {task}; leave {'it' if len(wrong) == 1 else 'them'} out.")


def _train_classifier(data, out_dir: Path, shared: dict, *, sequence_col, label_col, step_col, features,
                      categorical, arch, cell_activation, class_weight, val_fraction, quiet: bool, tracker=None) -> None:
    if sequence_col is None or label_col is None:
        raise ConfigError("--task classify needs --sequence-col (the sequence id column) and --label-col (the label column).")
    extra = dict(
        arch=arch and arch.value, cell_activation=cell_activation and cell_activation.value, val_fraction=val_fraction,
        class_weight="balanced" if class_weight == ClassWeight.balanced else None,
    )
    model = SequenceClassifier(**shared, **{k: v for k, v in extra.items() if v is not None})
    model.fit(data, sequence_col=sequence_col, label_col=label_col, step_col=step_col, features=names_of(features),
              categorical=names_of(categorical), reporter=tracker)
    model.save(out_dir)
    if tracker is not None:
        with tracker:
            tracker.log_model(out_dir)
    if not quiet:
        best = min(model.history_, key=lambda r: r["val_loss"] if r["val_loss"] is not None else r["train_loss"])
        err.print(
            f"saved {out_dir}  ({model.arch}, {len(model.classes_)} classes, {model.n_features_in_} channels, "
            f"{len(model.history_)} epochs, best epoch {best['epoch']})"
        )


