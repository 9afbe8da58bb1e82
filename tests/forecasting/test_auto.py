"""The data-driven defaults: anchors, the median ensemble, lookback and validation sizes for short series."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import FAST, seasonal_frame, shared_file
from lstmkit import ConfigError, Forecaster
from lstmkit.anchors import Smoothing, anchor_values, usable
from lstmkit.forecasting.auto import choose_anchors, ensemble_size
from lstmkit.forecasting.plan import default_lookback, default_val_sizes
from lstmkit.networks import ForecastEnsemble, ForecastNet, NetConfig

FIT = dict(target="y", time_col="timestamp")
TINY = dict(FAST) | {"max_epochs": 2}


def test_anchors_hand_worked():
    x = torch.tensor([[1.0, 2.0, 3.0, 5.0]])  # L = 4, season 2
    values = anchor_values(x, 3, 2, ("last", "drift", "seasonal", "sdiff", "level"))[0]  # (M, H)
    assert values[0].tolist() == [5, 5, 5]  # last
    assert values[1].tolist() == pytest.approx([5 + 4 / 3, 5 + 8 / 3, 9])  # slope (5 - 1) / 3
    assert values[2].tolist() == [3, 5, 3]  # x[L - 2 + j mod 2]
    assert values[3].tolist() == [5.5, 7.5, 8.0]  # growth per season mean(3 - 1, 5 - 2) = 2.5
    assert values[4].tolist() == pytest.approx([10 / 3] * 3)  # mean of the last max(2, 3) rows


def test_cycle_and_ses_are_exact_on_a_pure_season():
    season = torch.tensor([0.0, 2.0, 1.0, 3.0])
    x = season.repeat(3)[None]  # (1, 12) three whole seasons
    for name in ("cycle", "ses", "seasonal"):
        got = anchor_values(x, 6, 4, (name,))[0, 0]
        expected = season.repeat(2)[:6]
        assert got.tolist() == pytest.approx(expected.tolist(), abs=1e-5), name


def test_holt_is_the_damped_trend_recursion():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(1, 1, 30))
    alpha, beta, phi = 0.7, 0.2, 0.95
    slope, intercept = np.polyfit(np.arange(30), x, 1)
    level, trend = intercept - slope, slope  # the least-squares line, one row before the window
    for value in x:
        new = alpha * value + (1 - alpha) * (level + phi * trend)
        trend, level = beta * (new - level) + (1 - beta) * phi * trend, new
    expected = [level + sum(phi**i for i in range(1, h + 1)) * trend for h in (1, 2, 3)]
    got = anchor_values(torch.tensor(x[None]), 3, 1, ("holt",), Smoothing(holt=(alpha, beta, phi)))[0, 0]
    assert got.tolist() == pytest.approx(expected)
    line = torch.arange(24.0)[None] * 2 + 1  # a straight line: holt continues it exactly, whatever the weights
    assert anchor_values(line, 3, 1, ("holt",), Smoothing(holt=(0.3, 0.05, 1.0)))[0, 0].tolist() == pytest.approx([49, 51, 53])


def test_smoothing_anchors_follow_a_shifted_and_scaled_window():
    x = torch.randn(4, 24, dtype=torch.float64)
    smoothing = Smoothing(ses=0.7, holt=(0.5, 0.2, 0.9))
    for season in (1, 4, 12):
        values = anchor_values(x, 6, season, ("ses", "holt"), smoothing)
        assert torch.allclose(anchor_values(3 * x + 7, 6, season, ("ses", "holt"), smoothing), 3 * values + 7)


def test_smoothing_weights_are_fitted_to_the_training_windows():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(0, 1, 400))  # a random walk: the last value is the best level
    noise = rng.normal(0, 1, 400)  # noise about a constant: a long average is
    starts = np.arange(300)
    assert choose_anchors(walk, starts, lookback=24, horizon=1, season=1, names=("ses",))[1].ses == 0.9
    assert choose_anchors(noise, starts, lookback=24, horizon=1, season=1, names=("ses",))[1].ses == 0.1
    trend = 0.5 * np.arange(400) + rng.normal(0, 0.1, 400)
    anchors, smoothing = choose_anchors(trend, starts, lookback=24, horizon=4, season=1, names=("ses", "holt"))
    assert anchors == ("holt",) * 4 and smoothing.holt[2] == 1.0  # an undamped trend


def test_usable_anchors_follow_the_lookback():
    assert usable(3, 12) == ("last", "drift", "level", "ses", "holt")  # too short for a season
    assert usable(2, 1) == ("last", "drift", "level", "ses")  # holt needs 3 rows
    assert usable(24, 12) == ("last", "drift", "seasonal", "sdiff", "level", "cycle", "ses", "holt")
    with pytest.raises(ValueError, match="needs lookback > season"):
        anchor_values(torch.zeros(2, 4), 2, 12, ("seasonal",))


def test_anchor_choice_reads_training_rows_only(monthly):
    changed = monthly.copy()
    changed.loc[changed.index[-24:], "y"] = np.linspace(0, 500, 24)  # validation and test parts: a ramp
    fixed = TINY | {"lookback": 24}  # (a lookback chosen on validation may change with the validation part)
    first = Forecaster(**fixed).fit(monthly, **FIT, test_size=12)
    second = Forecaster(**fixed).fit(changed, **FIT, test_size=12)
    assert first.net_config_.window_norm == "anchor"
    assert first.net_config_.anchors == second.net_config_.anchors
    assert len(first.net_config_.anchors) == first.horizon_


def test_choose_anchors_picks_the_season():
    y = np.tile([0.0, 3.0, 1.0, 2.0], 10)  # a pure season of 4: at 4 steps ahead last is exact too (ties: last)
    assert choose_anchors(y, np.arange(20), lookback=8, horizon=4, season=4)[0] == ("seasonal",) * 3 + ("last",)


def test_a_named_anchor_needs_room():
    with pytest.raises(ConfigError, match="window_norm='seasonal' needs a season > 1 and lookback >= season; got season=12, lookback=6"):
        Forecaster(**TINY | {"window_norm": "seasonal", "lookback": 6}).fit(seasonal_frame(), **FIT)


def test_ensemble_is_the_median_of_its_members():
    torch.manual_seed(0)
    config = NetConfig(input_size=1, horizon=3, hidden_size=8, members=3)
    ensemble = ForecastEnsemble(config).eval()
    x = torch.randn(5, 10, 1)
    members = torch.stack([m(x) for m in ensemble.members])  # (3, N, H)
    assert torch.equal(ensemble(x), members.median(dim=0).values)
    assert ensemble_size("auto", 100) == 3 and ensemble_size("auto", 10**6) == 1 and ensemble_size(2, 10) == 2
    with pytest.raises(ConfigError, match="ensemble must be 'auto' or a number of networks"):
        ensemble_size(0, 10)


def test_default_ensemble_same_seed_same_model_and_round_trip(tmp_path, monthly):
    params = dict(TINY) | {"ensemble": "auto"}
    first = Forecaster(**params).fit(monthly, **FIT, test_size=12)
    second = Forecaster(**params).fit(monthly, **FIT, test_size=12)
    assert isinstance(first.net_, ForecastEnsemble) and first.net_config_.members == 3
    assert {h["member"] for h in first.history_} == {0, 1, 2}
    np.testing.assert_array_equal(first.predict(monthly)["forecast"], second.predict(monthly)["forecast"])
    first.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert loaded.net_config_ == first.net_config_
    np.testing.assert_array_equal(loaded.predict(monthly)["forecast"], first.predict(monthly)["forecast"])


def test_single_member_is_a_plain_net(monthly):
    model = Forecaster(**TINY).fit(monthly, **FIT)
    assert type(model.net_) is ForecastNet


def test_default_sizes_for_short_series():
    assert default_val_sizes(np.array([120, 24, 9]), 3, 6).tolist() == [12, 6, 0]
    assert default_lookback(np.array([120]), np.array([144]), 12, 12, 24, None) == 24  # airline: 2 seasons
    assert default_lookback(np.array([24]), np.array([36]), 12, 12, 12, None) == 3  # shampoo


def test_shampoo_trains_with_the_defaults():
    data = pd.read_csv(shared_file("forecasting", "shampoo_monthly.csv"))
    model = Forecaster(**TINY).fit(data, target="sales", time_col="timestamp", test_size=12)
    assert model.horizon_ == 12 and model.lookback_ <= 12
    ev = model.evaluate(data)
    assert ev.metrics["rolling"]["lstm"]["n"] == 12


def test_a_short_yearly_panel_trains_the_series_with_room():
    rng = np.random.default_rng(0)
    parts = []
    for i, n in enumerate(np.r_[np.full(4, 15), rng.integers(18, 58, 36)]):  # M1-like: 15 to 58 years
        parts.append(pd.DataFrame({"timestamp": pd.date_range("1950", periods=n, freq="YS"), "id": f"s{i}",
                                   "y": 100 + np.cumsum(rng.normal(1, 3, n))}))
    data = pd.concat(parts, ignore_index=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Forecaster(**TINY | {"horizon": 6}).fit(data, **FIT, id_col="id", test_size=6)
    skipped = [str(w.message) for w in caught if "too short" in str(w.message)]
    assert model.lookback_ <= 15 - 6 - 1  # every series can be evaluated
    assert len(model.prep_.ids_) >= 0.9 * 40, skipped
    ev = model.evaluate(data)
    assert ev.metrics["rolling"]["lstm"]["n"] == 40 * 6


def test_the_cli_takes_ensemble(tmp_path, monthly):
    from typer.testing import CliRunner

    from lstmkit.cli import app

    monthly.to_csv(tmp_path / "m.csv", index=False)
    base = ["train", str(tmp_path / "m.csv"), "--target", "y", "--time-col", "timestamp", "--max-epochs", "1",
            "--hidden-size", "8", "-q"]
    result = CliRunner().invoke(app, [*base, "--ensemble", "2", "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert Forecaster.load(tmp_path / "e").net_config_.members == 2
    result = CliRunner().invoke(app, [*base, "--ensemble", "many", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--ensemble takes 'auto' or a number of networks" in result.output
