"""Peak memory training on one long series: 2,000,000 steps x 8 features, lookback 128, batch 256, 200 steps.

lstmkit reads the series from a Parquet file through the CLI (`--steps-per-epoch 200 --max-epochs 1`); the
floor is the bare loop (nn.LSTM + head + Adam over 200 pre-gathered batches, data generated in memory), as
in ../shared/benchmarks/PROTOCOL.md. Each runs in its own process; peak RSS is that process's ru_maxrss.

    .venv/bin/python bench/long_series.py [--rows 2000000] [--repeats 1]
"""

from __future__ import annotations

import argparse
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

FLOOR = r"""
import resource, sys, time, numpy as np, torch
torch.manual_seed(0)
rows, lookback, batch, steps = int(sys.argv[1]), 128, 256, 200
rng = np.random.default_rng(0)
t = np.arange(rows, dtype=np.float32)[:, None]
periods = np.array([24, 168, 50, 500, 7, 1000, 12, 365], dtype=np.float32)
data = (np.sin(2 * np.pi * t / periods) + rng.normal(0, 0.1, (rows, 8))).astype(np.float32)
series = torch.from_numpy(data)
starts = torch.randint(rows - lookback, (steps, batch))
batches = [(series[s[:, None] + torch.arange(lookback)], series[s + lookback, 0:1]) for s in starts]
lstm, head = torch.nn.LSTM(8, 64, 2, batch_first=True), torch.nn.Linear(64, 1)
opt = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=1e-3)
began = time.perf_counter()
for x, y in batches:
    out, _ = lstm(x)
    loss = torch.nn.functional.mse_loss(head(out[:, -1]), y)
    opt.zero_grad(); loss.backward(); opt.step()
print(time.perf_counter() - began)
"""


def make_parquet(path: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    t = np.arange(rows, dtype=np.float32)[:, None]
    periods = np.array([24, 168, 50, 500, 7, 1000, 12, 365], dtype=np.float32)
    data = (np.sin(2 * np.pi * t / periods) + rng.normal(0, 0.1, (rows, 8))).astype(np.float32)
    pd.DataFrame(data, columns=[f"f{i}" for i in range(8)]).to_parquet(path)


def peak_of(args: list[str]) -> tuple[float, float]:
    """Run ``args`` in a child process; return (wall seconds, peak RSS in MB)."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # A fresh intermediate process makes ru_maxrss of RUSAGE_CHILDREN that of this child alone.
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    del before
    return time.perf_counter() - started, int(out.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "long.parquet"
        make_parquet(data, args.rows)
        train = [
            "train", str(data), "--target", "f0", "--features", "f1,f2,f3,f4,f5,f6,f7", "--lookback", "128",
            "--horizon", "1", "--num-layers", "2", "--batch-size", "256", "--steps-per-epoch", "200", "--max-epochs", "1",
            "--out", f"{tmp}/model", "-q",
        ]
        lstmkit_runs, floor_runs = [], []
        for _ in range(args.repeats):  # interleaved
            lstmkit_runs.append(peak_of([sys.executable, "-m", "lstmkit", *train]))
            floor_runs.append(peak_of([sys.executable, "-c", FLOOR, str(args.rows)]))
    lk = statistics.median(r[1] for r in lstmkit_runs)
    fl = statistics.median(r[1] for r in floor_runs)
    lk_s = statistics.median(r[0] for r in lstmkit_runs)
    fl_s = statistics.median(r[0] for r in floor_runs)
    print(f"lstmkit peak RSS {lk:.0f} MB ({lk_s:.0f} s), floor {fl:.0f} MB ({fl_s:.0f} s), ratio {lk / fl:.2f}")
    command = "lstmkit " + shlex.join(train[:1] + ["long.parquet"] + train[2:-3])
    update_section(
        "Long series memory",
        f"{args.rows:,} steps x 8 features (float32 sinusoids + noise, seed 0) in a Parquet file; lookback 128, "
        f"batch 256, 200 steps. Peak RSS of the whole process (imports included), median of {args.repeats}.\n\n"
        "| system | peak RSS MB | wall s (process) |\n|---|---|---|\n"
        f"| lstmkit CLI (reads the Parquet file) | {lk:.0f} | {lk_s:.0f} |\n"
        f"| floor (bare loop, data generated in memory) | {fl:.0f} | {fl_s:.0f} |\n"
        f"| ratio lstmkit / floor | {lk / fl:.2f} | |\n\n"
        f"Reproduce: `.venv/bin/python bench/long_series.py --rows {args.rows}`; the lstmkit run is `{command}`.",
    )


if __name__ == "__main__":
    main()
