from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
from typer.testing import CliRunner

from lstmkit.cli import app
from lstmkit.datasets import load_airline

runner = CliRunner()
FAST = ["--hidden-size", "16", "--num-layers", "1", "--max-epochs", "3", "-q"]


def airline_csv(tmp_path):
    path = tmp_path / "airline.csv"
    load_airline().to_csv(path, index=False)
    return path


def test_help_has_an_example_for_every_command():
    for command in ("demo", "train", "evaluate", "predict"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output and f"lstmkit {command}" in result.output


def test_train_evaluate_predict(tmp_path):
    data = airline_csv(tmp_path)
    model = tmp_path / "model"
    args = ["train", str(data), "--target", "passengers", "--time-col", "timestamp", "--test-size", "24"]
    result = runner.invoke(app, [*args, *FAST, "--out", str(model)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(model), str(data), "--json", "--plot", str(tmp_path / "f.png")])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert set(metrics) == {"rolling", "multistep"}
    assert set(metrics["rolling"]["lstm"]) >= {"mae", "rmse", "mape", "smape", "mase"}
    assert (tmp_path / "f.png").stat().st_size > 10_000
    result = runner.invoke(app, ["predict", str(model), str(data), "--steps", "18", "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    forecast = pd.read_csv(tmp_path / "p.csv")
    assert len(forecast) == 18 and forecast["timestamp"].iloc[0] == "1961-01-01"


def test_errors_are_one_line_and_exit_2(tmp_path):
    data = airline_csv(tmp_path)
    result = runner.invoke(app, ["train", str(data), "--target", "pasengers", "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "column 'pasengers' not found. Did you mean 'passengers'?" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["evaluate", str(tmp_path / "nope"), str(data)])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["train", str(data), "--target", "passengers", "--lookback", "0", "--out", "m"])
    assert result.exit_code == 2 and "lookback must be a positive integer; got 0" in result.output


def test_python_dash_m_and_exit_code_in_a_real_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lstmkit", "train", str(tmp_path / "none.csv"), "--target", "y", "--out", "m"],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_demo_runs_and_beats_naive(tmp_path):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--epochs", "20"])
    assert result.exit_code == 0, result.output
    assert "Epoch [10/20], Loss:" in result.output and "Epoch [20/20], Loss:" in result.output
    assert (tmp_path / "forecast.png").exists() and (tmp_path / "loss.png").exists()


def test_help_of_the_evaluation_commands_has_examples():
    for command in ("backtest", "report"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output and f"lstmkit {command}" in result.output


def test_interval_options_are_refused_for_a_classifier(tmp_path):
    from conftest import sequence_frame

    data = tmp_path / "seq.csv"
    sequence_frame().to_csv(data, index=False)
    cols = ["--sequence-col", "sequence_id", "--label-col", "label", "--step-col", "step"]
    fast = ["--hidden-size", "8", "--max-epochs", "1", "--device", "cpu", "-q"]
    result = runner.invoke(app, ["train", str(data), "--task", "classify", *cols, *fast, "--quantiles", "0.1,0.9", "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "quantiles" in result.output
    assert runner.invoke(app, ["train", str(data), "--task", "classify", *cols, *fast, "--out", str(tmp_path / "m")]).exit_code == 0
    result = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(data), "--intervals", "0.9"])
    assert result.exit_code == 2 and "--intervals and --baselines apply to forecasters" in result.output
    result = runner.invoke(app, ["predict", str(tmp_path / "m"), str(data), "--intervals", "0.9", "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 2 and "--intervals applies to forecasters" in result.output


def test_evaluate_prints_the_lstm_ets_row_and_its_weights(tmp_path, monkeypatch):
    from lstmkit.forecasting import classical
    from lstmkit.forecasting.baselines import naive

    monkeypatch.setitem(classical.CLASSICAL, "ets", naive)  # a stand-in: statsforecast is an extra
    data = airline_csv(tmp_path)
    model = tmp_path / "model"
    args = ["train", str(data), "--target", "passengers", "--time-col", "timestamp", "--test-size", "24"]
    assert runner.invoke(app, [*args, *FAST, "--out", str(model)]).exit_code == 0
    result = runner.invoke(app, ["evaluate", str(model), str(data), "--baselines", "naive,ets"])
    assert result.exit_code == 0, result.output
    assert "lstm+ets" in result.output and "the LSTM weighted" in result.output
    assert "the default forecaster is lstm" in result.output
