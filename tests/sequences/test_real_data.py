"""Real data, quickly: the variable-length benchmark problem with 15 epochs (a cosine schedule over 15) instead
of the default 148 (bench/classification.py runs the defaults). Skips when ../shared is not beside the repo."""

from __future__ import annotations

import pytest

from conftest import shared_file
from lstmkit import SequenceClassifier


@pytest.mark.slow
@pytest.mark.parametrize("name, floor", [("JapaneseVowels", 0.97)])
def test_lstm_fcn_on_official_test_split(name, floor):
    train = shared_file("classification", f"{name}_TRAIN.csv")
    test = shared_file("classification", f"{name}_TEST.csv")
    model = SequenceClassifier(max_epochs=15, verbose=0, device="cpu")
    model.fit(train, sequence_col="sequence_id", label_col="label", step_col="step")
    assert model.evaluate(test).metrics["accuracy"] >= floor
