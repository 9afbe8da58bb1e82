from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from conftest import FAST, seasonal_frame
from lstmkit import ConfigError, Forecaster
from lstmkit.cli import app
from lstmkit.forecasting.calibration import Calibration
from lstmkit.forecasting.intervals import check_levels
from lstmkit.networks import ForecastNet, NetConfig, PinballLoss

FIT = dict(target="y", time_col="timestamp")


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return seasonal_frame(240)


@pytest.fixture(scope="module")
def model(data) -> Forecaster:
    return Forecaster(**FAST, val_size=48).fit(data, **FIT, test_size=24)


@pytest.fixture(scope="module")
def quantile_model(data) -> Forecaster:
    return Forecaster(**FAST, val_size=48, quantiles=[0.05, 0.1, 0.9, 0.95]).fit(data, **FIT, test_size=24)


def test_levels_parse_and_errors():
    assert check_levels("0.95,0.8") == (0.8, 0.95) and check_levels(0.9) == (0.9,) and check_levels(None) == ()
    with pytest.raises(ConfigError, match=r"strictly between 0 and 1 .* got \[90.0\]"):
        check_levels("90")
    with pytest.raises(ConfigError, match="levels like 0.8,0.95; got 'high'"):
        check_levels("high")


def test_conformal_half_width_hand_worked():
    calibration = Calibration([np.arange(1.0, 11.0)])  # 10 errors: 1 .. 10
    # rank ceil((n + 1) l): 0.8 -> ceil(8.8) = 9th smallest; 0.9 -> ceil(9.9) = 10th
    assert calibration.half_width(0.8).tolist() == [9.0]
    assert calibration.half_width(0.9).tolist() == [10.0]
    with pytest.raises(ConfigError, match="needs at least 19 validation errors per step, but step 1 has 10"):
        calibration.half_width(0.95)  # ceil(11 * 0.95) = 11 > 10


def test_calibration_is_every_validation_error_and_nothing_else(data, model):
    """The stored errors equal a per-origin loop over the validation rows (168..215), step by step."""
    lb, h = model.lookback_, model.horizon_
    scaled = model.prep_.transform(data).values
    loc, scale = model.prep_.loc_[0, 0], model.prep_.scale_[0, 0]
    target = (data["y"].to_numpy() - loc) / scale
    for j in range(h):
        expected = []
        for row in range(168, 216):  # validation part: the 48 rows before the 24 test rows
            origin = row - j
            x = torch.from_numpy(scaled[origin - lb : origin])[None]
            with torch.no_grad():
                forecast = model.net_(x)[0, j].item()
            expected.append(abs(target[row] - forecast))
        np.testing.assert_allclose(model.calibration_.scores[j], np.sort(expected), atol=2e-6)


def test_conformal_bounds_are_the_forecast_plus_minus_the_scaled_half_width(data, model):
    ev = model.evaluate(data, intervals=[0.8, 0.9], interval_method="conformal")
    half = model.calibration_.half_width(0.9)[0] * model.prep_.scale_[0, 0]
    np.testing.assert_allclose(ev.rolling["upper_0.9"] - ev.rolling["lstm"], half)
    np.testing.assert_allclose(ev.rolling["lstm"] - ev.rolling["lower_0.9"], half)
    assert (ev.rolling["upper_0.9"] >= ev.rolling["upper_0.8"]).all()
    inside = (ev.rolling["actual"] >= ev.rolling["lower_0.9"]) & (ev.rolling["actual"] <= ev.rolling["upper_0.9"])
    assert ev.metrics["rolling"]["lstm"]["intervals"]["0.9"]["coverage"] == pytest.approx(inside.mean())
    assert list(ev.interval_table().index) == [("rolling", "0.8"), ("rolling", "0.9"), ("multistep", "0.8"), ("multistep", "0.9")]


def test_conformal_coverage_on_noise():
    """i.i.d. noise around a sine: 90 % intervals cover about 90 % of 300 rolling test points."""
    rng = np.random.default_rng(5)
    t = np.arange(1100)
    y = np.sin(2 * np.pi * t / 20) + rng.normal(0, 0.5, len(t))
    model = Forecaster(**FAST | {"max_epochs": 4}, lookback=40, horizon=5, val_size=300).fit(y, test_size=300)
    for method in ("conformal", "adaptive"):
        cover = model.evaluate(y, intervals=0.9, interval_method=method).metrics["rolling"]["lstm"]["intervals"]["0.9"]
        assert 0.84 <= cover["coverage"] <= 0.96, method  # Binomial(300, 0.9): 0.867-0.933, + the calibration's noise


def test_predict_intervals_and_their_limits(data, model, tmp_path):
    out = model.predict(data, intervals="0.8,0.95")
    assert list(out.columns) == ["timestamp", "forecast", "lower_0.8", "upper_0.8", "lower_0.95", "upper_0.95"]
    assert (out["lower_0.95"] < out["lower_0.8"]).all() and (out["upper_0.8"] < out["upper_0.95"]).all()
    with pytest.raises(ConfigError, match="calibrated for the 12 steps .* 13 steps were asked for"):
        model.predict(data, steps=13, intervals=0.9)
    with pytest.raises(ConfigError, match="needs at least 99 validation errors per step, but step 1 has 48"):
        model.predict(data, intervals=0.99)
    model.save(tmp_path / "m")
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "m").predict(data, intervals="0.8,0.95"), out)


def test_quantile_head_never_crosses():
    torch.manual_seed(0)
    net = ForecastNet(NetConfig(input_size=1, horizon=4, hidden_size=8, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)))
    with torch.no_grad():
        net.head.weight.mul_(50)  # wild raw outputs
        q = net.quantiles(torch.randn(64, 10, 1) * 5)  # (N, H, Q)
    assert q.shape == (64, 4, 5)
    assert (q.diff(dim=-1) >= 0).all()
    torch.testing.assert_close(net(torch.ones(2, 10, 1)), net.quantiles(torch.ones(2, 10, 1))[..., 2])


def test_pinball_loss_hand_worked():
    loss = PinballLoss((0.1, 0.9))
    y_hat = torch.tensor([[[0.0, 2.0]]])  # (N=1, H=1, Q=2)
    y = torch.tensor([[1.0]])
    # u = y - q: 1 and -1 -> max(0.1 * 1, -0.9 * 1) = 0.1 ; max(0.9 * -1, -0.1 * -1) = 0.1 -> mean 0.1
    assert loss(y_hat, y).item() == pytest.approx(0.1)


def test_quantile_intervals(data, quantile_model):
    ev = quantile_model.evaluate(data, intervals=[0.8, 0.9], interval_method="quantile")
    r = ev.rolling
    assert (r["lower_0.9"] <= r["lower_0.8"]).all() and (r["lower_0.8"] <= r["lstm"]).all()
    assert (r["lstm"] <= r["upper_0.8"]).all() and (r["upper_0.8"] <= r["upper_0.9"]).all()
    assert set(ev.metrics["multistep"]["lstm"]["intervals"]) == {"0.8", "0.9"}
    with pytest.raises(ConfigError, match="needs the 0.025 quantile, but the model was trained for quantiles "
                       r"0.05, 0.1, 0.5, 0.9, 0.95 \(levels 0.9, 0.8\)"):
        quantile_model.predict(data, intervals=0.95, interval_method="quantile")
    # the same network also has conformal intervals (of its median)
    assert np.isfinite(quantile_model.predict(data, intervals=0.9)["upper_0.9"]).all()


def test_point_model_has_no_quantile_intervals(data, model):
    with pytest.raises(ConfigError, match="point head, no quantiles. Use --interval-method conformal"):
        model.evaluate(data, intervals=0.9, interval_method="quantile")


def test_cli_evaluate_json_adds_intervals_only_when_asked(tmp_path, data, model):
    model.save(tmp_path / "m")
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    runner = CliRunner()
    plain = json.loads(runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(path), "--json"]).stdout)
    assert set(plain["rolling"]) == {"lstm", "naive", "seasonal_naive"}  # the contract of issue 2, unchanged
    assert set(plain["rolling"]["lstm"]) == {"mae", "rmse", "mape", "smape", "mase", "n"}
    result = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(path), "--intervals", "0.9", "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    for kind in ("rolling", "multistep"):
        block = metrics[kind]["lstm"]["intervals"]
        assert set(block) == {"0.9"} and {"coverage", "width", "interval_score"} <= set(block["0.9"])
        assert {k: v for k, v in metrics[kind]["lstm"].items() if k != "intervals"} == plain[kind]["lstm"]
    result = runner.invoke(app, ["predict", str(tmp_path / "m"), str(path), "--intervals", "0.8", "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0 and list(pd.read_csv(tmp_path / "p.csv").columns)[-2:] == ["lower_0.8", "upper_0.8"]
    result = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(path), "--intervals", "0.99"])
    assert result.exit_code == 2 and "needs at least 99 validation errors" in result.output


def test_aci_hand_worked():
    from lstmkit.forecasting.intervals import aci_half_widths

    scores = np.arange(1.0, 10.0)  # n = 9 calibration errors: 1 .. 9
    # a0 = 0.2: rank ceil(10 * 0.8) = 8 -> 8; error 10 misses: a = 0.2 + 0.1 * (0.2 - 1) = 0.12
    # rank ceil(10 * 0.88) = 9 -> 9; error 0 hits: a = 0.12 + 0.1 * 0.2 = 0.14 -> rank ceil(8.6) = 9 -> 9
    # NaN: no outcome, no update -> 9 ; error 0: a = 0.16 -> rank ceil(8.4) = 9 ; then a = 0.18 -> rank ceil(8.2) = 9
    out = aci_half_widths(scores, 0.8, np.array([10.0, 0.0, np.nan, 0.0, 0.0, 0.0]), gamma=0.1)
    assert out.tolist() == [8.0, 9.0, 9.0, 9.0, 9.0, 9.0]
    # a run of hits narrows it: a grows by 0.02 per hit until rank ceil(10 (1 - a)) drops to 7
    hits = aci_half_widths(scores, 0.8, np.zeros(8), gamma=0.1)
    assert hits.tolist() == [8.0, 8.0, 8.0, 8.0, 8.0, 7.0, 7.0, 7.0]  # a = 0.2, .22, ..., 0.30 -> ceil(7.0) = 7


def test_adaptive_intervals_in_evaluate_not_in_predict(data, model):
    ev = model.evaluate(data, intervals=0.8, interval_method="adaptive")
    split = model.evaluate(data, intervals=0.8)
    half = (ev.rolling["upper_0.8"] - ev.rolling["lstm"]).to_numpy()
    assert half[0] == pytest.approx((split.rolling["upper_0.8"] - split.rolling["lstm"]).iloc[0])  # starts as split
    np.testing.assert_allclose(ev.rolling["lstm"] - ev.rolling["lower_0.8"], half)
    with pytest.raises(ConfigError, match="adaptive intervals adapt to outcomes as they are revealed"):
        model.predict(data, intervals=0.8, interval_method="adaptive")
