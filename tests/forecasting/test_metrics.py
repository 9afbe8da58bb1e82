from __future__ import annotations

import numpy as np
import pytest

from lstmkit.forecasting.metrics import interval_scores, score


def test_interval_scores_hand_worked():
    y = np.array([1.0, 5.0, 10.0, 3.0])
    lower = np.array([0.0, 0.0, 0.0, 4.0])
    upper = np.array([2.0, 4.0, 12.0, 6.0])
    out = interval_scores(y, lower, upper, 0.8, np.full(4, 2.0))
    # inside, 1 above, inside, 1 below -> coverage 0.5; widths 2 4 12 2 -> 5
    # Winkler, 2 / a = 10: 2, 4 + 10 * 1, 12, 2 + 10 * 1 -> 40 / 4 = 10
    assert out["coverage"] == 0.5 and out["width"] == 5.0
    assert out["interval_score"] == pytest.approx(10.0) and out["msis"] == pytest.approx(5.0)
    # pinball of the 0.1 and 0.9 quantiles, averaged: a / 4 * Winkler
    pin = [np.maximum(q * (y - b), (q - 1) * (y - b)) for q, b in ((0.1, lower), (0.9, upper))]
    assert out["pinball"] == pytest.approx(np.mean((pin[0] + pin[1]) / 2))


def test_score_scores_intervals_on_the_points_every_method_has():
    y = np.array([1.0, 2.0, 3.0])
    forecasts = {"lstm": np.array([1.0, 2.0, 3.0]), "naive": np.array([np.nan, 1.0, 2.0])}
    bands = {"lstm": {"0.9": (np.array([0.0, 2.5, 0.0]), np.array([9.0, 9.0, 9.0]))}}
    out = score(y, forecasts, np.ones(3), bands)
    assert out["lstm"]["n"] == 2 and out["lstm"]["intervals"]["0.9"]["n"] == 2
    assert out["lstm"]["intervals"]["0.9"]["coverage"] == 0.5  # row 0 dropped: 2.5 > 2 misses, 3 inside
    assert "intervals" not in out["naive"]
