"""ONNX against PyTorch at prediction time: the same airline model, saved and exported, timed side by side on
the pandas-free path (``predict_values``), the DataFrame path and a batch of many windows; with the parity.

    .venv/bin/python bench/onnx_latency.py [--repeats 200] [--threads 1]

Each row times both runtimes in the same run (interleaved), so the ratio holds on a shared machine even where
the absolute figures drift.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402


def timed_pair(first, second, repeats: int) -> tuple[float, float]:
    """Medians of ``first`` and ``second``, called alternately (so load on the machine hits both alike)."""
    for _ in range(5):
        first(), second()
    a, b = [], []
    for _ in range(repeats):
        for function, times in ((first, a), (second, b)):
            began = time.perf_counter()
            function()
            times.append(time.perf_counter() - began)
    return statistics.median(a), statistics.median(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="torch and onnxruntime intra-op threads")
    parser.add_argument("--windows", type=int, default=1000)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    import lstmkit
    from lstmkit import Forecaster, load_airline

    airline = load_airline()
    model = Forecaster(max_epochs=30, verbose=0, device="cpu").fit(airline, target="passengers",
                                                                   time_col="timestamp", test_size=24)
    folder = Path(tempfile.mkdtemp()) / "airline-onnx"
    model.export_onnx(folder)
    onnx = lstmkit.load(folder)
    values = airline[["passengers"]].to_numpy()
    parity = float(np.max(np.abs(onnx.predict_values(values, 36) - model.predict_values(values, 36))
                          / np.abs(model.predict_values(values, 36))))
    one = timed_pair(lambda: model.predict_values(values), lambda: onnx.predict_values(values), args.repeats)
    frame = timed_pair(lambda: model.predict(airline), lambda: onnx.predict(airline), max(20, args.repeats // 10))
    rng = np.random.default_rng(0)
    many = values[None, :, :] * rng.uniform(0.5, 2.0, (args.windows, 1, 1))  # (S, T, 1) scaled copies
    batch = timed_pair(lambda: model.predict_values(many), lambda: onnx.predict_values(many), max(10, args.repeats // 20))
    rows = [
        ("one series, `predict_values(array)`", one, 1000, "ms"),
        ("one series, `predict(DataFrame)`", frame, 1000, "ms"),
        (f"{args.windows:,} windows in one call, `predict_values(array)`", batch, 1000, "ms"),
    ]
    lines = [
        f"Model: airline defaults (LSTM {model.hidden_size} x {model.num_layers}, lookback {model.lookback_}, "
        f"horizon {model.horizon_}); CPU, {args.threads} thread(s) for both runtimes; medians, the two runtimes "
        "timed alternately in one run (the machine was shared: read the ratios).",
        "",
        f"Reproduce: `.venv/bin/python bench/onnx_latency.py --repeats {args.repeats} --threads {args.threads}`",
        "",
        "| call | PyTorch | ONNX Runtime | ONNX / PyTorch |",
        "|---|---|---|---|",
        *[f"| {name} | {t * k:.2f} {unit} | {o * k:.2f} {unit} | {o / t:.2f} |" for name, (t, o), k, unit in rows],
        "",
        f"Parity: max relative difference of 36-step forecasts (3 x H, recursive) {parity:.1e}.",
    ]
    print("\n".join(lines))
    update_section("ONNX latency", "\n".join(lines))


if __name__ == "__main__":
    main()
