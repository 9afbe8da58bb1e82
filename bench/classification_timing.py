"""Training time at default settings on synthetic problems of the sizes issue 14 names, through the CLI:

    OMP_NUM_THREADS=1 python bench/classification_timing.py          # both problems, seed 0
    python bench/classification_timing.py --only long                  # 100 sequences x 1,500 steps only

- ``long``: 100 sequences x 1,500 steps, 1 channel, 10 classes (budget: under 5 minutes on 2 cores);
- ``variable``: 500 sequences of 100..1,300 steps (uniform), 3 channels, 11 classes (budget: under 10 minutes).

Each class is a noisy sine of its own frequency with a class-specific bump, so the problems are learnable, and
the accuracy on a test set drawn the same way is printed beside the time (a check that the model trained, not
a benchmark of accuracy). Appends a section to bench/RESULTS_classification.md (or --out).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = {  # name: (sequences, (shortest, longest), channels, classes)
    "long": (100, (1500, 1500), 1, 10),
    "variable": (500, (100, 1300), 3, 11),
}
BUDGET_S = {"long": 300, "variable": 600}


def synthetic(n: int, lengths: tuple[int, int], channels: int, classes: int, seed: int) -> pd.DataFrame:
    """Long format sequence_id, step, label, dim_0..: class k is a sine of frequency (k + 1) / 200 per step
    plus noise, with a bump at a class-specific share of its length."""
    rng = np.random.default_rng(seed)
    parts = []
    for sid in range(n):
        k = sid % classes
        length = int(rng.integers(lengths[0], lengths[1] + 1))
        t = np.arange(length)
        bump = np.exp(-(((t / length) - (k + 0.5) / classes) ** 2) / 0.002)
        dims = {
            f"dim_{c}": np.sin(2 * np.pi * (k + 1) / 200 * t + rng.uniform(0, 6)) + bump + rng.normal(0, 0.5, length)
            for c in range(channels)
        }
        parts.append(pd.DataFrame({"sequence_id": sid, "step": t, "label": f"c{k}", **dims}))
    return pd.concat(parts, ignore_index=True)


def run(name: str, seed: int, workdir: Path) -> dict:
    n, lengths, channels, classes = PROBLEMS[name]
    train, test = workdir / f"{name}_TRAIN.csv", workdir / f"{name}_TEST.csv"
    synthetic(n, lengths, channels, classes, seed=1).to_csv(train, index=False)
    synthetic(n // 2, lengths, channels, classes, seed=2).to_csv(test, index=False)
    model = workdir / f"{name}-model"
    lstmkit = [sys.executable, "-m", "lstmkit"]
    command = [*lstmkit, "train", str(train), "--task", "classify", "--sequence-col", "sequence_id",
               "--label-col", "label", "--step-col", "step", "--seed", str(seed), "--out", str(model), "-q"]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    metrics = json.loads(subprocess.run([*lstmkit, "evaluate", str(model), str(test), "--json"], check=True,
                                        cwd=ROOT, capture_output=True, text=True).stdout)
    network = json.loads((model / "config.json").read_text())["network"]
    return {"problem": name, "sequences": n, "lengths": lengths, "channels": channels, "classes": classes,
            "train_s": round(seconds, 1), "budget_s": BUDGET_S[name], "accuracy": round(metrics["accuracy"], 4),
            "pool": network["pool"], "lstm_pool": network["lstm_pool"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(PROBLEMS), action="append")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS_classification.md")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or list(PROBLEMS):
            rows.append(run(name, args.seed, Path(tmp)))
            print(json.dumps(rows[-1]), flush=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    threads = os.environ.get("OMP_NUM_THREADS")
    env = f"OMP_NUM_THREADS={threads} " if threads else ""
    lines = [
        "\n## Training time at defaults, synthetic problems of the issue's sizes\n",
        f"Command: `{env}python {' '.join(['bench/classification_timing.py', *sys.argv[1:]])}` ({os.cpu_count()} "
        f"cores, torch threads: {threads or 'torch default'}; load average at the end, this run's threads "
        f"included: {load})\n",
        "| problem | sequences x steps | channels | classes | pool, lstm_pool | train wall time | budget | "
        "test accuracy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        steps = r["lengths"][0] if r["lengths"][0] == r["lengths"][1] else f"{r['lengths'][0]}..{r['lengths'][1]}"
        lines.append(f"| {r['problem']} | {r['sequences']} x {steps} | {r['channels']} | {r['classes']} | "
                     f"{r['pool']}, {r['lstm_pool']} | {r['train_s']:.0f} s | {r['budget_s']} s | {r['accuracy']:.3f} |")
    with args.out.open("a") as f:
        f.write("\n".join(lines) + "\n")
    print(f"appended to {args.out}")


if __name__ == "__main__":
    main()
