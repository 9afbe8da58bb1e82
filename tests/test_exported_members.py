from __future__ import annotations

import lstmkit


def test_all_names_exist_and_nothing_else_is_public_by_accident():
    for name in lstmkit.__all__:
        assert hasattr(lstmkit, name), name
    assert {"SequenceClassifier", "LSTMClassifier", "LSTMRegressor", "ClassificationEvaluation"} <= set(
        lstmkit.__all__
    )
    assert len(set(lstmkit.__all__)) == len(lstmkit.__all__)


def test_model_kind(tmp_path):
    import numpy as np

    from lstmkit.artifact import model_kind

    X = np.random.default_rng(0).normal(size=(6, 4, 1))
    lstmkit.LSTMRegressor(hidden_size=4, max_epochs=1, device="cpu").fit(X, X[:, -1, 0]).save(tmp_path / "m")
    assert model_kind(tmp_path / "m") == "lstm_regressor"
