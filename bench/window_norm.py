"""Per-window normalisation against global scaling alone, with default settings otherwise.

    .venv/bin/python bench/window_norm.py [--only airline,co2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "forecasting"
SETS = {
    "airline": ("airline.csv", "passengers", 24),
    "co2": ("co2_weekly.csv", "co2", 104),
    "taylor": ("taylor_halfhourly.csv", "demand_mw", 672),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="airline")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    from lstmkit import Forecaster

    lines = [
        "Rolling one-step / multi-step MASE of the LSTM on the MANIFEST test part, default settings except "
        "`window_norm` (global per-series standard scaling is on in every row).",
        "",
        f"Reproduce: `.venv/bin/python bench/window_norm.py --only {args.only}`",
        "",
        "| dataset | window_norm | rolling MASE | multi-step MASE | seasonal naive MASE | epochs | train s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in args.only.split(","):
        file, target, test = SETS[name]
        for norm in ("last", "mean", "none"):
            began = time.perf_counter()
            model = Forecaster(window_norm=norm, verbose=0, device="cpu")
            model.fit(DATA / file, target=target, time_col="timestamp", test_size=test)
            seconds = time.perf_counter() - began
            m = model.evaluate(DATA / file).metrics
            lines.append(
                f"| {name} | {norm} | {m['rolling']['lstm']['mase']:.3f} | {m['multistep']['lstm']['mase']:.3f} "
                f"| {m['rolling']['seasonal_naive']['mase']:.3f} | {len(model.history_)} | {seconds:.1f} |"
            )
            print(lines[-1], flush=True)
    update_section("Per-window normalisation", "\n".join(lines))


if __name__ == "__main__":
    main()
