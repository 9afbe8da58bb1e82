"""Run every benchmark and rewrite bench/RESULTS.md. Nothing else heavy should run meanwhile (2 cores).

    .venv/bin/python bench/run.py            # everything (about an hour on 2 cores)
    .venv/bin/python bench/run.py --quick    # small sizes, a few minutes: checks the scripts work
    LSTMKIT_PEER_PYTHON=PEERVENV/bin/python .venv/bin/python bench/run.py   # also train the peers in the run
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

FULL = [
    ["fit_overhead.py", "--same-process", "--repeats", "5"],
    ["fit_overhead.py", "--repeats", "5"],
    ["time_to_quality.py"],
    ["predict_latency.py"],
    ["onnx_latency.py"],
    ["tune_airline.py"],
    ["long_series.py"],
    ["many_series.py"],
    ["forecast_datasets.py"],
]
QUICK = [
    ["fit_overhead.py", "--quick", "--repeats", "1"],
    ["fit_overhead.py", "--quick", "--same-process", "--repeats", "1"],
    ["predict_latency.py", "--repeats", "20", "--series", "1000"],
    ["onnx_latency.py", "--repeats", "20", "--windows", "100"],
    ["long_series.py", "--rows", "200000"],
    ["many_series.py", "--series", "500", "--length", "300", "--epochs", "1"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.quick:  # small sizes must not overwrite the real figures
        env["LSTMKIT_BENCH_RESULTS"] = str(HERE / "RESULTS-quick.md")
    runs = QUICK if args.quick else FULL
    import torch

    peers = os.environ.get("LSTMKIT_PEER_PYTHON")  # a venv with darts and neuralforecast: peers measured in the run
    if peers and not args.quick:
        runs = [[s, *o, "--peer-python", peers] if s == "time_to_quality.py" else [s, *o] for s, *o in runs]
        runs.append(["rolling_speed.py", "--darts-python", peers])
    if torch.cuda.is_available():  # the CUDA path, on a GPU machine only
        runs = [*runs, ["gpu.py", *(["--quick"] if args.quick else [])]]
    shared = HERE.resolve().parents[1] / "shared" / "benchmarks"
    if not shared.exists():  # the protocol's data and peers live there, beside the clone
        needs = {"fit_overhead.py", "time_to_quality.py", "rolling_speed.py", "gpu.py", "forecast_datasets.py"}
        print(f"{shared} is missing: skipping {', '.join(sorted(needs))}", flush=True)
        runs = [run for run in runs if run[0] not in needs]
    for script, *options in runs:
        print(f"== {script} {' '.join(options)}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *options], check=True, env=env)


if __name__ == "__main__":
    main()
