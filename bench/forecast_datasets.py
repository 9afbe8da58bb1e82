"""train -> evaluate --json -> predict through the CLI, each in a new process, on every forecasting file in
../shared/datasets, with the MANIFEST's test sizes. Prints a table and writes it into bench/RESULTS.md.

    .venv/bin/python bench/forecast_datasets.py [--only airline,co2] [--extra "--max-epochs 50"]
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
DATA = ROOT.parent / "shared" / "datasets" / "forecasting"
LSTMKIT = [sys.executable, "-m", "lstmkit"]

MACRO = "realcons,realinv,realgovt,realdpi,cpi,m1,tbilrate,unemp,pop,infl,realint"
DATASETS = {
    "airline": ("airline.csv", "--target passengers --time-col timestamp --test-size 24"),
    "co2_weekly": ("co2_weekly.csv", "--target co2 --time-col timestamp --test-size 104"),
    "taylor_halfhourly": ("taylor_halfhourly.csv", "--target demand_mw --time-col timestamp --test-size 672"),
    "seattle_weather": (
        "seattle_weather.csv",
        "--target temp_max --time-col timestamp --features temp_min,precipitation,wind --categorical weather "
        "--test-size 365",
    ),
    "macrodata_quarterly": (
        "macrodata_quarterly.csv",
        f"--target realgdp --time-col timestamp --features {MACRO} --test-size 12",
    ),
}


def run(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"failed: {shlex.join(args)}\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(DATASETS))
    parser.add_argument("--extra", default="", help="extra options for 'lstmkit train'")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            file, options = DATASETS[name]
            path = f"../shared/datasets/forecasting/{file}"
            model = f"{tmp}/{name}"
            train = ["train", path, *shlex.split(options), *shlex.split(args.extra), "--out", model, "-q"]
            started = time.perf_counter()
            run([*LSTMKIT, *train])
            seconds = time.perf_counter() - started
            metrics = json.loads(run([*LSTMKIT, "evaluate", model, path, "--json"]))
            run([*LSTMKIT, "predict", model, path, "--out", f"{tmp}/{name}.csv"])
            config = json.loads(Path(model, "config.json").read_text())
            rows.append((name, metrics, seconds, len(config["history"]), "lstmkit " + shlex.join(train[:-3])))
            print(name, {k: {m: round(v["mase"], 3) for m, v in b.items()} for k, b in metrics.items()}, flush=True)
    update_section("Forecasting datasets", render(rows))


def render(rows) -> str:
    lines = [
        "`train` → `evaluate --json` → `predict`, each a new process, default settings, CPU (2 cores), "
        "test sizes from the MANIFEST. MASE is scaled by the in-sample seasonal-naive MAE of the training part "
        "(everything before the test part). Best of each row in bold.",
        "",
        "Reproduce: `.venv/bin/python bench/forecast_datasets.py`",
        "",
        "| dataset | rolling LSTM | rolling naive | rolling seasonal naive | multi-step LSTM | multi-step naive "
        "| multi-step seasonal naive | train s | epochs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, metrics, seconds, epochs, _ in rows:
        cells = []
        for kind in ("rolling", "multistep"):
            values = {m: metrics[kind][m]["mase"] for m in ("lstm", "naive", "seasonal_naive")}
            best = min(values, key=values.get)
            cells += [f"**{v:.3f}**" if m == best else f"{v:.3f}" for m, v in values.items()]
        lines.append(f"| {name} | {' | '.join(cells)} | {seconds:.0f} | {epochs} |")
    lines += ["", "Commands (data paths relative to the repository root):", ""]
    lines += [f"- {name}: `{command}`" for name, _, _, _, command in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
