"""The PyTorch LSTM tutorial (../shared/seeds/pytorch-lstm-tutorial.txt) through lstmkit's array API.

The tutorial generates a noisy periodic sequence of 800 points, keeps the first 720 for training and the
last 80 for testing, cuts it into (sequence, next value) pairs of a fixed length, reshapes them to
(samples, timesteps, features), trains an LSTM + Linear model with MSE and Adam for 100 epochs printing
the loss every 10 epochs, and predicts the test part. Here make_windows cuts the sequences (as views of
the series), LSTMRegressor is the model (its loss is on standardised values), and the forecast is scored
next to the naive "repeat the last value" forecast.

    python examples/tutorial.py [--epochs 100]
"""

from __future__ import annotations

import argparse

import numpy as np

from lstmkit import LSTMRegressor, make_demo_series, make_windows
from lstmkit.progress import TutorialLines

SEQ_LENGTH = 50  # steps the model sees (one period of the slow sine)
FORECAST_START = 720


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    epochs = parser.parse_args().epochs

    series = make_demo_series(800)["value"].to_numpy()  # (800,)
    X, y = make_windows(series, lookback=SEQ_LENGTH, horizon=1)  # (750, 50, 1), (750, 1, 1)
    target_index = np.arange(len(X)) + SEQ_LENGTH  # position of each window's target in the series
    train, test = target_index < FORECAST_START, target_index >= FORECAST_START
    print(
        f"{len(series)} points; windows {X.shape} = (samples, timesteps, features); "
        f"{train.sum()} train windows (targets before {FORECAST_START}), {test.sum()} test windows"
    )

    model = LSTMRegressor(hidden_size=64, max_epochs=epochs, patience=None, val_fraction=0, device="cpu")
    model.fit(X[train], y[train, 0, 0], reporter=TutorialLines(every=10))

    forecast = model.predict(X[test])  # (80,) one step ahead from the true history
    actual, naive = y[test, 0, 0], X[test, -1, 0]
    mae, naive_mae = np.mean(np.abs(forecast - actual)), np.mean(np.abs(naive - actual))
    rmse = np.sqrt(np.mean((forecast - actual) ** 2))
    print(
        f"test part ({test.sum()} points): LSTM MAE {mae:.3f}, RMSE {rmse:.3f}; naive last-value MAE {naive_mae:.3f}"
    )
    print(
        "first 5 test points (actual -> forecast): "
        + ", ".join(f"{a:.2f} -> {f:.2f}" for a, f in zip(actual[:5], forecast[:5], strict=True))
    )


if __name__ == "__main__":
    main()
