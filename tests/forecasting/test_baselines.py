from __future__ import annotations

import numpy as np
import pytest

from lstmkit import ConfigError
from lstmkit.forecasting.baselines import BASELINES, drift, mean, naive, resolve_baselines, seasonal_naive
from lstmkit.forecasting.classical import classical_available


def two_series():
    # series A rows 0..5: 1 2 4 4 6 8 ; series B rows 6..9: 10 20 30 40
    y = np.array([1.0, 2, 4, 4, 6, 8, 10, 20, 30, 40])
    series_start = np.array([0, 0, 0, 0, 0, 0, 6, 6, 6, 6])
    return y, series_start


def test_drift_hand_worked():
    y, start = two_series()
    origin = np.array([5, 5, 8, 6])
    step = np.array([0, 2, 1, 0])
    # A, origin 5: last y[4] = 6, first y[0] = 1, slope (6 - 1) / 4 = 1.25 -> 6 + 1.25 * (j + 1)
    # B, origin 8: last y[7] = 20, first y[6] = 10, slope 10 -> 20 + 10 * 2 = 40
    # B, origin 6: nothing before the origin in B -> NaN (never reads series A)
    np.testing.assert_allclose(drift(y, start, origin, step, 1), [7.25, 9.75, 40.0, np.nan])


def test_mean_hand_worked_skips_missing_values():
    y, start = two_series()
    y[1] = np.nan
    out = mean(y, start, np.array([4, 8, 6]), np.zeros(3, dtype=int), 1)
    # A before row 4: 1, NaN, 4, 4 -> 3 ; B before row 8: 10, 20 -> 15 ; B before row 6: nothing
    np.testing.assert_allclose(out, [3.0, 15.0, np.nan])


def test_every_baseline_reads_only_rows_before_the_origin():
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    start = np.zeros(50, dtype=int)
    origin = np.array([30, 30, 30])
    step = np.array([0, 3, 7])
    changed = y.copy()
    changed[30:] += 100
    for name, baseline in BASELINES.items():
        np.testing.assert_array_equal(baseline(y, start, origin, step, 4), baseline(changed, start, origin, step, 4), name)


def test_naive_and_seasonal_naive_unchanged():
    y, start = two_series()
    assert naive(y, start, np.array([5]), np.array([3]), 2).tolist() == [6.0]
    assert seasonal_naive(y, start, np.array([4]), np.array([0, 1]), 2).tolist() == [4.0, 4.0]  # y[2], y[3]


def test_resolve_baselines():
    assert list(resolve_baselines(None)) == ["naive", "seasonal_naive"]
    assert list(resolve_baselines("all")) == ["naive", "seasonal_naive", "drift", "mean"]
    with pytest.raises(ConfigError, match="unknown baseline 'drfit'.*Did you mean 'drift'"):
        resolve_baselines("naive,drfit")


@pytest.mark.skipif(classical_available(), reason="statsforecast is installed here")
def test_classical_without_the_extra_says_how_to_install():
    y, start = two_series()
    with pytest.raises(ConfigError, match=r"pip install 'lstmkit\[classical\]'"):
        resolve_baselines("ets")["ets"](y, start, np.array([5]), np.array([0]), 1)


def test_classical_ets_is_frozen_and_leak_free():
    pytest.importorskip("statsforecast")
    t = np.arange(120)
    y = 50 + 0.5 * t + 5 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(1).normal(0, 0.5, 120)
    start = np.zeros(120, dtype=int)
    ets = resolve_baselines("ets")["ets"]
    origin = np.arange(100, 120)
    one_step = ets(y, start, origin, np.zeros(20, dtype=int), 12)
    changed = y.copy()
    changed[110:] = 0
    again = ets(changed, start, origin, np.zeros(20, dtype=int), 12)
    np.testing.assert_allclose(one_step[:11], again[:11])  # forecasts of rows up to 110 read nothing from 110 on
    assert np.mean(np.abs(one_step - y[100:])) < np.mean(np.abs(y[99:119] - y[100:]))  # beats naive here


def test_lstm_ets_combination_weights_come_from_the_validation_part(monthly, fast, monkeypatch):
    # Any function with a baseline's signature can stand in for ETS (statsforecast is an extra): here naive.
    from lstmkit import Forecaster
    from lstmkit.forecasting import classical
    from lstmkit.forecasting.plan import default_val_sizes

    monkeypatch.setitem(classical.CLASSICAL, "ets", naive)
    model = Forecaster(horizon=6, **fast).fit(monthly, target="y", time_col="timestamp", test_size=12)
    ev = model.evaluate(monthly, baselines=["ets"])
    assert set(ev.combination) == {"rolling", "multistep"}
    for kind in ("rolling", "multistep"):
        w = ev.combination[kind]
        assert 0 < w < 1
        points = getattr(ev, kind)
        np.testing.assert_allclose(points["lstm+ets"], w * points["lstm"] + (1 - w) * points["ets"], rtol=1e-6)
        assert "lstm+ets" in ev.metrics[kind] and "lstm" in ev.metrics[kind]  # the plain LSTM stays

    # the weights are inverse validation MAEs: the default validation rows just before the test part
    val = int(default_val_sizes(np.array([len(monthly) - 12]), model.fitted().lookback, 6)[0])
    on_val = model.evaluate(monthly.iloc[:-12], test_size=val, baselines=["ets"]).metrics
    for kind in ("rolling", "multistep"):
        e_lstm, e_ets = on_val[kind]["lstm"]["mae"], on_val[kind]["ets"]["mae"]
        assert ev.combination[kind] == pytest.approx(e_ets / (e_lstm + e_ets), rel=1e-6)

    changed = monthly.copy()
    changed.loc[changed.index[-12:], "y"] *= 10  # the test part: never read by the weights
    assert model.evaluate(changed, baselines=["ets"]).combination == pytest.approx(ev.combination)
    assert model.evaluate(monthly, baselines=["naive"]).combination == {}
