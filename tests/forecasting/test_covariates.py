"""What users know about the future: known-future and static covariates, calendar features, future rows,
series never seen in training, fine-tuning (issue 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lstmkit
from lstmkit import ConfigError, DataError, Forecaster
from lstmkit.cli import app
from lstmkit.datasets import make_retail_panel

runner = CliRunner()
FIT = dict(target="sales", time_col="date", id_col="store", test_size=28)


@pytest.fixture(scope="module")
def retail() -> pd.DataFrame:
    return make_retail_panel(n_series=4, days=300, seed=1)


@pytest.fixture(scope="module")
def promo_model(retail):
    model = Forecaster(hidden_size=16, max_epochs=4, verbose=0, device="cpu", lookback=28, horizon=7)
    return model.fit(retail, **FIT, future_features="promo,holiday", static="size,channel")


def with_future_rows(frame: pd.DataFrame, days: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history without its last ``days`` days, plus those days as future rows (target empty)."""
    cut = frame["date"].max() - pd.Timedelta(days=days)
    history, future = frame[frame["date"] <= cut], frame[frame["date"] > cut].copy()
    future["sales"] = np.nan
    return history, future


def test_future_rows_at_the_end_start_the_forecast_on_the_right_day(retail, promo_model):
    history, future = with_future_rows(retail)
    appended = pd.concat([history, future]).sort_values(["store", "date"], kind="stable")
    forecast = promo_model.predict(appended)
    first = forecast.groupby("store")["date"].min()
    assert (first == history["date"].max() + pd.Timedelta(days=1)).all()  # not shifted by the empty rows
    given_apart = promo_model.predict(history, future=future[["date", "store", "promo", "holiday"]])
    pd.testing.assert_frame_equal(forecast, given_apart)


def test_a_missing_future_value_is_refused_with_its_time_and_series(retail, promo_model):
    history, future = with_future_rows(retail)
    future.loc[future.index[future["store"] == "S02"][3], "promo"] = np.nan
    appended = pd.concat([history, future]).sort_values(["store", "date"], kind="stable")
    day = history["date"].max() + pd.Timedelta(days=4)
    with pytest.raises(DataError, match=f"future value of 'promo' missing for series 'S02' at {day}"):
        promo_model.predict(appended)
    with pytest.raises(DataError, match="needs the future values of promo, holiday for 7 steps.*has 0 future row"):
        promo_model.predict(history)
    shifted = future.assign(date=future["date"] + pd.Timedelta(days=2))
    with pytest.raises(DataError, match="do not continue its clock"):
        promo_model.predict(history, future=shifted)


def test_known_future_covariates_move_the_steps_they_belong_to(retail, promo_model):
    history, future = with_future_rows(retail)
    calm, busy = future.assign(promo=0), future.assign(promo=0)
    busy.loc[busy["date"] == busy["date"].min() + pd.Timedelta(days=3), "promo"] = 1
    a, b = promo_model.predict(history, future=calm), promo_model.predict(history, future=busy)
    moved = (b["forecast"] - a["forecast"]).abs().to_numpy().reshape(4, 7)
    assert (moved[:, 3] > 0).all() and np.allclose(moved[:, [0, 1, 2, 4, 5, 6]], 0)  # only the promoted day


def test_the_model_file_keeps_the_roles(tmp_path, retail, promo_model):
    promo_model.save(tmp_path / "m")
    again = lstmkit.load(tmp_path / "m")
    history, future = with_future_rows(retail)
    pd.testing.assert_frame_equal(again.predict(history, future=future), promo_model.predict(history, future=future))
    assert again.columns_.future == ("promo", "holiday") and again.columns_.static_categorical == ("channel",)


def test_evaluate_and_backtest_use_the_real_future_covariates(retail, promo_model):
    evaluation = promo_model.evaluate(retail)
    assert evaluation.metrics["multistep"]["lstm"]["n"] == 4 * 28
    result = promo_model.backtest(retail, folds=2)
    assert len(result.folds) == 2


def test_a_static_attribute_must_be_constant(retail):
    changing = retail.assign(size=np.arange(len(retail), dtype=float))
    with pytest.raises(DataError, match="static column 'size' changes within series 'S00'"):
        Forecaster(max_epochs=1, verbose=0).fit(changing, **FIT, static="size")


def test_calendar_features_forecast_past_the_horizon():
    t = pd.date_range("2024-01-01", periods=24 * 7 * 6, freq="h")
    y = np.where(t.day_of_week >= 5, 5.0, 10.0) + np.sin(2 * np.pi * t.hour / 24) + np.random.default_rng(0).normal(0, 0.1, len(t))
    data = pd.DataFrame({"t": t, "y": y})
    model = Forecaster(hidden_size=16, max_epochs=2, verbose=0, device="cpu").fit(data, target="y", time_col="t",
                                                                                 calendar="auto", test_size=48)
    assert model.prep_.config.calendar == ("timeofday", "dayofweek")
    forecast = model.predict(data, steps=24 * 7)  # H = 24: recursive, the calendar known for every step
    assert len(forecast) == 168 and forecast["t"].iloc[0] == t[-1] + pd.Timedelta(hours=1)
    assert np.isfinite(forecast["forecast"]).all()
    with pytest.raises(ConfigError, match="calendar feature='dayofwek' is not one of .*Did you mean 'dayofweek'"):
        Forecaster(max_epochs=1, verbose=0).fit(data, target="y", time_col="t", calendar="dayofwek")


def test_a_series_never_seen_is_forecast_unless_strict(retail, promo_model):
    new = make_retail_panel(n_series=1, days=120, seed=9).assign(store="NEW")
    history, future = with_future_rows(new)
    with pytest.warns(UserWarning, match="1 series were not in the training data.*own history"):
        forecast = promo_model.predict(history, future=future)
    assert len(forecast) == 7 and np.isfinite(forecast["forecast"]).all()
    with pytest.raises(DataError, match="not in the training data.*strict mode refuses them"):
        promo_model.predict(history, future=future, strict=True)


def test_too_short_series_are_skipped_at_predict_and_evaluate(retail, promo_model):
    short = retail[(retail["store"] != "S01") | (retail["date"] >= retail["date"].max() - pd.Timedelta(days=10))]
    with pytest.warns(UserWarning, match="1 of 4 series are too short"):
        evaluation = promo_model.evaluate(short)
    assert set(evaluation.rolling["store"]) == {"S00", "S02", "S03"}


def test_init_from_continues_from_the_weights(retail, promo_model):
    kwargs = dict(hidden_size=16, max_epochs=1, verbose=0, device="cpu", lookback=28, horizon=7)
    fit = dict(**FIT, future_features="promo,holiday", static="size,channel")
    fresh = Forecaster(**kwargs).fit(retail, **fit)
    tuned = Forecaster(**kwargs).fit(retail, **fit, init_from=promo_model)
    assert tuned.history_[0]["train_loss"] < fresh.history_[0]["train_loss"]
    with pytest.raises(ConfigError, match="init_from: the trained model's network has another shape"):
        Forecaster(**kwargs | {"hidden_size": 8}).fit(retail, **fit, init_from=promo_model)


def test_the_cli_takes_the_new_roles(tmp_path, retail):
    history, future = with_future_rows(retail)
    history.to_csv(tmp_path / "h.csv", index=False)
    future[["date", "store", "promo", "holiday"]].to_csv(tmp_path / "f.csv", index=False)
    model = tmp_path / "m"
    result = runner.invoke(app, ["train", str(tmp_path / "h.csv"), "--target", "sales", "--time-col", "date",
                                 "--id-col", "store", "--future-features", "promo,holiday", "--static", "size",
                                 "--calendar", "auto", "--horizon", "7", "--lookback", "28", "--max-epochs", "1",
                                 "--hidden-size", "8", "-q", "--out", str(model)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["predict", str(model), str(tmp_path / "h.csv"), "--future", str(tmp_path / "f.csv"),
                                 "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "p.csv")["date"].iloc[0] == str((history["date"].max() + pd.Timedelta(days=1)).date())
    again = ["train", str(tmp_path / "h.csv"), "--target", "sales", "--time-col", "date", "--id-col", "store",
             "--future-features", "promo,holiday", "--static", "size", "--calendar", "auto", "--horizon", "7",
             "--lookback", "28", "--max-epochs", "1", "--hidden-size", "8", "-q", "--init-from", str(model),
             "--out", str(tmp_path / "m2")]
    assert runner.invoke(app, again).exit_code == 0


def test_auto_normalises_the_trending_features_only():
    """A random walk with drift (a price level) is normalised per window, a seasonal temperature keeps its level;
    the choice reads training rows only."""
    from lstmkit.forecasting.plan import trending_features
    from lstmkit.io import Columns

    rng = np.random.default_rng(0)
    t = np.arange(400)
    frame = pd.DataFrame({"y": rng.normal(size=400), "price": 100 + np.cumsum(0.5 + rng.normal(size=400)),
                          "temp": 15 + 8 * np.sin(2 * np.pi * t / 365) + rng.normal(size=400)})
    columns = Columns(target="y", features=("price", "temp"))
    assert trending_features(frame, columns, test_size=0) == ("price",)
    flat_then_trend = frame.assign(temp=np.r_[rng.normal(size=300), np.linspace(0, 1e4, 100)])
    assert trending_features(flat_then_trend, columns, test_size=100) == ("price",)  # the test part is not read
    model = Forecaster(lookback=12, horizon=3, max_epochs=1, verbose=0).fit(frame, target="y", features=["temp", "price"])
    assert model.columns_.features == ("price", "temp") and model.net_config_.n_normalised == 2
