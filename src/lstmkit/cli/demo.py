"""Getting started: ``lstmkit demo`` (the PyTorch tutorial end to end) and ``lstmkit datasets`` (the sample
data that ships with lstmkit, written to a CSV file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..datasets import DATASETS, make_demo_series
from ..exceptions import ConfigError, did_you_mean
from ..files import write_atomic
from ..forecasting.forecaster import Forecaster
from ..plots import plot_loss
from ..progress import TutorialLines
from .app import command, err, out
from .tables import metrics_table


@command(
    epilog="Example:\n\n  lstmkit demo --out lstmkit-demo",
)
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the plots and the model.")] = Path("lstmkit-demo"),
    epochs: Annotated[int, typer.Option(help="Training epochs, as in the tutorial.")] = 100,
) -> None:
    """The PyTorch tutorial, end to end: a noisy periodic sequence of 800 points, 720 train / 80 test."""
    data = make_demo_series(800)
    out.print("Data: 800 points of a noisy periodic signal; training on the first 720, testing on the last 80.")
    model = Forecaster(lookback=50, horizon=10, season=50, max_epochs=epochs, patience=None, verbose=0)
    model.fit(data, target="value", time_col="step", test_size=80, reporter=TutorialLines(every=10))
    evaluation = model.evaluate(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    forecast_png, loss_png = out_dir / "forecast.png", out_dir / "loss.png"
    evaluation.plot(forecast_png)
    plot_loss(model.history_, loss_png)
    model.save(out_dir / "model")
    out.print(metrics_table(evaluation.metrics, "Test part (80 points): LSTM next to the baselines"))
    out.print(f"Plots: {forecast_png}, {loss_png}\nModel: {out_dir / 'model'}")


@command(
    epilog="Examples:\n\n  lstmkit datasets\n\n  lstmkit datasets airline --out airline.csv\n\n"
    "  lstmkit datasets retail --out retail.csv",
)
def datasets(
    name: Annotated[Optional[str], typer.Argument(help="A dataset to write; without one, the list.")] = None,
    output: Annotated[Optional[Path], typer.Option("--out", help="CSV file to write the dataset to.")] = None,
) -> None:
    """The sample data that ships with lstmkit: list it, or write one dataset to a CSV file."""
    if name is None:
        width = max(map(len, DATASETS))
        for key, (_, description) in DATASETS.items():
            out.print(f"{key:<{width}}  {description}", highlight=False)
        out.print("\nWrite one with: lstmkit datasets NAME --out NAME.csv", highlight=False)
        return
    if name not in DATASETS:
        raise ConfigError(f"no dataset {name!r}; lstmkit has {', '.join(DATASETS)}.{did_you_mean(name, DATASETS)}")
    if output is None:
        raise ConfigError(f"say where to write it: lstmkit datasets {name} --out {name}.csv")
    frame = DATASETS[name][0]()
    write_atomic(output, lambda tmp: frame.to_csv(tmp, index=False))
    err.print(f"wrote {len(frame)} rows ({', '.join(map(str, frame.columns))}) to {output}")
