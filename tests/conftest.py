"""Tiny synthetic data and fast, quiet training settings shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

# Tiny models train faster on one thread, and a busy machine cannot oversubscribe it.
torch.set_num_threads(1)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"

# Where the test models train: the CPU (CI), or a GPU with LSTMKIT_TEST_DEVICE=cuda to check the CUDA path.
DEVICE = os.environ.get("LSTMKIT_TEST_DEVICE", "cpu")

FAST = dict(hidden_size=16, num_layers=1, max_epochs=3, batch_size=32, ensemble=1, verbose=0, device=DEVICE)


@pytest.fixture
def fast() -> dict:
    return dict(FAST)


def seasonal_frame(n: int = 120, season: int = 12, seed: int = 0, start: str = "2000-01-01") -> pd.DataFrame:
    """A monthly series: trend + season + noise, columns timestamp, y, temp, kind."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / season) + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "timestamp": pd.date_range(start, periods=n, freq="MS"),
            "y": y,
            "temp": 20 + 5 * np.cos(2 * np.pi * t / season) + rng.normal(0, 0.5, n),
            "kind": np.where(t % 3 == 0, "a", np.where(t % 3 == 1, "b", "c")),
        }
    )


@pytest.fixture
def monthly() -> pd.DataFrame:
    return seasonal_frame()


@pytest.fixture
def panel() -> pd.DataFrame:
    """Three series of different lengths and levels in long format."""
    parts = []
    for i, n in enumerate((80, 100, 90)):
        part = seasonal_frame(n, seed=i)
        part["y"] = part["y"] * (i + 1)
        part["store"] = f"s{i}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside CI's clone)")
    return path


# ---- sequence classification ---------------------------------------------------------------------------

FAST_CLASSIFY = dict(hidden_size=8, max_epochs=3, batch_size=16, verbose=0, device=DEVICE)


@pytest.fixture
def fast_classify() -> dict:
    return dict(FAST_CLASSIFY)


def sequence_frame(per_class: int = 10, seed: int = 0, lengths: tuple[int, int] = (12, 30)) -> pd.DataFrame:
    """Long format: sequence_id, step, label ('slow'/'fast'/'flat'), channels a, b, categorical mood.

    Class decides the frequency of channel a (slow and fast sines, or noise); b is noise; lengths vary.
    """
    rng = np.random.default_rng(seed)
    parts, sid = [], 0
    for label, freq in (("slow", 0.05), ("fast", 0.25), ("flat", 0.0)):
        for _ in range(per_class):
            n = int(rng.integers(*lengths))
            t = np.arange(n)
            a = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6)) + rng.normal(0, 0.1, n)
            parts.append(
                pd.DataFrame(
                    {
                        "sequence_id": sid,
                        "step": t,
                        "label": label,
                        "a": a * 10 + 100,
                        "b": rng.normal(0, 1, n),
                        "mood": rng.choice(["calm", "busy"], n),
                    }
                )
            )
            sid += 1
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def sequences() -> pd.DataFrame:
    return sequence_frame()
