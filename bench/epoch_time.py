"""Seconds per training epoch of the default SequenceClassifier on GunPoint, and the machine's load.

    python bench/epoch_time.py                      # torch's default thread count
    OMP_NUM_THREADS=1 python bench/epoch_time.py    # one thread

Shows what oversubscription costs: on a machine whose cores other processes keep busy, two OpenMP threads
wait for each other at every time step of the fused LSTM.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

from lstmkit import SequenceClassifier

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "classification" / "GunPoint_TRAIN.csv"


def main() -> None:
    if not DATA.exists():
        sys.exit(f"{DATA} is not here; the benchmark needs ../shared beside the repo.")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    model = SequenceClassifier(max_epochs=5, patience=None, val_fraction=0, verbose=0)
    model.fit(DATA, sequence_col="sequence_id", label_col="label", step_col="step")
    seconds = [round(r["seconds"], 3) for r in model.history_]
    print(f"{torch.get_num_threads()} thread(s), {os.cpu_count()} cores, load average {load}: "
          f"seconds per epoch {seconds}, median {sorted(seconds)[2]}")


if __name__ == "__main__":
    main()
