"""torchrun with 2 CPU processes (gloo): train, only rank 0 writes, the model loads and predicts.

With LSTMKIT_TEST_DEVICE=cuda on a one-GPU machine both ranks share the GPU (gloo, as NCCL needs a GPU per rank)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from conftest import DEVICE
from lstmkit import Forecaster


def test_torchrun_two_processes(tmp_path, monthly):
    data = tmp_path / "data.csv"
    monthly.to_csv(data, index=False)
    model = tmp_path / "model"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
        "-m", "lstmkit", "train", str(data), "--target", "y", "--time-col", "timestamp", "--test-size", "12",
        "--hidden-size", "16", "--num-layers", "1", "--max-epochs", "3", "--ensemble", "1", "--device", DEVICE,
        "--out", str(model),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = Forecaster.load(model)
    assert len(loaded.history_) == 3
    assert np.isfinite(loaded.predict(data)["forecast"]).all()
    assert not list(tmp_path.glob(".model*"))  # no checkpoint or temporary folder left by any rank
