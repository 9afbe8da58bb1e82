"""``lstmkit demo``: the PyTorch tutorial end to end, on its own generated sequence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..datasets import make_demo_series
from ..forecasting.forecaster import Forecaster
from ..plots import plot_loss
from ..progress import TutorialLines
from .app import command, out
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
