from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from conftest import FAST, seasonal_frame
from lstmkit import ConfigError, DataError, Forecaster, backtest
from lstmkit.cli import app
from lstmkit.forecasting.metrics import score

FIT = dict(target="y", time_col="timestamp")
CONFIG = {"data": {"target": "y", "time_col": "timestamp"}, "forecaster": FAST | {"max_epochs": 2}}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return seasonal_frame(240)


@pytest.fixture(scope="module")
def model(data) -> Forecaster:
    return Forecaster(**FAST).fit(data, **FIT, test_size=36)  # training data ends at row 203


def test_batched_backtest_equals_a_per_origin_loop(data, model):
    """Every forecast of every fold, and every baseline, recomputed one origin at a time."""
    result = backtest(model, data, folds=3)  # 3 folds of 36 // 3 = 12 rows: 204-215, 216-227, 228-239
    assert result.fold_size == 12 and [f["in_sample"] for f in result.folds] == [False, False, False]
    values = model.prep_.transform(data).values
    y = data["y"].to_numpy()
    lb = model.lookback_

    def one(origin: int) -> np.ndarray:
        with torch.no_grad():
            scaled = model.net_(torch.from_numpy(values[origin - lb : origin])[None])[0].numpy()
        return model.prep_.inverse_target(scaled, np.zeros(1, dtype=int))  # (H,)

    rows = np.arange(204, 240)
    rolling = result.rolling
    assert rolling["fold"].tolist() == [1] * 12 + [2] * 12 + [3] * 12
    assert rolling["timestamp"].tolist() == data["timestamp"].iloc[rows].tolist()
    np.testing.assert_allclose(rolling["lstm"], [one(r)[0] for r in rows], rtol=1e-5)
    np.testing.assert_allclose(rolling["naive"], y[rows - 1])
    np.testing.assert_allclose(rolling["seasonal_naive"], y[rows - 12])
    np.testing.assert_allclose(rolling["drift"], y[rows - 1] + (y[rows - 1] - y[0]) / (rows - 1))
    np.testing.assert_allclose(rolling["mean"], [y[:r].mean() for r in rows])
    # multi-step: one origin per fold (fold size = H = 12), all 12 steps from it
    multi = result.multistep
    for k, origin in enumerate((204, 216, 228), start=1):
        part = multi[multi["fold"] == k]
        np.testing.assert_allclose(part["lstm"], one(origin), rtol=1e-5)
        np.testing.assert_allclose(part["naive"], np.full(12, y[origin - 1]))
    # per-fold metrics are those of the fold's points; the aggregate is that of all points
    scale = model.mase_scale_[0]
    for fold, part in rolling.groupby("fold"):
        mase = np.mean(np.abs(part["actual"] - part["lstm"])) / scale
        assert result.folds[fold - 1]["metrics"]["rolling"]["lstm"]["mase"] == pytest.approx(mase)
    pooled = score(rolling["actual"].to_numpy(), {"lstm": rolling["lstm"].to_numpy()}, np.full(36, scale))
    for metric in ("mae", "rmse", "mase", "smape"):
        assert result.metrics["rolling"]["lstm"][metric] == pytest.approx(pooled["lstm"][metric])


def test_folds_inside_the_training_data_are_refused_or_flagged(data, model):
    with pytest.raises(DataError, match=r"fold 1 of 3 \(2014-01-01 00:00:00 to 2015-12-01 00:00:00\) reaches into "
                       "the model's training data .* --allow-in-sample"):
        backtest(model, data, folds=3, fold_size=24)  # folds start at rows 168, 192, 216; training ends at 203
    flagged = backtest(model, data, folds=3, fold_size=24, allow_in_sample=True)
    assert [f["in_sample"] for f in flagged.folds] == [True, True, False]


def test_refit_fold_preparation_never_sees_the_fold_test_rows(data):
    """Folds test rows 204-215, 216-227, 228-239. Changing rows 216 on changes nothing in folds 1 and 2
    (preparation, MASE scale, calibration, weights), and changes fold 3, which trains on them."""
    changed = data.copy()
    changed.loc[216:, "y"] = changed.loc[216:, "y"] * 3 + 500
    changed.loc[216:, "temp"] = -40.0
    config = CONFIG | {"data": CONFIG["data"] | {"features": ["temp"]}}
    a = backtest(config, data, folds=3, fold_size=12, refit=True)
    b = backtest(config, changed, folds=3, fold_size=12, refit=True)

    def state(m: Forecaster) -> dict:
        return {"prep": m.prep_.to_dict(), "mase": m.mase_scale_.tolist(), "cal": m.calibration_.to_dict()}

    for fold in (0, 1):
        assert state(a.models[fold]) == state(b.models[fold])
        for pa, pb in zip(a.models[fold].net_.parameters(), b.models[fold].net_.parameters()):
            torch.testing.assert_close(pa, pb, rtol=0, atol=0)
    assert state(a.models[2])["prep"] != state(b.models[2])["prep"]
    assert a.folds[0]["metrics"] == b.folds[0]["metrics"]
    assert a.models[0].prep_.loc_[0, 0] == pytest.approx(data["y"].iloc[:204].mean())  # its history only


def test_config_file_and_cli(tmp_path, data, model):
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    config = tmp_path / "bt.toml"
    options = "\n".join(f"{k} = {json.dumps(v)}" for k, v in CONFIG["forecaster"].items())
    config.write_text(f'[data]\ntarget = "y"\ntime_col = "timestamp"\n\n[forecaster]\n{options}\n')
    runner = CliRunner()
    result = runner.invoke(app, ["backtest", str(config), str(path), "--folds", "2", "--fold-size", "12", "--refit", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [f["fold"] for f in out["folds"]] == [1, 2] and out["refit"] is True
    assert set(out["aggregate"]["rolling"]) == {"lstm", "naive", "seasonal_naive", "drift", "mean"}
    result = runner.invoke(app, ["backtest", str(config), str(path), "--folds", "2", "--fold-size", "12"])
    assert result.exit_code == 2 and "untrained model, so each fold must train one: add --refit" in result.output
    config.write_text('[data]\ntarget = "y"\ntiem_col = "timestamp"\n')
    result = runner.invoke(app, ["backtest", str(config), str(path), "--refit", "--fold-size", "12"])
    assert result.exit_code == 2 and "no key 'tiem_col'" in result.output and "Did you mean 'time_col'" in result.output
    model.save(tmp_path / "m")
    result = runner.invoke(app, ["backtest", str(tmp_path / "m"), str(path), "--folds", "3", "--plot", str(tmp_path / "b.png")])
    assert result.exit_code == 0, result.output
    assert "rolling MASE, 3 folds of 12 steps" in result.output and (tmp_path / "b.png").stat().st_size > 20_000


def test_backtest_argument_errors(data, model):
    with pytest.raises(ConfigError, match="folds must be a positive integer; got 0"):
        backtest(model, data, folds=0)
    with pytest.raises(ConfigError, match="40 folds cannot tile a held-out part of 36 steps"):
        backtest(model, data, folds=40)
