"""train -> evaluate --json -> predict through the CLI, each in a new process, on all 13 forecasting files in
../shared/datasets, with the MANIFEST's test sizes and horizons. Prints a table of MAE and MASE for the LSTM and
every baseline (with ``--baselines all``: naive, seasonal naive, drift, mean, and AutoETS / AutoARIMA from the
``classical`` extra, fitted on the training part) and writes it into bench/RESULTS.md.

    OMP_NUM_THREADS=1 .venv/bin/python bench/forecast_datasets.py --baselines all [--only airline,co2_weekly]
        [--extra "--max-epochs 50"] [--section "Forecasting datasets"]

Datasets run one at a time; each train and evaluate runs with one torch thread (OMP_NUM_THREADS=1).
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
DATA = ROOT.parent / "shared" / "datasets" / "forecasting"
LSTMKIT = [sys.executable, "-m", "lstmkit"]

MACRO = "realcons,realinv,realgovt,realdpi,cpi,m1,tbilrate,unemp,pop,infl,realint"
DATASETS = {  # name: (file, data roles, --test-size, --horizon), test sizes and horizons from the MANIFEST
    "airline": ("airline.csv", "--target passengers --time-col timestamp", 24, 12),
    "co2_weekly": ("co2_weekly.csv", "--target co2 --time-col timestamp", 104, 52),
    "taylor_halfhourly": ("taylor_halfhourly.csv", "--target demand_mw --time-col timestamp", 672, 48),
    "seattle_weather": ("seattle_weather.csv", "--target temp_max --time-col timestamp --features "
                        "temp_min,precipitation,wind --categorical weather", 365, 7),
    "macrodata_quarterly": ("macrodata_quarterly.csv", f"--target realgdp --time-col timestamp --features {MACRO}",
                            12, 4),
    "shampoo_monthly": ("shampoo_monthly.csv", "--target sales --time-col timestamp", 12, 12),
    "pbs_immune_sera": ("pbs_immune_sera_monthly.csv", "--target scripts --time-col timestamp", 24, 12),
    "woolyrnq_quarterly": ("woolyrnq_quarterly.csv", "--target tonnes --time-col timestamp", 8, 4),
    "gasoline_weekly": ("gasoline_weekly.csv", "--target barrels --time-col timestamp", 104, 52),
    "seatbelts_monthly": ("seatbelts_monthly.csv", "--target drivers --time-col timestamp --future-features law",
                          12, 12),
    "elecdemand_halfhourly": ("elecdemand_halfhourly.csv", "--target Demand --time-col timestamp "
                              "--future-features WorkDay", 672, 48),
    "us_employment_panel": ("us_employment_panel.csv", "--target employment --time-col timestamp --id-col series_id",
                            12, 12),
    "m1_yearly_panel": ("m1_yearly_panel.csv", "--target value --time-col timestamp --id-col series_id", 6, 6),
}
SHOWN = ("lstm", "lstm+ets", "naive", "seasonal_naive", "ets", "arima")  # columns of the table (all methods are in the JSON)


def require_data() -> None:
    """Stop with one line when the shared datasets are not beside the clone (they are not shipped)."""
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is missing: these benchmarks read the shared forecasting datasets; put the "
                         "shared/ folder beside the repository (../shared).")


def fit_args(name: str) -> tuple[str, dict, dict]:
    """The data path, ``Forecaster.fit`` keyword arguments and Forecaster parameters for one dataset."""
    file, roles, test_size, horizon = DATASETS[name]
    words, args = shlex.split(roles), {}
    for flag, value in zip(words[::2], words[1::2]):
        key = flag[2:].replace("-", "_")
        args[key] = value.split(",") if key in ("features", "categorical", "future_features") else value
    return str(DATA / file), {**args, "test_size": test_size}, {"horizon": horizon}


def run(args: list[str]) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"failed: {shlex.join(args)}\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(DATASETS))
    parser.add_argument("--extra", default="", help="extra options for 'lstmkit train'")
    parser.add_argument("--baselines", default="all", help="'all' adds ets and arima when statsforecast is there")
    parser.add_argument("--section", default="Forecasting datasets")
    parser.add_argument("--json", default=None, help="keep the raw rows in this JSON file: rows already there for "
                        "other datasets are kept (a run can be split), each dataset's row is written when it is done")
    args = parser.parse_args()
    require_data()
    baselines = args.baselines
    if baselines == "all":
        baselines = "naive,seasonal_naive,drift,mean" + (",ets,arima" if _classical() else "")
    rows = json.loads(Path(args.json).read_text()) if args.json and Path(args.json).exists() else []
    order = list(DATASETS)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            file, roles, test_size, horizon = DATASETS[name]
            path = f"../shared/datasets/forecasting/{file}"
            model = f"{tmp}/{name}"
            train = ["train", path, *shlex.split(roles), "--test-size", str(test_size), "--horizon", str(horizon),
                     *shlex.split(args.extra), "--out", model, "-q"]
            started = time.perf_counter()
            run([*LSTMKIT, *train])
            seconds = time.perf_counter() - started
            metrics = json.loads(run([*LSTMKIT, "evaluate", model, path, "--json", "--baselines", baselines]))
            if "--future-features" not in roles:  # predict needs the future values, which the file does not hold
                run([*LSTMKIT, "predict", model, path, "--out", f"{tmp}/{name}.csv"])
            config = json.loads(Path(model, "config.json").read_text())
            rows = [r for r in rows if r[0] != name]
            rows.append((name, metrics, seconds, len(config["history"]), "lstmkit " + shlex.join(train[:-3])))
            rows.sort(key=lambda r: order.index(r[0]))
            print(name, f"{seconds:.0f}s", {k: {m: round(v["mae"], 3) for m, v in b.items()} for k, b in metrics.items()},
                  flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps(rows, indent=1))
            update_section(args.section, render(rows))


def _classical() -> bool:
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        return False
    return True


def beats(rows, kind: str, other: str, method: str = "lstm") -> tuple[int, int]:
    """(cells where ``method``'s MAE is below ``other``'s, cells where both were scored)."""
    cells = [(r[1][kind][method]["mae"], r[1][kind][other]["mae"]) for r in rows
             if other in r[1][kind] and method in r[1][kind]]
    return sum(a < b for a, b in cells), len(cells)


def render(rows) -> str:
    shown = [m for m in SHOWN if any(m in r[1]["rolling"] for r in rows)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "`train` → `evaluate --json --baselines all` → `predict`, each a new process, default settings (only the "
        "data roles, `--test-size` and `--horizon` from the MANIFEST), CPU, `OMP_NUM_THREADS=1`, one dataset at a "
        f"time; load average (1, 5, 15 min) when this table was written: {load}. "
        "Each cell is MAE / MASE (MASE scaled by the in-sample seasonal-naive MAE of the training part); the "
        "lowest MAE of each group in bold. ets and arima are statsforecast AutoETS / AutoARIMA fitted on the "
        "training part (the `classical` extra). lstm+ets is the LSTM and AutoETS combined with inverse-MAE weights "
        "from the validation part before the test part (`Evaluation.combination`); the default forecaster is the "
        "plain LSTM, `lstm`.",
        "",
        "Reproduce: `OMP_NUM_THREADS=1 .venv/bin/python bench/forecast_datasets.py --baselines all`",
        "",
    ]
    for kind in ("rolling", "multistep"):
        lines += [f"**{kind}**", "", "| dataset | " + " | ".join(shown) + " | train s | epochs |",
                  "|---" * (len(shown) + 3) + "|"]
        for name, metrics, seconds, epochs, _ in rows:
            values = {m: metrics[kind][m] for m in shown if m in metrics[kind]}
            best = min(values, key=lambda m: values[m]["mae"])
            cells = [(f"**{v['mae']:.4g}** / {v['mase']:.3f}" if m == best else f"{v['mae']:.4g} / {v['mase']:.3f}")
                     if (v := values.get(m)) else "-" for m in shown]
            lines.append(f"| {name} | {' | '.join(cells)} | {seconds:.0f} | {epochs} |")
        lines.append("")
    for method, other in (("lstm", "ets"), ("lstm", "arima"), ("lstm+ets", "ets"), ("lstm+ets", "arima")):
        won = [beats(rows, kind, other, method) for kind in ("rolling", "multistep")]
        if won[0][1]:
            lines.append(f"- {method} MAE below {other}: rolling {won[0][0]}/{won[0][1]}, multi-step {won[1][0]}/{won[1][1]},"
                         f" in all {won[0][0] + won[1][0]}/{won[0][1] + won[1][1]}")
    lines += ["", "Commands (data paths relative to the repository root):", ""]
    lines += [f"- {name}: `{command}`" for name, _, _, _, command in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
