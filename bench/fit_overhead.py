"""Fit time of lstmkit against the floor and the tutorial loop at equal optimizer steps.

Every (system, dataset, repeat) runs in a fresh process; repeats are interleaved with the system order
rotated, as in ../shared/benchmarks/PROTOCOL.md. Ratios are medians of per-repeat ratios (same repeat).

    .venv/bin/python bench/fit_overhead.py [--repeats 3] [--only airline,co2,taylor] [--quick]

``--same-process`` pairs runs more tightly against this machine's drift (the same fit varies by 20-40 % from
one minute to the next): one process per dataset alternates the floor's loop and lstmkit's whole fit (order
swapped every repeat) and also reports the time lstmkit spends outside its epochs.

    .venv/bin/python bench/fit_overhead.py --same-process [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402

HERE = Path(__file__).parent
SYSTEMS = ["floor", "raw", "lstmkit"]


def run(system: str, dataset: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(HERE / "systems.py"), system, dataset], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_process(dataset: str, repeats: int, covariates: bool = False, threads: int = 2) -> list[tuple[float, float, float]]:
    """(floor s, lstmkit fit s, lstmkit s outside its epochs) per repeat, alternating in this process."""
    import torch
    import torch._dynamo  # noqa: F401  (paid once here, not by whichever system runs first)
    from systems import _data, floor, lstmkit

    torch.set_num_threads(threads)
    d = _data(dataset)
    rows = []
    for r in range(repeats):
        if r % 2:
            ours, bare = lstmkit(d, covariates), floor(d, covariates)
        else:
            bare, ours = floor(d, covariates), lstmkit(d, covariates)
        rows.append((bare["fit_s"], ours["fit_s"], ours["outside_s"]))
        print(f"repeat {r} {dataset:8s} floor {bare['fit_s']:7.2f} s  lstmkit {ours['fit_s']:7.2f} s  "
              f"ratio {ours['fit_s'] / bare['fit_s']:.3f}", flush=True)
    return rows


def main_same_process(datasets: list[str], repeats: int, covariates: bool = False, threads: int = 2) -> None:
    med = statistics.median
    lines = [
        *(["With covariates: lstmkit fits with `calendar=('month',)` (two known-future inputs, read over the "
           "lookback and by its decoder over the horizon); the floor's LSTM reads the target and the same two "
           "columns (input width 3).", ""] if covariates else []),
        f"One process per dataset, {threads} thread(s); the floor's bare loop and lstmkit's whole `Forecaster.fit` alternate "
        "(order swapped every repeat), so each ratio pairs two runs minutes apart at most. Same network, windows and "
        "number of Adam steps as the fresh-process table. 'outside epochs': lstmkit's fit time not spent in its "
        "training epochs (checks, preparation, buffer, network set-up).",
        "",
        f"Reproduce: `.venv/bin/python bench/fit_overhead.py --same-process --repeats {repeats} --only {','.join(datasets)}"
        f"{' --covariates' if covariates else ''}{f' --threads {threads}' if threads != 2 else ''}`",
        "",
        "| dataset | floor s | lstmkit s | lstmkit / floor | per-repeat lstmkit / floor | outside epochs s |",
        "|---|---|---|---|---|---|",
    ]
    for dataset in datasets:
        rows = same_process(dataset, repeats, covariates, threads)
        ratios = [fit / floor for floor, fit, _ in rows]
        lines.append(
            f"| {dataset} | {med(r[0] for r in rows):.2f} | {med(r[1] for r in rows):.2f} | **{med(ratios):.3f}** | "
            f"{', '.join(f'{x:.3f}' for x in ratios)} | {med(r[2] for r in rows):.3f} |"
        )
    print("\n".join(lines))
    update_section("Fit overhead with covariates, same process" if covariates else "Fit overhead, same process",
                   "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="airline,co2,taylor")
    parser.add_argument("--quick", action="store_true", help="airline only, 3 repeats")
    parser.add_argument("--same-process", action="store_true", help="alternate floor and lstmkit in one process")
    parser.add_argument("--covariates", action="store_true", help="with --same-process: two calendar inputs each")
    parser.add_argument("--threads", type=int, default=2,
                        help="with --same-process: torch threads (1 on a shared machine: 2 spin-wait when cores are busy)")
    args = parser.parse_args()
    datasets = ["airline"] if args.quick else args.only.split(",")
    if args.same_process:
        return main_same_process(datasets, args.repeats, args.covariates, args.threads)
    runs: dict[tuple[str, str], list[dict]] = {}
    for r in range(args.repeats):
        order = SYSTEMS[r % 3 :] + SYSTEMS[: r % 3]
        for dataset in datasets:
            for system in order:
                rec = run(system, dataset)
                runs.setdefault((dataset, system), []).append(rec)
                print(f"repeat {r} {dataset:8s} {system:8s} {rec['fit_s']:7.2f} s  {rec['steps']} steps", flush=True)
    lines = [
        "Fresh process per run, interleaved repeats (system order rotated), 2 threads. Same network "
        "(LSTM 64 x 2 + linear head), same windows, same number of Adam steps (batch 32, protocol epochs). "
        "lstmkit's time is the whole `Forecaster.fit` from a DataFrame: checks, preparation, windows, training "
        "with per-window normalisation and gradient clipping; the floor times only its bare loop over "
        "pre-built batches; raw includes its windowing.",
        "",
        f"Reproduce: `.venv/bin/python bench/fit_overhead.py --repeats {args.repeats} --only {','.join(datasets)}`",
        "",
        "| dataset | steps | floor s | raw s | lstmkit s | lstmkit / floor | lstmkit / raw | per-repeat lstmkit / floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset in datasets:
        fl, rw, lk = (runs[(dataset, s)] for s in SYSTEMS)
        ratios = [k["fit_s"] / f["fit_s"] for k, f in zip(lk, fl)]
        raw_ratios = [k["fit_s"] / w["fit_s"] for k, w in zip(lk, rw)]
        med = statistics.median
        lines.append(
            f"| {dataset} | {lk[0]['steps']} | {med(r['fit_s'] for r in fl):.2f} | {med(r['fit_s'] for r in rw):.2f} "
            f"| {med(r['fit_s'] for r in lk):.2f} | **{med(ratios):.3f}** | {med(raw_ratios):.3f} "
            f"| {', '.join(f'{x:.3f}' for x in ratios)} |"
        )
    print("\n".join(lines))
    update_section("Fit overhead", "\n".join(lines))


if __name__ == "__main__":
    main()
