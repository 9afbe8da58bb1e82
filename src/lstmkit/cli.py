"""The ``lstmkit`` command line: parses options, calls the library, prints. No logic of its own.

Library errors (``LstmkitError``) become one red line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import json
import shutil
import math
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from .exceptions import LstmkitError

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
                err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True, markup=True)
                raise typer.Exit(2) from None

        return app.command(epilog=epilog)(run)

    return register


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    err.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def _names(value: Optional[str]) -> Optional[list[str]]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def metrics_table(metrics: dict, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("evaluation")
    table.add_column("method", no_wrap=True)
    for name in ("mae", "rmse", "mape", "smape", "mase"):
        table.add_column(name.upper(), justify="right")
    table.add_column("points", justify="right")
    for kind, block in metrics.items():
        best = min(block, key=lambda m: block[m]["mase"] if math.isfinite(block[m]["mase"]) else math.inf)
        for method, values in block.items():
            style = "bold green" if method == best else None
            cells = [f"{values[k]:.4g}" for k in ("mae", "rmse", "mape", "smape", "mase")]
            table.add_row(kind, method, *cells, str(values["n"]), style=style)
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
    "--categorical weather --test-size 365 --horizon 7 --out weather-model",
)
def train(
    data: Annotated[Path, typer.Argument(help="CSV or Parquet file, one row per time step (long format for several series).")],
    target: Annotated[str, typer.Option(help="Column to forecast.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Model folder to write (replaced only if it is an lstmkit model).")],
    time_col: Annotated[Optional[str], typer.Option(help="Timestamp column; without it rows are taken in file order.")] = None,
    id_col: Annotated[Optional[str], typer.Option(help="Series id column, for several series in long format.")] = None,
    features: Annotated[Optional[str], typer.Option(help="Numeric past covariates, comma-separated.")] = None,
    categorical: Annotated[Optional[str], typer.Option(help="Categorical features (one-hot encoded), comma-separated.")] = None,
    lookback: Annotated[Optional[int], typer.Option(help="Steps the model sees [default: 2 seasons, at least 24].")] = None,
    horizon: Annotated[Optional[int], typer.Option(help="Steps it predicts at once [default: one season].")] = None,
    test_size: Annotated[int, typer.Option(help="Last N steps of each series held out from training entirely.")] = 0,
    season: Annotated[Optional[int], typer.Option(help="Season length [default: from the frequency].")] = None,
    hidden_size: Annotated[int, typer.Option(help="LSTM hidden units.")] = 64,
    num_layers: Annotated[int, typer.Option(help="Stacked LSTM layers.")] = 2,
    dropout: Annotated[float, typer.Option(help="Dropout between LSTM layers.")] = 0.0,
    window_norm: Annotated[WindowNorm, typer.Option(help="Per-window normalisation of the inputs.")] = WindowNorm.last,
    scaling: Annotated[Scaling, typer.Option(help="Global scaling, per series, fitted on training rows.")] = Scaling.standard,
    impute: Annotated[Impute, typer.Option(help="Missing values: how to fill them (drop: skip windows with gaps).")] = Impute.interpolate,
    missing_indicator: Annotated[bool, typer.Option(help="Add a 0/1 input marking missing target values.")] = False,
    loss: Annotated[Loss, typer.Option(help="Training loss.")] = Loss.mse,
    batch_size: Annotated[int, typer.Option(help="Windows per batch.")] = 64,
    lr: Annotated[float, typer.Option(help="Adam learning rate (halved when validation loss stalls).")] = 3e-3,
    max_epochs: Annotated[int, typer.Option(help="Most epochs.")] = 100,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without validation improvement (0: never).")] = 10,
    steps_per_epoch: Annotated[Optional[int], typer.Option(help="Random batches per epoch, for long data.")] = None,
    val_size: Annotated[Optional[int], typer.Option(help="Validation steps at the end of the training part.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; CPU runs repeat exactly.")] = 0,
    device: Annotated[Device, typer.Option(help="Where to train.")] = Device.auto,
    resume: Annotated[bool, typer.Option(help="Continue from the checkpoint left by an interrupted run.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Train a forecaster on DATA and save it to --out."""
    from .forecaster import Forecaster
    from .training import finish_distributed, is_main_process

    model = Forecaster(
        lookback=lookback, horizon=horizon, hidden_size=hidden_size, num_layers=num_layers, dropout=dropout,
        window_norm=window_norm.value, scaling=scaling.value, impute=impute.value,
        missing_indicator=missing_indicator, loss=loss.value, batch_size=batch_size, lr=lr,
        max_epochs=max_epochs, patience=patience or None, steps_per_epoch=steps_per_epoch, val_size=val_size,
        season=season, device=device.value, random_state=seed, verbose=0 if quiet else 1,
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


@command(
    epilog="Examples:\n\n  lstmkit evaluate airline-model airline.csv\n\n"
    "  lstmkit evaluate airline-model airline.csv --json > metrics.json\n\n"
    "  lstmkit evaluate airline-model airline.csv --plot forecast.png",
)
def evaluate(
    model_dir: Annotated[Path, typer.Argument(help="Model folder written by 'lstmkit train'.")],
    data: Annotated[Path, typer.Argument(help="The series, including the test part at its end.")],
    test_size: Annotated[Optional[int], typer.Option(help="Evaluate on the last N steps [default: the training test size].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
    plot: Annotated[Optional[Path], typer.Option(help="Write the forecast plot (PNG) here.")] = None,
    output: Annotated[Optional[Path], typer.Option("--out", help="Write the forecasts (CSV) here.")] = None,
) -> None:
    """Rolling one-step and multi-step forecasts over the test part, next to naive baselines."""
    from .artifact import write_atomic
    from .forecaster import Forecaster

    model = Forecaster.load(model_dir)
    evaluation = model.evaluate(data, test_size=test_size)
    if as_json:
        print(json.dumps(evaluation.metrics))
    else:
        out.print(metrics_table(evaluation.metrics, f"{data}: last {evaluation.rolling.shape[0]} points"))
    if plot:
        evaluation.plot(plot)
    if output:
        write_atomic(output, lambda tmp: evaluation.rolling.to_csv(tmp, index=False))


@command(
    epilog="Example:\n\n  lstmkit predict airline-model airline.csv --steps 24 --out forecast.csv",
)
def predict(
    model_dir: Annotated[Path, typer.Argument(help="Model folder written by 'lstmkit train'.")],
    data: Annotated[Path, typer.Argument(help="The history to forecast from (each series' last rows are used).")],
    output: Annotated[Path, typer.Option("--out", help="CSV file for the forecasts.")],
    steps: Annotated[Optional[int], typer.Option(help="Steps beyond the end [default: the horizon].")] = None,
) -> None:
    """Forecast the steps after the end of DATA and write them to a CSV file."""
    from .artifact import write_atomic
    from .forecaster import Forecaster

    model = Forecaster.load(model_dir)
    forecast = model.predict(data, steps=steps)
    write_atomic(output, lambda tmp: forecast.to_csv(tmp, index=False))
    err.print(f"wrote {len(forecast)} forecasts to {output}")


def main() -> None:
    """Entry point of the ``lstmkit`` script and ``python -m lstmkit``."""
    app()


if __name__ == "__main__":
    main()
