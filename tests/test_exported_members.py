from __future__ import annotations

import numpy as np

import lstmkit

PUBLIC = [
    "__version__",
    "Forecaster",
    "Evaluation",
    "SequenceClassifier",
    "ClassificationEvaluation",
    "LSTMClassifier",
    "LSTMRegressor",
    "Backtest",
    "backtest",
    "tune",
    "TuneResult",
    "MLflowReporter",
    "load",
    "read_table",
    "make_windows",
    "load_airline",
    "make_demo_series",
    "LstmkitError",
    "DataError",
    "ConfigError",
    "ModelFileError",
    "NotFittedError",
]


def test_public_names_are_pinned():
    assert lstmkit.__all__ == PUBLIC  # adding or removing a public name is a decision: change PUBLIC too
    for name in PUBLIC:
        assert hasattr(lstmkit, name), name


def test_each_public_name_comes_from_where_it_lives():
    assert lstmkit.Forecaster.__module__ == "lstmkit.forecasting.forecaster"
    assert lstmkit.Evaluation.__module__ == "lstmkit.forecasting.evaluation"
    assert lstmkit.SequenceClassifier.__module__ == "lstmkit.sequences.classifier"
    assert lstmkit.LSTMRegressor.__module__ == "lstmkit.sequences.arrays"


def test_load_returns_the_estimator_the_folder_holds(tmp_path):
    from lstmkit.artifact import model_kind

    X = np.random.default_rng(0).normal(size=(6, 4, 1))
    lstmkit.LSTMRegressor(hidden_size=4, max_epochs=1, device="cpu").fit(X, X[:, -1, 0]).save(tmp_path / "m")
    assert model_kind(tmp_path / "m") == "lstm_regressor"
    assert type(lstmkit.load(tmp_path / "m")) is lstmkit.LSTMRegressor
