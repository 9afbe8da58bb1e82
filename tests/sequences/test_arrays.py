from __future__ import annotations

import numpy as np
import pytest

from conftest import DEVICE
from lstmkit import DataError, LSTMClassifier, LSTMRegressor, NotFittedError

FAST = dict(hidden_size=8, max_epochs=3, batch_size=16, device=DEVICE)


def toy_classes(n: int = 40, seed: int = 0):
    """(n, 10, 2) sequences; the class is whether channel 0 rises (1) or falls (0)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = np.linspace(0, 1, 10)
    X = np.stack(
        [np.where(y[:, None] == 1, t, -t) + rng.normal(0, 0.1, (n, 10)), rng.normal(0, 1, (n, 10))], axis=-1
    )
    return X, np.where(y == 1, "up", "down")


def toy_regression(n: int = 200, seed: int = 0):
    """y = the sum over time of channel 0 (and, as a second target, its last value)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, 6, 2))
    return X, np.stack([X[:, :, 0].sum(axis=1), X[:, -1, 0]], axis=1)


def test_2d_x_gets_the_error_that_teaches_the_fix():
    X, y = toy_classes()
    with pytest.raises(DataError) as info:
        LSTMClassifier(**FAST).fit(X[:, :, 0], y)
    assert str(info.value) == (
        "X must be 3-D (samples, timesteps, features); got shape (40, 10). One feature: X[..., None]; "
        "one sequence: X[None]."
    )


def test_feature_count_must_match_the_fitted_model():
    X, y = toy_classes()
    model = LSTMClassifier(**FAST).fit(X, y)
    with pytest.raises(DataError) as info:
        model.predict(np.concatenate([X, X[..., :1]], axis=2))
    assert str(info.value) == "X has 3 features, but the model was fitted with 2 (x0, x1)."


def test_classifier_labels_proba_score_and_one_hot_targets():
    X, y = toy_classes()
    model = LSTMClassifier(**FAST | dict(max_epochs=10, lr=3e-3)).fit(X, y)
    assert model.classes_.tolist() == ["down", "up"]
    proba = model.predict_proba(X)
    assert proba.shape == (40, 2) and np.allclose(proba.sum(axis=1), 1)
    assert model.predict(X).tolist() == model.classes_[proba.argmax(axis=1)].tolist()
    assert model.score(X, y) == np.mean(model.predict(X) == y) >= 0.9
    one_hot = np.eye(2)[(y == "up").astype(int)]  # Keras' to_categorical
    assert LSTMClassifier(**FAST).fit(X, one_hot).classes_.tolist() == [0, 1]


def test_lists_of_different_lengths():
    X, y = toy_classes()
    ragged = [x[: 4 + i % 7] for i, x in enumerate(X)]  # lengths 4..10
    model = LSTMClassifier(**FAST).fit(ragged, y)
    alone = model.predict_proba([ragged[0]])
    together = model.predict_proba([ragged[0], X[1]])[:1]
    np.testing.assert_allclose(alone, together, atol=1e-6)


def test_regressor_learns_multiple_targets():
    X, y = toy_regression()
    model = LSTMRegressor(**FAST | dict(hidden_size=16, max_epochs=30, lr=1e-2)).fit(X, y)
    assert model.predict(X).shape == (200, 2) and model.n_outputs_ == 2
    assert model.score(*toy_regression(seed=1)) >= 0.8
    single = LSTMRegressor(**FAST).fit(X, y[:, 0])
    assert single.predict(X).shape == (200,)


def test_regressor_relu_cell_and_minmax_scaling():
    X = np.array(
        [
            [[10, 100], [12, 110], [15, 120]],
            [[20, 200], [22, 220], [25, 250]],
            [[30, 300], [32, 320], [35, 350]],
        ]
    )
    model = LSTMRegressor(
        cell_activation="relu",
        scaling="minmax",
        val_fraction=0,
        patience=None,
        max_epochs=200,
        hidden_size=16,
        device="cpu",
    ).fit(X, [17, 27, 37])
    assert model.predict(X) == pytest.approx([17, 27, 37], abs=1.0)
    assert model.prep_.to_dict()["config"]["scaling"] == "minmax"


def test_save_load_identical(tmp_path):
    X, y = toy_regression(50)
    model = LSTMRegressor(**FAST).fit(X, y[:, 0])
    model.save(tmp_path / "r")
    np.testing.assert_array_equal(LSTMRegressor.load(tmp_path / "r").predict(X), model.predict(X))
    Xc, yc = toy_classes()
    clf = LSTMClassifier(**FAST).fit(Xc, yc)
    clf.save(tmp_path / "c")
    again = LSTMClassifier.load(tmp_path / "c")
    np.testing.assert_array_equal(again.predict_proba(Xc), clf.predict_proba(Xc))
    assert again.classes_.tolist() == ["down", "up"]


def test_not_fitted_and_bad_targets():
    with pytest.raises(NotFittedError, match="this LSTMRegressor is not fitted yet"):
        LSTMRegressor().predict(np.zeros((1, 2, 1)))
    with pytest.raises(DataError, match=r"y must be \(samples,\) or \(samples, targets\) with 3 samples"):
        LSTMRegressor(**FAST).fit(np.zeros((3, 2, 1)), [1.0, 2.0])
    with pytest.raises(DataError, match=r"y has only one class \('a' for all 3 sequences\)"):
        LSTMClassifier(**FAST).fit(np.zeros((3, 2, 1)), ["a", "a", "a"])


# ---- scikit-learn compatibility (scikit-learn is in the dev extra) -------------------------------------


def test_clone_get_params_set_params():
    from sklearn.base import clone, is_classifier, is_regressor

    model = LSTMClassifier(hidden_size=12, class_weight="balanced")
    twin = clone(model)
    assert twin is not model and twin.get_params() == model.get_params()
    assert twin.set_params(hidden_size=5) is twin and twin.hidden_size == 5 and model.hidden_size == 12
    assert is_classifier(model) and is_regressor(LSTMRegressor())


def test_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = toy_classes()
    light = FAST | dict(arch="lstm")  # the API is under test here, not the network
    pipe = make_pipeline(FunctionTransformer(lambda a: a * 2.0), LSTMClassifier(**light))
    assert pipe.fit(X, y).predict(X).shape == (40,)
    search = GridSearchCV(LSTMClassifier(**light), {"hidden_size": [4, 8]}, cv=2).fit(X, y)
    assert search.best_params_["hidden_size"] in (4, 8) and 0 <= search.best_score_ <= 1
    Xr, yr = toy_regression(40)
    search = GridSearchCV(LSTMRegressor(**FAST), {"lr": [1e-3, 3e-3]}, cv=2).fit(Xr, yr[:, 0])
    assert search.predict(Xr).shape == (40,)
