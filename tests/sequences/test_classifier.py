from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import DEVICE
from lstmkit import ConfigError, DataError, NotFittedError, SequenceClassifier
from lstmkit.sequences.labels import class_weights

COLS = dict(sequence_col="sequence_id", label_col="label", step_col="step")


def fitted(frame, fast, **params):
    return SequenceClassifier(**fast, **params).fit(frame, **COLS, categorical=["mood"])


def test_fit_returns_self_and_keeps_labels_as_given(sequences, fast_classify):
    model = SequenceClassifier(**fast_classify)
    assert model.fit(sequences, **COLS, categorical="mood") is model
    assert model.classes_.tolist() == ["fast", "flat", "slow"]
    assert model.feature_names_in_ == ["a", "b", "mood=busy", "mood=calm"] and model.n_features_in_ == 4
    assert len(model.history_) == 3
    ints = sequences.assign(label=sequences["label"].map({"slow": 10, "fast": 20, "flat": 30}))
    model = SequenceClassifier(**fast_classify).fit(ints, **COLS, categorical="mood")
    assert model.classes_.tolist() == [10, 20, 30] and model.classes_.dtype == np.int64
    assert model.predict(ints)["label"].isin([10, 20, 30]).all()


def test_predict_proba_one_row_per_sequence(sequences, fast_classify):
    model = fitted(sequences, fast_classify)
    proba = model.predict_proba(sequences)
    assert proba.columns.tolist() == ["sequence_id", "label", "proba_fast", "proba_flat", "proba_slow"]
    assert len(proba) == sequences["sequence_id"].nunique() == 30
    assert proba["sequence_id"].tolist() == list(range(30))  # the ids keep their type (int) and order
    np.testing.assert_allclose(proba.iloc[:, 2:].sum(axis=1), 1.0)
    best = proba.iloc[:, 2:].to_numpy().argmax(axis=1)
    assert proba["label"].tolist() == model.classes_[best].tolist()
    assert model.predict(sequences).columns.tolist() == ["sequence_id", "label"]


def test_a_sequence_alone_gets_the_batched_prediction(sequences, fast_classify):
    model = fitted(sequences, fast_classify)
    lengths = sequences.groupby("sequence_id").size()
    shortest = int(lengths.idxmin())
    assert lengths.max() > lengths.min()
    together = model.predict_proba(sequences).set_index("sequence_id").loc[shortest]
    alone = (
        model.predict_proba(sequences[sequences.sequence_id == shortest])
        .set_index("sequence_id")
        .loc[shortest]
    )
    np.testing.assert_allclose(alone.iloc[1:].astype(float), together.iloc[1:].astype(float), atol=1e-6)


def test_learns_the_synthetic_classes(fast_classify):
    from conftest import sequence_frame

    params = fast_classify | dict(max_epochs=15, hidden_size=16, lr=3e-3)
    model = SequenceClassifier(**params).fit(sequence_frame(per_class=12), **COLS, features=["a", "b"])
    assert model.evaluate(sequence_frame(per_class=10, seed=1)).metrics["accuracy"] >= 0.9


def test_evaluate_metrics_predictions_and_plot(sequences, fast_classify, tmp_path):
    model = fitted(sequences, fast_classify)
    ev = model.evaluate(sequences)
    assert set(ev.metrics) >= {
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "per_class",
        "confusion_matrix",
        "classes",
    }
    assert np.array(ev.metrics["confusion_matrix"]).sum() == 30
    assert ev.predictions.columns[:3].tolist() == ["sequence_id", "actual", "predicted"]
    assert (ev.predictions["actual"] == sequences.groupby("sequence_id")["label"].first().to_numpy()).all()
    assert ev.confusion().shape == (3, 3) and ev.table().index.tolist() == ["fast", "flat", "slow"]
    json.dumps(ev.metrics)
    figure = ev.plot(tmp_path / "cm.png")
    assert (tmp_path / "cm.png").stat().st_size > 5_000 and figure.axes  # saved, and returned for a notebook


def test_unseen_sequences_missing_values_and_unordered_rows(sequences, fast_classify):
    model = fitted(sequences, fast_classify)
    new = sequences.assign(sequence_id=sequences["sequence_id"] + 1000)
    new.loc[[3, 4, 50], "a"] = np.nan
    shuffled = new.sample(frac=1.0, random_state=0)  # the step column restores the order
    out = model.predict_proba(shuffled)
    assert np.isfinite(out.iloc[:, 2:].to_numpy()).all() and len(out) == 30
    ordered = model.predict_proba(new)
    pd.testing.assert_frame_equal(out.sort_values("sequence_id").reset_index(drop=True), ordered)


def test_scaling_is_fitted_on_training_sequences_only(sequences, fast_classify):
    model = fitted(sequences, fast_classify, scaling="standard", val_fraction=0.2)
    state = model.prep_.to_dict()
    assert state["config"]["per_series"] is False and np.array(state["loc"]).shape == (1, 2)
    val_ids = set(sequences["sequence_id"].astype(str).unique()) - set(state["ids"])
    assert len(val_ids) == 6  # round(0.2 * 10) per class held out, not used for the statistics
    train = sequences[~sequences["sequence_id"].astype(str).isin(val_ids)]
    assert state["loc"][0][0] == pytest.approx(train["a"].mean())


@pytest.mark.skipif(DEVICE != "cpu", reason="repeatable on the CPU only: cuDNN's convolutions pick nondeterministic kernels")
def test_same_seed_same_probabilities(sequences, fast_classify):
    a = fitted(sequences, fast_classify, random_state=1).predict_proba(sequences)
    b = fitted(sequences, fast_classify, random_state=1).predict_proba(sequences)
    c = fitted(sequences, fast_classify, random_state=2).predict_proba(sequences)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a.iloc[:, 2:], c.iloc[:, 2:])


def test_save_load_identical_probabilities_in_a_new_process(sequences, fast_classify, tmp_path):
    model = fitted(sequences, fast_classify, arch="lstm", bidirectional=True, readout="mean")
    model.save(tmp_path / "m")
    sequences.to_csv(tmp_path / "data.csv", index=False)
    expected = model.predict_proba(tmp_path / "data.csv")
    code = (
        "import sys, torch, lstmkit; torch.set_num_threads(1); m = lstmkit.SequenceClassifier.load(sys.argv[1]); "  # same threads as this process: same sums
        "m.predict_proba(sys.argv[2]).to_csv(sys.argv[3], index=False)"
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(tmp_path / "m"),
            str(tmp_path / "data.csv"),
            str(tmp_path / "p.csv"),
        ],
        check=True,
    )
    again = pd.read_csv(tmp_path / "p.csv", float_precision="round_trip")  # exact float text
    np.testing.assert_array_equal(again.iloc[:, 2:].to_numpy(), expected.iloc[:, 2:].to_numpy())
    assert (again["label"] == expected["label"]).all()
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["kind"] == "sequence_classifier" and config["fitted"]["classes"]["values"] == [
        "fast",
        "flat",
        "slow",
    ]


def test_class_weights():
    classes, codes = np.array(["a", "b"], dtype=object), np.array([0, 0, 0, 1])
    assert class_weights(None, classes, codes) is None
    assert class_weights("balanced", classes, codes).tolist() == pytest.approx([4 / (2 * 3), 4 / (2 * 1)])
    assert class_weights({"b": 5}, classes, codes).tolist() == [1.0, 5.0]
    with pytest.raises(
        ConfigError, match=r"class_weight names 'z', which is not a class; the classes are \['a', 'b'\]"
    ):
        class_weights({"z": 2}, classes, codes)


def test_balanced_class_weights_reach_the_loss(sequences, fast_classify, monkeypatch):
    seen = {}
    real = torch.nn.CrossEntropyLoss.__init__

    def spy(self, weight=None, **kwargs):
        seen["weight"] = weight
        real(self, weight=weight, **kwargs)

    monkeypatch.setattr(torch.nn.CrossEntropyLoss, "__init__", spy)
    imbalanced = sequences[~sequences["sequence_id"].isin(range(5))]  # 'slow' keeps 5 of 10
    fitted(imbalanced, fast_classify, class_weight="balanced", val_fraction=0)
    assert seen["weight"].tolist() == pytest.approx([25 / (3 * 10), 25 / (3 * 10), 25 / (3 * 5)])


# ---- errors ----------------------------------------------------------------------------------------------


def test_one_class(sequences, fast_classify):
    with pytest.raises(
        DataError, match=r"label column 'label' has only one class \('slow' for all 10 sequences\)"
    ):
        fitted(sequences[sequences.label == "slow"], fast_classify)


def test_channels_that_differ_between_train_and_test(sequences, fast_classify):
    model = SequenceClassifier(**fast_classify).fit(sequences.drop(columns="mood"), **COLS)
    with pytest.raises(DataError, match=r"the data lacks channel\(s\) \['b'\] that the model was trained on"):
        model.predict(sequences.drop(columns=["mood", "b"]))
    with pytest.raises(DataError, match=r"numeric column\(s\) \['c'\] that were not channels in training"):
        model.predict(sequences.drop(columns="mood").assign(c=1.0))
    assert len(model.predict(sequences.drop(columns="mood").assign(note="x"))) == 30  # text is not a channel


def test_sequences_with_no_rows(sequences, fast_classify):
    with pytest.raises(DataError, match="the data has no rows"):
        fitted(sequences.iloc[:0], fast_classify)
    empty = sequences.copy()
    empty.loc[empty.sequence_id == 4, ["a", "b"]] = np.nan
    with pytest.raises(DataError, match=r"1 sequence\(s\) have no rows with an observed value, e.g. \['4'\]"):
        fitted(empty, fast_classify)


def test_bad_parameters_and_columns(sequences, fast_classify):
    with pytest.raises(
        ConfigError, match="arch='lstmfcn' is not one of lstm_fcn, lstm. Did you mean 'lstm_fcn'"
    ):
        fitted(sequences, fast_classify, arch="lstmfcn")
    with pytest.raises(ConfigError, match=r"val_fraction must be in \[0, 1\); got 1"):
        fitted(sequences, fast_classify, val_fraction=1)
    with pytest.raises(DataError, match="column 'lable' not found. Did you mean 'label'"):
        SequenceClassifier(**fast_classify).fit(sequences, sequence_col="sequence_id", label_col="lable")
    with pytest.raises(
        ConfigError, match="SequenceClassifier has no parameter 'hiden_size'. Did you mean 'hidden_size'"
    ):
        SequenceClassifier().set_params(hiden_size=3)


def test_not_fitted_and_params():
    with pytest.raises(NotFittedError, match="this SequenceClassifier is not fitted yet"):
        SequenceClassifier().predict(pd.DataFrame())
    model = SequenceClassifier(arch="lstm", hidden_size=32)
    assert (
        model.get_params()["arch"] == "lstm"
        and repr(model) == "SequenceClassifier(arch='lstm', hidden_size=32)"
    )


def test_defaults_train_on_every_sequence_to_a_cosine_budget(sequences, fast_classify):
    """No validation part by default: all sequences train for max_epochs, the rate falls on a cosine to 0,
    and the last epoch's weights are the ones kept (nothing to choose a 'best' epoch on)."""
    params = fast_classify | dict(max_epochs=4, lr=1e-3)
    model = fitted(sequences, params)
    assert [r["val_loss"] for r in model.history_] == [None] * 4
    lrs = [r["lr"] for r in model.history_]  # the rate after each epoch: lr (1 + cos(pi e / 4)) / 2
    np.testing.assert_allclose(lrs, [1e-3 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(1, 5)], atol=1e-12)
    assert model.train_config_.schedule == "cosine" and model.train_config_.patience is None
    again = fitted(sequences, params | dict(max_epochs=4))
    np.testing.assert_array_equal(model.predict_proba(sequences).iloc[:, 2:], again.predict_proba(sequences).iloc[:, 2:])


def test_long_sequences_are_pooled_to_max_steps_and_the_model_file_keeps_it(sequences, fast_classify, tmp_path):
    import lstmkit

    model = fitted(sequences, fast_classify, max_steps=10, lstm_steps=4, label_smoothing=0.1, weight_decay=1e-2)
    config = model.net_config_
    longest = sequences.groupby("sequence_id").size().max()  # 29 steps -> pool 3 -> 10 steps -> lstm_pool 3
    assert (config.pool, config.lstm_pool, config.sequence_norm) == (-(-longest // 10), 3, "both")
    model.save(tmp_path / "m")
    saved = json.loads((tmp_path / "m" / "config.json").read_text())
    assert saved["network"]["pool"] == config.pool and saved["training"]["weight_decay"] == 1e-2
    loaded = lstmkit.load(tmp_path / "m")
    assert loaded.net_config_ == config and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(sequences).iloc[:, 2:], model.predict_proba(sequences).iloc[:, 2:])


def test_models_saved_before_pooling_load_without_it():
    from pathlib import Path

    import lstmkit

    old = lstmkit.load(Path(__file__).parents[1] / "data" / "v1" / "classifier")
    config = old.net_config_
    assert (config.pool, config.lstm_pool, config.sequence_norm) == (1, 1, "none")
    assert old.train_config_.schedule == "plateau" and old.train_config_.weight_decay == 0


@pytest.mark.parametrize("param, value, message", [
    ("lr_schedule", "linear", r"lr_schedule='linear' is not one of plateau, cosine"),
    ("sequence_norm", "instanse", r"sequence_norm='instanse' is not one of none, instance, both. Did you mean"),
    ("max_steps", 0, r"max_steps must be a positive integer or None; got 0"),
    ("label_smoothing", 1.0, r"label_smoothing must be in \[0, 1\); got 1.0"),
    ("weight_decay", -1, r"weight_decay must be a number >= 0; got -1"),
])
def test_new_parameters_are_checked(sequences, fast_classify, param, value, message):
    with pytest.raises(ConfigError, match=message):
        fitted(sequences, fast_classify, **{param: value})
