from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from conftest import DEVICE
from lstmkit.cli import app

runner = CliRunner()
COLS = ["--sequence-col", "sequence_id", "--label-col", "label", "--step-col", "step"]
FAST = ["--hidden-size", "8", "--max-epochs", "3", "--batch-size", "16", "--device", DEVICE, "-q"]


def write(tmp_path):
    from conftest import sequence_frame

    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    sequence_frame().to_csv(train, index=False)
    sequence_frame(seed=1).to_csv(test, index=False)
    return train, test


def test_train_evaluate_predict_classify(tmp_path):
    train, test = write(tmp_path)
    model = tmp_path / "model"
    result = runner.invoke(
        app,
        [
            "train",
            str(train),
            "--task",
            "classify",
            *COLS,
            "--categorical",
            "mood",
            *FAST,
            "--out",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((model / "config.json").read_text())["kind"] == "sequence_classifier"

    result = runner.invoke(
        app, ["evaluate", str(model), str(test), "--json", "--plot", str(tmp_path / "cm.png")]
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert set(metrics) >= {
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "confusion_matrix",
        "classes",
        "per_class",
    }
    assert metrics["classes"] == ["fast", "flat", "slow"] and sum(map(sum, metrics["confusion_matrix"])) == 30
    assert (tmp_path / "cm.png").stat().st_size > 5_000

    result = runner.invoke(app, ["evaluate", str(model), str(test)])
    assert (
        result.exit_code == 0 and "balanced accuracy" in result.output and "confusion matrix" in result.output
    )

    result = runner.invoke(app, ["predict", str(model), str(test), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    predictions = pd.read_csv(tmp_path / "p.csv")
    assert predictions.columns.tolist() == ["sequence_id", "label", "proba_fast", "proba_flat", "proba_slow"]
    assert len(predictions) == 30


def test_classify_errors_are_one_line_and_exit_2(tmp_path):
    train, test = write(tmp_path)
    result = runner.invoke(app, ["train", str(train), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert (
        "name the column to forecast with --target (or use --task classify to classify sequences)"
        in result.output
    )
    result = runner.invoke(app, ["train", str(train), "--task", "classify", "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "--task classify needs --sequence-col" in result.output
    result = runner.invoke(
        app, ["train", str(train), "--task", "classify", *COLS, "--lookback", "5", "--out", "m"]
    )
    assert (
        result.exit_code == 2
        and "--lookback belongs to --task forecast, not --task classify" in result.output
    )
    result = runner.invoke(app, ["train", str(train), "--target", "a", "--label-col", "label", "--out", "m"])
    assert result.exit_code == 2 and "--label-col belongs to --task classify" in result.output

    one_class = pd.read_csv(train).query("label == 'slow'")
    one_class.to_csv(tmp_path / "one.csv", index=False)
    result = runner.invoke(
        app, ["train", str(tmp_path / "one.csv"), "--task", "classify", *COLS, *FAST, "--out", "m"]
    )
    assert result.exit_code == 2 and "has only one class ('slow' for all 10 sequences)" in result.output
    assert "Traceback" not in result.output

    model = tmp_path / "model"
    assert (
        runner.invoke(
            app,
            [
                "train",
                str(train),
                "--task",
                "classify",
                *COLS,
                "--categorical",
                "mood",
                *FAST,
                "--out",
                str(model),
            ],
        ).exit_code
        == 0
    )
    pd.read_csv(test).drop(columns="b").to_csv(tmp_path / "no_b.csv", index=False)
    result = runner.invoke(
        app, ["predict", str(model), str(tmp_path / "no_b.csv"), "--out", str(tmp_path / "p.csv")]
    )
    assert (
        result.exit_code == 2
        and "the data lacks channel(s) ['b'] that the model was trained on" in result.output
    )
    result = runner.invoke(app, ["evaluate", str(model), str(test), "--test-size", "3"])
    assert result.exit_code == 2 and "--test-size applies to forecasters" in result.output
