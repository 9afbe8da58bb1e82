"""Prediction latency: one series (the pandas-free path and the DataFrame path) and many series in one call.

    .venv/bin/python bench/predict_latency.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402


def timed(function, repeats: int) -> float:
    for _ in range(5):
        function()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--series", type=int, default=10_000)
    args = parser.parse_args()
    from lstmkit import Forecaster, load_airline

    airline = load_airline()
    model = Forecaster(max_epochs=2, verbose=0, device="cpu").fit(airline, target="passengers", time_col="timestamp")
    values = airline[["passengers"]].to_numpy()
    one_fast = timed(lambda: model.predict_values(values), args.repeats)
    one_frame = timed(lambda: model.predict(airline), max(20, args.repeats // 10))

    rng = np.random.default_rng(0)
    n, length = args.series, 60
    panel = pd.DataFrame(
        {
            "series": np.repeat([f"s{i}" for i in range(n)], length),
            "timestamp": np.tile(pd.date_range("2020-01-01", periods=length, freq="MS"), n),
            "y": rng.normal(100, 10, n * length),
        }
    )
    many = Forecaster(max_epochs=1, steps_per_epoch=5, verbose=0, device="cpu")
    many.fit(panel, target="y", time_col="timestamp", id_col="series")
    began = time.perf_counter()
    out = many.predict(panel)
    many_frame = time.perf_counter() - began
    stacked = panel["y"].to_numpy().reshape(n, length, 1)
    ids = [f"s{i}" for i in range(n)]
    many_fast = timed(lambda: many.predict_values(stacked, series=ids), 5)
    assert out["series"].nunique() == n
    lines = [
        f"Model: LSTM {model.hidden_size} x {model.num_layers}, lookback {model.lookback_}, horizon {model.horizon_} "
        "(airline defaults); CPU, default threads; medians.",
        "",
        f"Reproduce: `.venv/bin/python bench/predict_latency.py --repeats {args.repeats}`",
        "",
        "| call | median |",
        "|---|---|",
        f"| one series, `predict_values(array)` (pandas-free path) | {one_fast * 1000:.2f} ms |",
        f"| one series, `predict(DataFrame)` (checks, preparation, timestamps) | {one_frame * 1000:.1f} ms |",
        f"| {n:,} series in one call, `predict_values(array)` | {many_fast:.3f} s |",
        f"| {n:,} series in one call, `predict(DataFrame)` | {many_frame:.2f} s |",
    ]
    print("\n".join(lines))
    update_section("Predict latency", "\n".join(lines))


if __name__ == "__main__":
    main()
