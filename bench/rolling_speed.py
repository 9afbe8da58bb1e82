"""Rolling one-step evaluation over a whole test part: lstmkit against Darts' historical_forecasts.

Protocol datasets and network (../shared/benchmarks/PROTOCOL.md: lookback L, LSTM 64 x 2, one-step head); each
model is trained for one epoch only, since speed, not accuracy, is measured here. Timed: the first call after
fit (what the peers' figures in PEERS.md time), then the median of further calls:

- Darts: ``BlockRNNModel(output_chunk_length=1).historical_forecasts(series, start=test_start,
  forecast_horizon=1, stride=1, retrain=False)``, the call the peers' figures use (E1), on a prepared TimeSeries;
- lstmkit: ``Forecaster.evaluate(frame, test_size)`` from the DataFrame: checks, preparation, the rolling
  forecasts of every test point (one batch), metrics, and the naive and seasonal-naive baselines.

Darts runs in its own virtual environment (it is never a dependency of lstmkit), in a process of its own,
right after lstmkit's, threads 2 in both:

    python -m venv peervenv && peervenv/bin/pip install torch==2.13.0 darts==0.48.1 pytorch-lightning==2.6.6
    .venv/bin/python bench/rolling_speed.py --darts-python peervenv/bin/python [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402
from systems import PEERS, _data, protocol_forecaster  # noqa: E402

DATASETS = ["airline", "co2", "taylor"]

DARTS = r"""
import json, statistics, sys, time, warnings
sys.path.insert(0, sys.argv[1])
warnings.filterwarnings("ignore")
import numpy as np, torch
torch.set_num_threads(2)
import common
from darts import TimeSeries
from darts.models import BlockRNNModel
d, repeats = common.load(sys.argv[2]), int(sys.argv[3])
series = TimeSeries.from_times_and_values(d["ts"], common.scale(d, d["y"]).astype(np.float32), freq=d["freq"])
model = BlockRNNModel(input_chunk_length=d["L"], output_chunk_length=1, model="LSTM", hidden_dim=common.HIDDEN,
                      n_rnn_layers=common.LAYERS, dropout=0.0, batch_size=common.BATCH, n_epochs=1,
                      random_state=0, pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                      "enable_model_summary": False, "logger": False, "enable_checkpointing": False})
model.fit(series[: d["train_end"]], verbose=False)
times = []
for _ in range(repeats + 1):
    began = time.perf_counter()
    hf = model.historical_forecasts(series, start=d["test_start"], start_format="position", forecast_horizon=1,
                                    stride=1, retrain=False, last_points_only=True, verbose=False)
    times.append(time.perf_counter() - began)
assert len(hf) == d["n_test"]
print(json.dumps({"first": times[0], "seconds": times[1:], "points": len(hf)}))
"""


def lstmkit_times(name: str, repeats: int) -> dict:
    import pandas as pd
    import torch

    torch.set_num_threads(2)
    d = _data(name)
    frame = pd.DataFrame({"timestamp": d["ts"], "y": d["y"]})
    model = protocol_forecaster(d, max_epochs=1).fit(frame, target="y", time_col="timestamp", test_size=d["n_test"])
    times = []
    for _ in range(repeats + 1):
        began = time.perf_counter()
        result = model.evaluate(frame)
        times.append(time.perf_counter() - began)
    x = torch.randn(d["n_test"], d["L"], 1)  # the same number of windows: the bare network compute
    floor = []
    with torch.inference_mode():
        for _ in range(repeats + 1):
            began = time.perf_counter()
            model.net_(x)
            floor.append(time.perf_counter() - began)
    return {"first": times[0], "seconds": times[1:], "points": len(result.rolling), "forward": floor[1:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--darts-python", required=True, help="python of a virtual environment with darts installed")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", default=",".join(DATASETS))
    args = parser.parse_args()
    med = statistics.median
    lines = [
        "Rolling one-step forecasts of every test point (protocol datasets and network: lookback L, LSTM 64 x 2, "
        "one-step head, CPU, 2 threads), in one run: the first call after fit (as PEERS.md times it), and the "
        f"median of {args.repeats} further calls. *Darts*: `BlockRNNModel.historical_forecasts("
        "forecast_horizon=1, stride=1, retrain=False)` on a prepared TimeSeries (darts 0.48.1, its own venv). "
        "*lstmkit*: `Forecaster.evaluate(frame)` from the DataFrame, which does more: checks, preparation, the "
        "forecasts, metrics and the naive and seasonal-naive baselines. *Bare forward pass*: the network alone on "
        "as many windows (the compute both must do).",
        "",
        f"Reproduce: `.venv/bin/python bench/rolling_speed.py --darts-python PEERVENV/bin/python --repeats {args.repeats}` "
        "(PEERVENV: `python -m venv PEERVENV && PEERVENV/bin/pip install torch==2.13.0 darts==0.48.1 pytorch-lightning==2.6.6`)",
        "",
        "| dataset | test points | Darts first call s | lstmkit first call s | Darts / lstmkit (first) | "
        "Darts later calls s | lstmkit later calls s | Darts / lstmkit (later) | bare forward pass s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in args.only.split(","):
        ours = lstmkit_times(name, args.repeats)
        out = subprocess.run(
            [args.darts_python, "-c", DARTS, str(PEERS), name, str(args.repeats)],
            capture_output=True, text=True,
        )
        if out.returncode:
            raise SystemExit(f"the Darts run failed:\n{out.stderr[-3000:]}")
        darts = json.loads(out.stdout.strip().splitlines()[-1])
        first, warm = darts["first"] / ours["first"], med(darts["seconds"]) / med(ours["seconds"])
        print(f"{name}: first call darts {darts['first']:.4f} s, lstmkit {ours['first']:.4f} s ({first:.1f}x); later "
              f"{med(darts['seconds']):.4f} s vs {med(ours['seconds']):.4f} s ({warm:.1f}x)", flush=True)
        lines.append(
            f"| {name} | {ours['points']} | {darts['first']:.4f} | {ours['first']:.4f} | **{first:.1f}x** | "
            f"{med(darts['seconds']):.4f} | {med(ours['seconds']):.4f} | **{warm:.1f}x** | {med(ours['forward']):.4f} |"
        )
    print("\n".join(lines))
    update_section("Rolling evaluation against Darts", "\n".join(lines))


if __name__ == "__main__":
    main()
