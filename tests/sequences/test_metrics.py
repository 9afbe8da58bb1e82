from __future__ import annotations

import numpy as np
import pytest

from lstmkit.sequences.metrics import ClassificationEvaluation, classification_metrics, confusion_matrix


def test_hand_worked_three_classes():
    # actual:    a a a a b b c      predicted: a a b c b b b
    actual = np.array([0, 0, 0, 0, 1, 1, 2])
    predicted = np.array([0, 0, 1, 2, 1, 1, 1])
    assert confusion_matrix(actual, predicted, 3).tolist() == [[2, 1, 1], [0, 2, 0], [0, 1, 0]]
    m = classification_metrics(actual, predicted, np.array(["a", "b", "c"], dtype=object))
    assert m["accuracy"] == pytest.approx(4 / 7)
    assert m["balanced_accuracy"] == pytest.approx((2 / 4 + 2 / 2 + 0 / 1) / 3)
    # precision a 2/2, b 2/4, c 0/1; recall a 2/4, b 2/2, c 0; F1 a 2/3, b 2/3, c 0
    assert m["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 4}
    assert m["per_class"]["b"]["precision"] == 0.5 and m["per_class"]["c"]["f1"] == 0.0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    assert m["classes"] == ["a", "b", "c"] and m["n"] == 7


def test_agrees_with_scikit_learn():
    from sklearn import metrics as sk

    rng = np.random.default_rng(0)
    actual, predicted = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    predicted[predicted == 3] = 2  # class 3 never predicted: precision 0 by convention
    m = classification_metrics(actual, predicted, np.arange(4))
    assert m["accuracy"] == pytest.approx(sk.accuracy_score(actual, predicted))
    assert m["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(actual, predicted))
    assert m["macro_f1"] == pytest.approx(sk.f1_score(actual, predicted, average="macro", zero_division=0))
    precision = sk.precision_score(actual, predicted, average=None, zero_division=0)
    assert [m["per_class"][str(k)]["precision"] for k in range(4)] == pytest.approx(precision.tolist())
    assert m["confusion_matrix"] == sk.confusion_matrix(actual, predicted).tolist()


def test_confusion_png(tmp_path):
    m = classification_metrics(np.array([0, 1, 1]), np.array([0, 1, 0]), np.array([1, 2]))
    ClassificationEvaluation(m, None).plot(tmp_path / "cm.png")
    path = tmp_path / "cm.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000
