"""Speed of a 5-fold backtest without refit on taylor_halfhourly, batched vs a per-origin loop, in new processes
with the default OpenMP settings and with OMP_WAIT_POLICY=PASSIVE. Writes the section "Backtest speed" of
bench/RESULTS.md.

    .venv/bin/python bench/backtest_speed.py [--model DIR]   # default: train a small model first (about a minute)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = "../shared/datasets/forecasting/taylor_halfhourly.csv"
TRAIN = f"train {DATA} --target demand_mw --time-col timestamp --test-size 672 -q"  # default settings

# In a new process: the library's backtest (3 runs, median) and a naive loop doing the same forecasts one origin
# at a time (what a backtest without batching does), checked to agree.
PROBE = r"""
import json, statistics, sys, time
import numpy as np, torch
from lstmkit import Forecaster, backtest
model = Forecaster.load(sys.argv[1])
runs = []
for _ in range(3):
    started = time.perf_counter(); result = backtest(model, sys.argv[2], folds=5); runs.append(time.perf_counter() - started)
values = torch.from_numpy(model.prep_.transform(__import__("lstmkit").read_table(sys.argv[2], model.columns_)).values)
lb, h, n = model.lookback_, model.horizon_, len(values)
started = time.perf_counter()
loop = []
with torch.inference_mode():
    for fold in range(5):
        start = n - (5 - fold) * result.fold_size
        for row in range(start, start + result.fold_size):  # rolling: one origin per row
            loop.append(model.net_(values[row - lb : row][None])[0, 0].item())
        for origin in range(start, start + result.fold_size, h):  # multi-step origins
            model.net_(values[origin - lb : origin][None])
naive_s = time.perf_counter() - started
scaled = (result.rolling["lstm"].to_numpy() - model.prep_.loc_[0, 0]) / model.prep_.scale_[0, 0]
print(json.dumps({"batched_s": statistics.median(runs), "runs": runs, "naive_s": naive_s,
                  "max_diff": float(np.max(np.abs(scaled - np.array(loop)))), "fold_size": result.fold_size,
                  "points": len(result.rolling)}))
"""


def run(args: list[str], env: dict | None = None) -> tuple[str, float]:
    started = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"failed: {shlex.join(args)}\n{result.stderr}")
    return result.stdout, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a model trained on taylor_halfhourly with --test-size 672")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            model = f"{tmp}/taylor"
            run([sys.executable, "-m", "lstmkit", *shlex.split(TRAIN), "--out", model])
        rows = []
        for label, extra in (("default", {}), ("OMP_WAIT_POLICY=PASSIVE", {"OMP_WAIT_POLICY": "PASSIVE"})):
            env = os.environ | extra
            probe = json.loads(run([sys.executable, "-c", PROBE, model, DATA], env)[0])
            _, wall = run([sys.executable, "-m", "lstmkit", "backtest", model, DATA, "--folds", "5", "--json"], env)
            rows.append((label, probe, wall))
            print(label, probe, f"cli {wall:.1f} s", flush=True)
    update_section("Backtest speed", render(rows, args.model is None))


def render(rows, trained: bool) -> str:
    lines = [
        "5 folds without refit on taylor_halfhourly (the trained model at every origin of the 670 last rows, rolling "
        "one-step and 48-step forecasts, LSTM and 4 baselines scored per fold and overall). *batched*: "
        "`lstmkit.backtest`, median of 3 runs in one process; *per-origin loop*: the same LSTM forecasts one origin "
        "at a time (they agree to the max difference shown, in scaled units); *CLI*: the whole `lstmkit backtest` "
        "process, start-up included.",
        "",
        "Reproduce: `.venv/bin/python bench/backtest_speed.py"
        + ("` (trains M first: " if trained else " --model M` (M trained by bench/intervals.py: ")
        + f"`lstmkit {TRAIN} --out M`)",
        "",
        "| OpenMP | batched s | per-origin loop s | loop / batched | max difference | CLI s |",
        "|---|---|---|---|---|---|",
    ]
    for label, p, wall in rows:
        lines.append(
            f"| {label} | {p['batched_s']:.3f} | {p['naive_s']:.2f} | {p['naive_s'] / p['batched_s']:.0f}x | "
            f"{p['max_diff']:.1e} | {wall:.1f} |"
        )
    lines += [
        "",
        "Command: `lstmkit backtest M ../shared/datasets/forecasting/taylor_halfhourly.csv --folds 5 --json`. When "
        "other jobs compete for this shared machine's 2 cores, PyTorch's default OpenMP threads spin-wait for each "
        "other at every LSTM time step and a 2-thread forward pass of a few windows can take seconds (an earlier run "
        "under load: 23 s batched by default, 0.1 s with `OMP_WAIT_POLICY=PASSIVE`); on a quiet machine, as here, "
        "the default is the faster.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
