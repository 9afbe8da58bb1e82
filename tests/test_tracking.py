"""The MLflow reporter, against a real MLflow with a local sqlite tracking store (MLflow 3 refuses file: stores
unless MLFLOW_ALLOW_FILE_STORE is set; that path is tested too)."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

mlflow = pytest.importorskip("mlflow", reason="the mlflow extra is not installed (pip install 'lstmkit[mlflow]')")

from conftest import FAST, seasonal_frame  # noqa: E402
from lstmkit import ConfigError, Forecaster  # noqa: E402
from lstmkit.cli import app  # noqa: E402
from lstmkit.tracking import MLflowReporter, flatten  # noqa: E402

runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """A sqlite store keeps artifacts under ./mlruns (MLflow's default artifact root): keep them in tmp_path."""
    monkeypatch.chdir(tmp_path)


def runs(uri: str, experiment: str):
    client = mlflow.MlflowClient(tracking_uri=uri)
    found = client.get_experiment_by_name(experiment)
    return client, client.search_runs([found.experiment_id]) if found else []


def test_a_fit_logs_parameters_losses_final_metrics_and_the_model(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    data = seasonal_frame(96)
    with MLflowReporter(uri, experiment="unit", run_name="seasonal") as run:
        # (a given lookback: one network; with a lookback chosen on validation each network tried logs its epochs)
        model = Forecaster(**(FAST | {"max_epochs": 4, "patience": None, "lookback": 24})).fit(
            data, target="y", time_col="timestamp", test_size=12, reporter=run)
        run.log_model(model.save(tmp_path / "model"))
        run.log_metrics(model.evaluate(data).metrics, prefix="test")
    client, found = runs(uri, "unit")
    assert len(found) == 1
    logged = found[0]
    assert logged.info.status == "FINISHED" and logged.info.run_name == "seasonal"
    assert logged.data.params["params.hidden_size"] == "16" and logged.data.params["network.horizon"] == "12"
    assert logged.data.params["training.max_epochs"] == "4"
    history = client.get_metric_history(logged.info.run_id, "train_loss")
    assert [m.step for m in history] == [1, 2, 3, 4]
    assert [m.value for m in history] == pytest.approx([r["train_loss"] for r in model.history_])
    assert len(client.get_metric_history(logged.info.run_id, "val_loss")) == 4
    metrics = logged.data.metrics
    assert metrics["epochs"] == 4 and 1 <= metrics["best_epoch"] <= 4 and "best_val_loss" in metrics
    assert metrics["test.rolling.lstm.mase"] == pytest.approx(model.evaluate(data).metrics["rolling"]["lstm"]["mase"])
    artifacts = sorted(a.path for a in client.list_artifacts(logged.info.run_id, "model"))
    assert artifacts == ["model/config.json", "model/weights.safetensors"]


def test_a_failed_block_marks_the_run_failed(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(RuntimeError), MLflowReporter(uri, experiment="unit"):
        raise RuntimeError("boom")
    assert runs(uri, "unit")[1][0].info.status == "FAILED"


def test_file_stores_work_where_mlflow_allows_them_and_say_how_where_not(tmp_path, monkeypatch):
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    major = int(mlflow.__version__.split(".")[0])
    if major >= 3:
        with pytest.raises(ConfigError, match="MLflow 3 refuses file: stores: use a local database"):
            MLflowReporter(uri)
        monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    with MLflowReporter(uri, experiment="files") as run:
        run.log_metrics({"a": {"b": 1.5}})
    assert runs(uri, "files")[1][0].data.metrics == {"a.b": 1.5}


def test_cli_train_with_mlflow(tmp_path):
    data = tmp_path / "series.csv"
    seasonal_frame(96).to_csv(data, index=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(app, ["train", str(data), "--target", "y", "--time-col", "timestamp", "--test-size", "12",
                                 "--hidden-size", "8", "--max-epochs", "2", "-q", "--out", str(tmp_path / "m"),
                                 "--mlflow", uri, "--experiment", "cli"])
    assert result.exit_code == 0, result.output
    client, found = runs(uri, "cli")
    assert len(found) == 1 and found[0].info.status == "FINISHED"
    assert "test.multistep.lstm.mase" in found[0].data.metrics and found[0].data.params["params.hidden_size"] == "8"
    params = found[0].data.params  # the lookback chosen on validation: what was tried, and the network kept
    assert params["selection.chosen"] in params["selection.lookbacks"] and "network.anchors" in params
    assert json.loads((tmp_path / "m" / "config.json").read_text())["kind"] == "forecaster"
    result = runner.invoke(app, ["train", str(data), "--target", "y", "--out", str(tmp_path / "m2"),
                                 "--mlflow", "nosuchscheme://x"])
    assert result.exit_code == 2 and "cannot be used" in result.output and not (tmp_path / "m2").exists()


def test_a_missing_extra_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ConfigError, match=r"needs the mlflow package.*pip install 'lstmkit\[mlflow\]'"):
        MLflowReporter("sqlite:///x.db")


def test_flatten_joins_nested_keys():
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": [1]}) == {"a.b": 1, "a.c.d": 2, "e": [1]}
