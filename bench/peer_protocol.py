"""lstmkit's default forecaster under the shared peer protocol (../shared/benchmarks/PROTOCOL.md), beside the
peers' LSTM figures in ../shared/benchmarks/PEERS.md (NeuralForecast, Darts, the tutorial loop) and AutoETS.

    OMP_NUM_THREADS=1 .venv/bin/python bench/peer_protocol.py [--only airline,co2,taylor] [--json FILE]

Same data and split as the peers (their own ``common.load``: co2's gaps interpolated, test = last n_test points,
validation = the n_test before). lstmkit trains with its defaults (horizon = the protocol's H) on the protocol's
training part, so its network fits the same windows as the peers'; the protocol's validation part, which the
peers leave unused (fixed epochs), is lstmkit's validation (early stopping, calibration): ``val_size=n_test``.
E1 (rolling one-step) and E2 (H-step forecasts from origins stepping by H) are scored by the peers' own
``eval_e1`` / ``eval_e2`` on lstmkit's forecasts. With the ``classical`` extra, ``lstm+ets`` (the LSTM and
AutoETS weighted by their validation errors) is shown as a row of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402
from systems import PEERS  # noqa: E402  (refuses to run without ../shared/benchmarks)

PEER_TABLE = PEERS.parent / "PEERS.md"
SHOWN = ("nf_h1", "nf_hH", "darts_rnn", "darts_block", "raw", "AutoETS", "naive", "snaive")


def peer_figures(name: str) -> dict[str, tuple[float, float | None]]:
    """{system: (E1 MAE, E2 MAE or None)} read from the dataset's accuracy table in PEERS.md."""
    text = PEER_TABLE.read_text()
    block = re.search(rf"^### {name}: accuracy.*?\n\n(.*?)\n\n", text, re.S | re.M)
    if block is None:
        raise SystemExit(f"{PEER_TABLE} has no '### {name}: accuracy' table")
    out = {}
    for line in block.group(1).splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        system = cells[0].split(" [")[0].split(" (")[0]  # "AutoETS (ETS(M,N,M))" -> AutoETS
        out[system] = (float(cells[1]), None if cells[4] == "n/a" else float(cells[4]))
    return out


def run(name: str) -> dict:
    import common

    from lstmkit import Forecaster
    from lstmkit.forecasting.classical import classical_available

    d = common.load(name)
    frame = pd.DataFrame({"timestamp": d["ts"], d["target"]: d["y"]})
    model = Forecaster(horizon=d["H"], val_size=d["n_test"], verbose=0)
    started = time.perf_counter()
    model.fit(frame, target=d["target"], time_col="timestamp", test_size=d["n_test"])
    fit_s = time.perf_counter() - started
    baselines = ["naive", "seasonal_naive", *(["ets"] if classical_available() else [])]
    ev = model.evaluate(frame, baselines=baselines)
    out = {"dataset": name, "fit_s": round(fit_s, 1), "epochs": len(model.history_),
           "members": model.net_config_.members, "lookback": model.fitted().lookback}
    for method in ("lstm", "lstm+ets"):
        if method not in ev.rolling:
            continue
        e1 = common.eval_e1(d, ev.rolling[method].to_numpy())
        grid = ev.multistep.pivot(index="origin", columns="ahead", values=method).to_numpy()
        e2 = common.eval_e2(d, grid)
        out[method] = (e1["MAE"], e2["MAE"])
        # the same points as lstmkit's own scores: a check that both read the protocol's E1 / E2 alike
        assert np.isclose(e1["MAE"], ev.metrics["rolling"][method]["mae"], rtol=1e-6), (e1, ev.metrics["rolling"])
        assert np.isclose(e2["MAE"], ev.metrics["multistep"][method]["mae"], rtol=1e-6), (e2, ev.metrics["multistep"])
    out["load"] = round(os.getloadavg()[0], 1)  # at the end of this dataset's run
    if "ets" in ev.metrics["rolling"]:
        out["ets_here"] = (ev.metrics["rolling"]["ets"]["mae"], ev.metrics["multistep"]["ets"]["mae"])
        out["weights"] = ev.combination
    return out


def render(rows: list[dict]) -> str:
    loads = ", ".join(f"{r['dataset']} {r['load']}" for r in rows if "load" in r) or "not recorded"
    lines = [
        "lstmkit's default `Forecaster(horizon=H)` under the shared peer protocol (../shared/benchmarks/PROTOCOL.md:"
        " the peers' data loader and split, test = last n_test points), beside the figures in "
        "../shared/benchmarks/PEERS.md. lstmkit's network trains on the protocol's training part; the "
        "protocol's validation part (unused by the peers, who train a fixed number of epochs) is lstmkit's "
        "validation (`val_size=n_test`). E1: rolling one-step MAE; E2: H-step forecasts from origins stepping "
        "by H, MAE; both computed by the peers' `eval_e1` / `eval_e2` on lstmkit's forecasts (and checked "
        "equal to `evaluate`'s). nf_h1 is NeuralForecast's one-step LSTM, nf_hH its H-step one (E1 = its "
        "first step); darts_rnn / darts_block Darts' RNNModel / BlockRNNModel; raw the tutorial loop. "
        "`lstm+ets`: the LSTM and AutoETS weighted by their validation MAEs, a row of its own.",
        "",
        "Reproduce: `OMP_NUM_THREADS=1 .venv/bin/python bench/peer_protocol.py` (1-minute load average at the end "
        f"of each run: {loads})",
        "",
        "Each cell: E1 MAE / E2 MAE (n/a: the peer has no multi-step forecast).",
        "",
        "| dataset | lstmkit | lstm+ets | " + " | ".join(SHOWN) + " | lstmkit fit s | epochs | networks |",
        "|---" * (3 + len(SHOWN) + 3) + "|",
    ]
    cell = lambda v: "n/a" if v is None else f"{v:.4g}"  # noqa: E731
    figures = {r["dataset"]: peer_figures(r["dataset"]) for r in rows}  # PEERS.md read once per dataset
    for r in rows:
        peers = figures[r["dataset"]]
        cells = [" / ".join(map(cell, r[m])) if m in r else "-" for m in ("lstm", "lstm+ets")]
        cells += [" / ".join(map(cell, peers[s])) if s in peers else "-" for s in SHOWN]
        lines.append(f"| {r['dataset']} | {' | '.join(cells)} | {r['fit_s']:.0f} | {r['epochs']} | {r['members']} |")
    lines.append("")
    for method in ("lstm", "lstm+ets"):
        for peer in ("nf_h1", "nf_hH", "darts_rnn", "darts_block", "AutoETS"):
            won = total = 0
            for r in rows:
                mine, theirs = r.get(method), figures[r["dataset"]].get(peer)
                if mine is None or theirs is None:
                    continue
                for a, b in zip(mine, theirs):
                    if b is not None:
                        won, total = won + (a < b), total + 1
            if total:
                lines.append(f"- {method} MAE below {peer}: {won} of {total} (dataset x E1/E2)")
    weights = [f"{r['dataset']} {r['weights']['rolling']:.2f} / {r['weights']['multistep']:.2f}"
               for r in rows if r.get("weights")]
    if weights:
        lines.append(f"- the LSTM's weight in lstm+ets (E1 / E2), from the validation part: {', '.join(weights)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="airline,co2,taylor")
    parser.add_argument("--json", default=None, help="keep the rows in this JSON file (a run can be split)")
    parser.add_argument("--section", default="Peer protocol: default forecaster")
    parser.add_argument("--render", action="store_true", help="only rewrite the section from the --json rows")
    args = parser.parse_args()
    rows = json.loads(Path(args.json).read_text()) if args.json and Path(args.json).exists() else []
    order = ["airline", "co2", "taylor"]
    if args.render:
        update_section(args.section, render(rows))
        return
    for name in args.only.split(","):
        row = run(name)
        print(json.dumps(row), flush=True)
        rows = sorted([r for r in rows if r["dataset"] != name] + [row], key=lambda r: order.index(r["dataset"]))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
        update_section(args.section, render(rows))


if __name__ == "__main__":
    main()
