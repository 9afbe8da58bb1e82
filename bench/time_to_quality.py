"""Time to quality: wall time of lstmkit's training (default settings) until its rolling one-step test MAE
first reaches the best peer LSTM's, against that peer's fit time.

With ``--peer-python`` (a virtual environment holding the peers, never lstmkit's), the peer itself is trained in
this run by the peers' own script (../shared/benchmarks/peers/run_system.py, fresh process) and its fit time and
E1 MAE are read from its record. Without it, the peer's fit time is estimated as the floor's time measured in this
run (bench/systems.py floor, fresh process) times the peer's fit/floor ratio from ../shared/benchmarks/PEERS.md.
Test MAE is computed after every epoch from the weights of that epoch; that evaluation is not counted in the time.

    python -m venv PEERVENV && PEERVENV/bin/pip install torch==2.13.0 darts==0.48.1 neuralforecast==3.3.0
    .venv/bin/python bench/time_to_quality.py [--only airline,co2,taylor] [--peer-python PEERVENV/bin/python] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402
from systems import PEERS, _data  # noqa: E402

HERE = Path(__file__).parent
# best peer by rolling (E1) MAE per dataset, from ../shared/benchmarks/PEERS.md
BEST_PEER = {
    "airline": ("nf_h1", 23.86, 1.23),  # (system, E1 MAE, fit / floor)
    "co2": ("nf_h1", 0.26, 1.20),
    "taylor": ("darts_rnn", 218.94, 0.88),
}


class Stopwatch:
    """A reporter that scores the test part after every epoch and keeps the training time apart."""

    def __init__(self, model, frame, n_test: int, target: float) -> None:
        self.model, self.frame, self.n_test, self.target = model, frame, n_test, target
        self.trace: list[tuple[int, float, float]] = []  # (epoch, train seconds so far, test MAE)
        self.reached: float | None = None

    def start(self, max_epochs: int, first_epoch: int = 0) -> None:
        self.began, self.paused = time.perf_counter(), 0.0

    def update(self, record: dict) -> None:
        elapsed = time.perf_counter() - self.began - self.paused
        pause = time.perf_counter()
        mae = self._test_mae()
        self.trace.append((record["epoch"], elapsed, mae))
        if self.reached is None and mae <= self.target:
            self.reached = elapsed
        self.model.net_.train()
        self.paused += time.perf_counter() - pause

    def close(self, message=None) -> None:
        pass

    def _test_mae(self) -> float:
        from lstmkit import forecast as fc

        model = self.model
        device = next(model.net_.parameters()).device
        panel = model.prep_.transform(self.frame)
        buffer = __import__("torch").from_numpy(panel.values).to(device)
        rows, _, ahead = fc.rolling(model.net_, buffer, panel, model.lookback_, self.n_test)
        pred = model.prep_.inverse_target(ahead[:, 0], np.zeros(len(rows), dtype=np.int64))
        return float(np.mean(np.abs(panel.target[rows] - pred)))


def peer_run(python: str, system: str, name: str) -> tuple[float, float]:
    """(fit seconds, E1 MAE) of one peer system trained now by the peers' own script, in a fresh process."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "peer.json"
        out = subprocess.run(
            [python, str(PEERS / "run_system.py"), system, name, str(record)], capture_output=True, text=True
        )
        if out.returncode or not record.exists():
            raise SystemExit(f"the peer run {system} on {name} failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
        rec = json.loads(record.read_text())
    return rec["fit_s"], rec["E1"]["MAE"]


def lstmkit_run(frame, d: dict, horizon: int | None, target: float) -> dict:
    """Train a default Forecaster, scoring the test part after every epoch (not timed)."""
    from lstmkit import Forecaster
    from lstmkit.io import Columns, read_table

    model = Forecaster(horizon=horizon, verbose=0, device="cpu")
    watch = Stopwatch(model, read_table(frame, Columns(target="y", time_col="timestamp")), d["n_test"], target)
    model.fit(frame, target="y", time_col="timestamp", test_size=d["n_test"], reporter=watch)
    return {
        "horizon": model.horizon_,
        "reached": watch.reached,
        "best": min(t[2] for t in watch.trace),
        "final": watch._test_mae(),  # the restored (best validation) weights
        "train_s": watch.trace[-1][1],
        "epochs": len(watch.trace),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="airline,co2,taylor")
    parser.add_argument(
        "--horizons", default="default,1",
        help="lstmkit horizons to run: 'default' (the season length) and/or numbers; the peers forecast 1 step",
    )
    parser.add_argument("--peer-python", help="python of a virtual environment with darts and neuralforecast")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved repeats; medians are reported")
    args = parser.parse_args()
    import pandas as pd

    lines = [
        "Default `Forecaster()` settings (early stopping on the end of the training part), protocol splits "
        "(test = last 24 / 104 / 336 points), with the default horizon (the season length: one network forecasts "
        "all H steps, and its first step is scored) and with `horizon=1` (the peers' task: nf_h1 and darts_rnn are "
        "one-step models). "
        + (
            "'peer fit s': the peer trained in this run by ../shared/benchmarks/peers/run_system.py (fresh process); "
            "the target is its E1 MAE from that run."
            if args.peer_python
            else "'peer fit s' = floor s (this run) x the peer's fit/floor ratio from PEERS.md (estimate)."
        ),
        "",
        f"Seconds are medians of {args.repeats} interleaved repeat(s) (each repeat in brackets; training is "
        "deterministic, so only the times vary); ratio = median of per-repeat ratios.",
        "",
        f"Reproduce: `.venv/bin/python bench/time_to_quality.py --only {args.only} --horizons {args.horizons} "
        f"--repeats {args.repeats}"
        + (" --peer-python PEERVENV/bin/python`" if args.peer_python else "`"),
        "",
        "| dataset | horizon | best peer (E1 MAE) | floor s (this run) | peer fit s | lstmkit s to reach it | "
        "ratio | lstmkit final MAE | lstmkit total train s | epochs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in args.only.split(","):
        d = _data(name)
        peer, peer_mae, peer_ratio = BEST_PEER[name]
        floor = json.loads(
            subprocess.run(
                [sys.executable, str(HERE / "systems.py"), "floor", name], check=True, capture_output=True, text=True
            ).stdout.splitlines()[-1]
        )
        frame = pd.DataFrame({"timestamp": d["ts"], "y": d["y"]})
        runs: dict[str, list[dict]] = {h: [] for h in args.horizons.split(",")}
        peer_times = []
        for _ in range(args.repeats):  # interleaved: the peer, then lstmkit at each horizon
            if args.peer_python:
                peer_s, peer_mae = peer_run(args.peer_python, peer, name)
            else:
                peer_s = floor["fit_s"] * peer_ratio
            peer_times.append(peer_s)
            for horizon, done in runs.items():
                done.append(lstmkit_run(frame, d, None if horizon == "default" else int(horizon), peer_mae))
        med = statistics.median
        for done in runs.values():
            reached = [r["reached"] for r in done]
            if all(t is not None for t in reached):
                cell = f"{med(reached):.1f} ({', '.join(f'{t:.1f}' for t in reached)})"
                ratio = f"**{med([t / p for t, p in zip(reached, peer_times)]):.3f}**"
            else:
                cell, ratio = f"not reached (best {done[0]['best']:.3g})", "n/a"
            lines.append(
                f"| {name} | {done[0]['horizon']} | {peer} ({peer_mae:.4g}) | {floor['fit_s']:.1f} | "
                f"{med(peer_times):.1f} ({', '.join(f'{t:.1f}' for t in peer_times)}){'' if args.peer_python else ' est.'}"
                f" | {cell} | {ratio} | {done[0]['final']:.4g} | {med(r['train_s'] for r in done):.1f} | "
                f"{done[0]['epochs']} |"
            )
            print(lines[-1], flush=True)
    update_section("Time to quality", "\n".join(lines))


if __name__ == "__main__":
    main()
