"""A global model over a panel of many series: time per epoch, peak memory, and one call forecasting all.

Default: 10,000 series x 1,000 steps (long format, id + value), --steps-per-epoch 200, batch 256.
Runs the CLI in a child process and reports its peak RSS (ru_maxrss), then times `predict` for all
series in one call in the parent.

    .venv/bin/python bench/many_series.py [--series 10000] [--length 1000] [--epochs 2]
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def make_panel(path: Path, series: int, length: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    t = np.arange(length)
    level = rng.uniform(10, 1000, series)[:, None]
    period = rng.choice([7, 12, 24, 52], series)[:, None]
    values = level * (1 + 0.2 * np.sin(2 * np.pi * t / period)) + rng.normal(0, 0.05, (series, length)) * level
    frame = pd.DataFrame(
        {"series": np.repeat([f"s{i:05d}" for i in range(series)], length), "value": values.ravel().astype("float32")}
    )
    frame.to_parquet(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--length", type=int, default=1_000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "panel.parquet"
        make_panel(data, args.series, args.length)
        train = [
            "train", str(data), "--target", "value", "--id-col", "series", "--lookback", "48", "--horizon", "12",
            "--batch-size", "256", "--steps-per-epoch", "200", "--max-epochs", str(args.epochs), "--patience", "0",
            "--out", f"{tmp}/model", "--quiet",
        ]
        code = (
            "import resource, subprocess, sys, time; t = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, sys.executable, "-m", "lstmkit", *train],
            check=True, capture_output=True, text=True, cwd=ROOT,
        )
        wall, peak_kb = out.stdout.split()[-2:]
        config = json.loads(Path(tmp, "model", "config.json").read_text())
        per_epoch = sum(r["seconds"] for r in config["history"]) / len(config["history"])

        from lstmkit import Forecaster

        model = Forecaster.load(f"{tmp}/model")
        started = time.perf_counter()
        forecast = model.predict(data)
        predict_s = time.perf_counter() - started
    n_forecast = forecast["series"].nunique()
    print(f"peak RSS {int(peak_kb) / 1024:.0f} MB, {per_epoch:.2f} s/epoch, predict {n_forecast} series {predict_s:.2f} s")
    command = "lstmkit " + shlex.join(["train", "panel.parquet", *train[2:-3]])
    update_section(
        "Many series",
        f"{args.series:,} series x {args.length:,} steps (long format, Parquet), one global model, per-series "
        "scaling, batches of 256 windows mixing series.\n\n"
        "| figure | value |\n|---|---|\n"
        f"| peak RSS of the training process (imports included) | {int(peak_kb) / 1024:.0f} MB |\n"
        f"| training time per epoch (200 steps of 256 windows) | {per_epoch:.2f} s |\n"
        f"| whole `lstmkit train` process wall time | {float(wall):.1f} s |\n"
        f"| `predict` for all {n_forecast:,} series in one call (from the Parquet file) | {predict_s:.2f} s |\n\n"
        f"Reproduce: `.venv/bin/python bench/many_series.py --series {args.series} --length {args.length}`; "
        f"the training run is `{command}`.",
    )


if __name__ == "__main__":
    main()
