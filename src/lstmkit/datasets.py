"""Small datasets that ship with lstmkit, so examples and tests run anywhere without downloads."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["load_airline", "make_demo_series"]


def load_airline() -> pd.DataFrame:
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12, 144 rows.

    Box, Jenkins & Reinsel, *Time Series Analysis*, Series G (public domain). Columns: ``timestamp``
    (month start, datetime64) and ``passengers``.
    """
    with resources.files("lstmkit").joinpath("data/airline.csv").open() as handle:
        return pd.read_csv(handle, parse_dates=["timestamp"])


def make_demo_series(n: int = 800, *, seed: int = 0) -> pd.DataFrame:
    """The tutorial's sequence: a noisy periodic signal of ``n`` points, columns ``step`` and ``value``.

    value[t] = 10 sin(2 pi t / 50) + 4 sin(2 pi t / 12.5) + 0.01 t + N(0, 0.5^2)
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype="float64")
    value = 10 * np.sin(2 * np.pi * t / 50) + 4 * np.sin(2 * np.pi * t / 12.5) + 0.01 * t + rng.normal(0, 0.5, n)
    return pd.DataFrame({"step": t.astype(int), "value": value})
