"""``lstmkit tune`` on airline, as a user runs it: 8 trials of examples/airline-tune.toml, timed, with the default's
and the best trial's validation scores (folds inside the training part) and both models' scores on the test part.

    .venv/bin/python bench/tune_airline.py [--trials 8]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402

HERE = Path(__file__).resolve().parent
CONFIG = HERE.parent / "examples" / "airline-tune.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args()
    import lstmkit

    work = Path(tempfile.mkdtemp())
    data = work / "airline.csv"
    lstmkit.load_airline().to_csv(data, index=False)
    lstmkit_cli = Path(sys.executable).with_name("lstmkit")
    began = time.perf_counter()
    done = subprocess.run([str(lstmkit_cli), "tune", str(CONFIG), str(data), "--trials", str(args.trials),
                          "--out", str(work / "tuned"), "--json"], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - began
    report = json.loads(done.stdout)
    tuned = lstmkit.load(work / "tuned")
    from lstmkit.config import load_run_config

    run_config = load_run_config(CONFIG)  # the default model: the [forecaster] table alone
    default = lstmkit.Forecaster(**run_config.params, verbose=0).fit(data, **run_config.data)
    test = {name: m.evaluate(data).metrics["multistep"]["lstm"]["mase"] for name, m in
            (("default", default), ("tuned", tuned))}
    states = {}
    for t in report["trials"]:
        states[t["state"]] = states.get(t["state"], 0) + 1
    verdict = "beat the default" if report["beat_default"] else "did not beat the default (the default was kept)"
    lines = [
        f"`lstmkit tune` with {args.trials} trials on airline (examples/airline-tune.toml: lookback, hidden_size, lr, "
        f"window_norm; {report['folds']} folds of {report['fold_size']} months inside the 120-month training part); "
        "CPU, one torch thread (tune's default), one run on a shared 2-core machine (load average about 6).",
        "",
        f"Reproduce: `.venv/bin/python bench/tune_airline.py --trials {args.trials}`",
        "",
        f"- wall time of the command: {seconds:.0f} s ({', '.join(f'{n} {s.lower()}' for s, n in states.items())})",
        f"- validation multistep MASE (mean over the folds): default {report['default_score']:.3f}, best trial "
        f"{report['best_score']:.3f}: the search {verdict}; best parameters "
        f"{ {k: round(v, 5) if isinstance(v, float) else v for k, v in report['best_params'].items()} }",
        f"- test part (last 24 months, never seen by the search), multistep MASE: default {test['default']:.3f}, "
        f"saved model {test['tuned']:.3f}"
        + (": the better validation score did not carry over to the test part (three folds of 12 months are a "
           "small validation set)" if report["beat_default"] and test["tuned"] > test["default"] else ""),
    ]
    print("\n".join(lines))
    update_section("Tuning (airline)", "\n".join(lines))


if __name__ == "__main__":
    main()
