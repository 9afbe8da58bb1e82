"""ONNX export: the exported folder forecasts and classifies like the torch model (max relative difference
<= 1e-4), through onnxruntime only; what cannot export, or is damaged, gets one line."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

pytest.importorskip("onnx", reason="the onnx extra is not installed (pip install 'lstmkit[onnx]')")
pytest.importorskip("onnxruntime", reason="the onnx extra is not installed (pip install 'lstmkit[onnx]')")

import lstmkit  # noqa: E402
from conftest import DEVICE, FAST, seasonal_frame, sequence_frame  # noqa: E402
from lstmkit import ConfigError, Forecaster, LSTMClassifier, LSTMRegressor, ModelFileError, SequenceClassifier  # noqa: E402
from lstmkit.cli import app  # noqa: E402
from lstmkit.datasets import load_airline  # noqa: E402
from lstmkit.onnxnet import MaskedSequenceNet, OnnxNetwork  # noqa: E402

runner = CliRunner()


def relative(a, b) -> float:
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-8)))


@pytest.fixture(scope="module")
def airline_model():
    airline = load_airline()
    model = Forecaster(**(FAST | {"max_epochs": 8})).fit(airline, target="passengers", time_col="timestamp",
                                                         test_size=24)
    return model, airline


def test_a_forecaster_exports_and_forecasts_the_same_on_real_data(airline_model, tmp_path):
    model, airline = airline_model
    out = model.export_onnx(tmp_path / "onnx")
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.onnx"]  # no weights.safetensors
    assert json.loads((out / "config.json").read_text())["runtime"] == "onnx"
    loaded = lstmkit.load(out)
    assert type(loaded) is Forecaster and isinstance(loaded.net_, OnnxNetwork)
    h = model.horizon_
    for steps in (h, 3 * h):  # beyond H: recursive, the ONNX net fed its own forecasts
        assert relative(loaded.predict(airline, steps=steps)["forecast"], model.predict(airline, steps=steps)["forecast"]) <= 1e-4
    values = airline[["passengers"]].to_numpy()
    assert relative(loaded.predict_values(values), model.predict_values(values)) <= 1e-4
    ours, theirs = loaded.evaluate(airline, intervals=0.8).metrics, model.evaluate(airline, intervals=0.8).metrics
    for kind in ("rolling", "multistep"):
        assert ours[kind]["lstm"]["mase"] == pytest.approx(theirs[kind]["lstm"]["mase"], rel=1e-4)
    bt = lstmkit.backtest(out, airline, folds=2)
    assert bt.metrics["rolling"]["lstm"]["mase"] == pytest.approx(
        model.backtest(airline, folds=2).metrics["rolling"]["lstm"]["mase"], rel=1e-4)


@pytest.mark.parametrize("anchor", ["ses", "holt"])
def test_fitted_smoothing_anchors_export(anchor, tmp_path):
    airline = load_airline()
    model = Forecaster(**(FAST | {"max_epochs": 2, "window_norm": anchor})).fit(
        airline, target="passengers", time_col="timestamp", test_size=24)
    assert model.net_config_.anchors == (anchor,) * 12
    loaded = lstmkit.load(model.export_onnx(tmp_path / "onnx"))
    assert relative(loaded.predict(airline)["forecast"], model.predict(airline)["forecast"]) <= 1e-4


def test_a_quantile_head_with_covariates_exports(tmp_path):
    frame = seasonal_frame(96)
    model = Forecaster(**FAST, quantiles=[0.1, 0.9]).fit(frame, target="y", time_col="timestamp", features="temp",
                                                          categorical="kind", test_size=12)
    loaded = lstmkit.load(model.export_onnx(tmp_path / "q"))
    ours = loaded.predict(frame, intervals=0.8, interval_method="quantile")
    theirs = model.predict(frame, intervals=0.8, interval_method="quantile")
    for column in ("forecast", "lower_0.8", "upper_0.8"):
        assert relative(ours[column], theirs[column]) <= 1e-4


@pytest.mark.parametrize("pooling", [dict(), dict(max_steps=10, lstm_steps=4)])
def test_a_sequence_classifier_exports_with_lengths_handled_by_masking(pooling, tmp_path):
    data = sequence_frame()  # lengths 12 to 30: padding in every batch
    model = SequenceClassifier(hidden_size=8, max_epochs=2, batch_size=16, verbose=0, device=DEVICE, **pooling)
    model.fit(data, sequence_col="sequence_id", label_col="label", step_col="step", categorical="mood")
    loaded = lstmkit.load(model.export_onnx(tmp_path / "c"))
    ours, theirs = loaded.predict_proba(data), model.predict_proba(data)
    probabilities = [c for c in theirs.columns if c.startswith("proba_")]
    assert len(probabilities) == 3
    assert np.abs(ours[probabilities].to_numpy() - theirs[probabilities].to_numpy()).max() <= 1e-5
    assert (ours["label"] == theirs["label"]).all()
    assert loaded.evaluate(data).metrics["accuracy"] == model.evaluate(data).metrics["accuracy"]


@pytest.mark.parametrize("settings", [dict(arch="lstm", bidirectional=True, num_layers=2),
                                      dict(arch="lstm", bidirectional=True, readout="mean")])
def test_bidirectional_and_mean_readouts_export(settings, tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(0, 1, (40, 10, 2)), rng.integers(0, 2, 40)
    model = LSTMClassifier(hidden_size=8, max_epochs=2, batch_size=16, verbose=0, device=DEVICE, **settings).fit(X, y)
    loaded = lstmkit.load(model.export_onnx(tmp_path / "a"))
    assert np.abs(loaded.predict_proba(X) - model.predict_proba(X)).max() <= 1e-5
    regressor = LSTMRegressor(hidden_size=8, max_epochs=2, batch_size=16, verbose=0, device=DEVICE).fit(X, X[:, :, 0].sum(1))
    assert relative(lstmkit.load(regressor.export_onnx(tmp_path / "r")).predict(X), regressor.predict(X)) <= 1e-4


def test_the_masked_network_equals_the_packed_one_for_any_padding():
    from lstmkit.networks import SequenceNet, SequenceNetConfig

    torch.manual_seed(0)
    net = SequenceNet(SequenceNetConfig(input_size=3, n_outputs=4, hidden_size=8, num_layers=2, bidirectional=True,
                                        sequence_norm="both", pool=2, lstm_pool=3)).eval()
    lengths = torch.tensor([17, 1, 9, 17])
    x = torch.randn(4, 17, 3) * (torch.arange(17)[None, :, None] < lengths[:, None, None])  # zero padding
    with torch.no_grad():
        assert torch.allclose(MaskedSequenceNet(net)(x, lengths), net(x, lengths), atol=1e-6)


def test_what_cannot_be_exported_says_why(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(0, 1, (20, 6, 1)), rng.integers(0, 2, 20)
    model = LSTMClassifier(hidden_size=4, max_epochs=1, verbose=0, device=DEVICE, arch="lstm", cell_activation="relu")
    with pytest.raises(ConfigError, match="cell_activation='relu' runs step by step in Python and cannot be exported"):
        model.fit(X, y).export_onnx(tmp_path / "relu")
    assert not (tmp_path / "relu").exists()  # nothing half-written


def test_an_exported_model_cannot_be_saved_or_exported_again(airline_model, tmp_path):
    loaded = lstmkit.load(airline_model[0].export_onnx(tmp_path / "onnx"))
    with pytest.raises(ConfigError, match="holds no PyTorch weights"):
        loaded.save(tmp_path / "again")
    with pytest.raises(ConfigError, match="loaded from an ONNX export already"):
        loaded.export_onnx(tmp_path / "again")
    airline_model[0].save(tmp_path / "onnx")  # a torch model may replace an exported folder
    assert sorted(p.name for p in (tmp_path / "onnx").iterdir()) == ["config.json", "weights.safetensors"]


def test_damaged_exports_are_one_line(airline_model, tmp_path):
    out = airline_model[0].export_onnx(tmp_path / "onnx")
    config = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps(config | {"runtime": "tensorflow"}))
    with pytest.raises(ModelFileError, match="runtime = 'tensorflow', expected one of torch, onnx"):
        lstmkit.load(out)
    (out / "config.json").write_text(json.dumps(config))
    (out / "model.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(ModelFileError, match="cannot be read by onnxruntime"):
        lstmkit.load(out)
    (out / "model.onnx").unlink()
    with pytest.raises(ModelFileError, match="model.onnx"):
        lstmkit.load(out)


def test_a_missing_extra_names_the_install(airline_model, tmp_path, monkeypatch):
    out = airline_model[0].export_onnx(tmp_path / "onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"needs the onnxruntime package.*pip install 'lstmkit\[onnx\]'"):
        lstmkit.load(out)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ConfigError, match=r"ONNX export needs the onnx package.*pip install 'lstmkit\[onnx\]'"):
        airline_model[0].export_onnx(tmp_path / "other")


def test_cli_export_then_predict(tmp_path):
    data = tmp_path / "airline.csv"
    load_airline().to_csv(data, index=False)
    model, onnx = tmp_path / "model", tmp_path / "onnx"
    fast = ["--hidden-size", "16", "--max-epochs", "3", "-q"]
    result = runner.invoke(app, ["train", str(data), "--target", "passengers", "--time-col", "timestamp", *fast,
                                 "--out", str(model)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["export", str(model), "--format", "onnx", "--out", str(onnx)])
    assert result.exit_code == 0, result.output
    for folder, csv in ((model, "torch.csv"), (onnx, "onnx.csv")):
        result = runner.invoke(app, ["predict", str(folder), str(data), "--steps", "24", "--out", str(tmp_path / csv)])
        assert result.exit_code == 0, result.output
    torch_out, onnx_out = pd.read_csv(tmp_path / "torch.csv"), pd.read_csv(tmp_path / "onnx.csv")
    assert relative(onnx_out["forecast"], torch_out["forecast"]) <= 1e-4
    help_text = runner.invoke(app, ["export", "--help"]).output
    assert "Example" in help_text and "lstmkit export" in help_text
    result = runner.invoke(app, ["export", str(onnx), "--out", str(tmp_path / "again")])
    assert result.exit_code == 2 and "loaded from an ONNX export already" in result.output


def test_a_forecaster_with_known_future_covariates_exports(tmp_path):
    from lstmkit.datasets import make_retail_panel, make_retail_plan

    data = make_retail_panel(n_series=3, days=730)
    model = Forecaster(hidden_size=8, max_epochs=1, verbose=0, device="cpu", lookback=28, horizon=7)
    model.fit(data, target="sales", time_col="date", id_col="store", future_features="promo,holiday",
              static="size", calendar="auto")
    plan = make_retail_plan(n_series=3, days=14)
    expected = model.predict(data, future=plan, steps=14)  # past H: recursive with the plan
    model.export_onnx(tmp_path / "onnx")
    got = lstmkit.load(tmp_path / "onnx").predict(data, future=plan, steps=14)
    np.testing.assert_allclose(got["forecast"], expected["forecast"], rtol=1e-4)
