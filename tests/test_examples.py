"""The examples/ scripts run as a user runs them (a new process), with few epochs to stay fast."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

EXPECTED = {
    "keras_example1_regression.py": [
        r"X shape \(3, 3, 1\) = \(samples, timesteps, features\)",
        r"\[10, 12, 15\] -> +-?\d+\.\d\d   \(target 17\)",
        r"new sequence \[40, 42, 45\] -> ",
    ],
    "keras_example2_minmax.py": [
        r"min-max learned per feature: min \[10\.0, 100\.0\], max \[35\.0, 350\.0\] "
        r"\(MinMaxScaler on the flattened array: min \[10, 100\], max \[35, 350\]\)",
        r"\[\[30, 300\], \[32, 320\], \[35, 350\]\] -> ",
    ],
    "keras_example3_classification.py": [
        r"classes \[0, 1\]; trained 10 epochs",
        r"\[\[1, 0\], \[1, 0\], \[1, 0\]\] -> class [01], probabilities \[0\.\d+, 0\.\d+\]",
    ],
    "tutorial.py": [
        r"670 train windows \(targets before 720\), 80 test windows",
        r"Epoch \[10/10\], Loss: \d+\.\d{4}\n",
        r"test part \(80 points\): LSTM MAE \d+\.\d{3}, RMSE \d+\.\d{3}; naive last-value MAE 1\.520",
    ],
}


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs_and_reports_what_it_learned(script):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--epochs", "10"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for pattern in EXPECTED[script]:
        assert re.search(pattern, result.stdout), f"{pattern!r} not in:\n{result.stdout}"


def test_every_example_is_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)
