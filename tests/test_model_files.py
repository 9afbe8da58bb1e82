"""Model folders: the schema checked on load (every hostile value -> one line, exit 2, no traceback, no hang),
old format versions still load with identical outputs, and lstmkit.load picks the estimator."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lstmkit
from conftest import seasonal_frame
from lstmkit import Forecaster, LSTMClassifier, LSTMRegressor, ModelFileError, SequenceClassifier
from lstmkit.cli import app

V1 = Path(__file__).parent / "data" / "v1"
runner = CliRunner()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small forecaster with a categorical covariate, saved; each test copies it."""
    root = tmp_path_factory.mktemp("saved")
    data = seasonal_frame(72)
    data.to_csv(root / "data.csv", index=False)
    model = Forecaster(hidden_size=8, max_epochs=1, verbose=0, device="cpu")
    model.fit(data, target="y", time_col="timestamp", categorical="kind", test_size=12)
    model.save(root / "model")
    return root


def damaged(saved, tmp_path, change) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(saved / "model", folder)
    config = json.loads((folder / "config.json").read_text())
    change(config)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def set_at(path: str, value):
    def change(config):
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


HOSTILE = [
    ("fitted.lookback", 0, r"fitted.lookback = 0, expected an integer >= 1"),
    ("fitted.lookback", "24", r"fitted.lookback = '24', expected an integer, got text"),
    ("fitted.horizon", -3, r"fitted.horizon = -3, expected an integer >= 1"),
    ("network.hidden_size", 10**9, r"network.hidden_size = 1000000000, expected an integer <= 8192"),
    ("network.num_layers", 500, r"network.num_layers = 500, expected an integer <= 32"),
    ("network.window_norm", "lst", r"network.window_norm = 'lst', which is not one of the values allowed"),
    ("network.dropout", 1.5, r"network.dropout = 1.5, expected a number < 1"),
    ("fitted.freq", "every tuesday", r"fitted.freq = 'every tuesday' is not a pandas frequency"),
    ("fitted.mase_scale.0", math.nan, r"fitted.mase_scale holds nan, expected finite numbers > 0"),
    ("preparation.categories", ["a", "b"], r"preparation.categories = \['a', 'b'\], expected an object"),
    ("preparation.scale.0.0", 0.0, r"preparation.scale\[0\]\[0\] = 0.0, expected a finite number > 0"),
    ("preparation.loc.0.0", math.inf, r"preparation.loc\[0\]\[0\] = inf, expected a finite number"),
    ("training.max_epochs", 0, r"training.max_epochs = 0, expected an integer >= 1"),
    ("format_version", "2", r"format_version = '2', expected an integer"),
    ("network.input_size", 7, r"network.input_size = 7 but fitted.feature_names has 4 names"),
    ("network.ses_alpha", 0, r"network.ses_alpha = 0, expected a number > 0"),
    ("network.holt.1", 3, r"network.holt\[1\] = 3, expected a number <= 1"),
    ("fitted.selection.chosen", 999, r"fitted.selection: .* chosen 999; expected .* a chosen one among them"),
]


@pytest.mark.parametrize(("path", "value", "message"), HOSTILE, ids=[f"{p}={v!r}" for p, v, _ in HOSTILE])
def test_a_damaged_value_is_one_line_and_exit_2(saved, tmp_path, path, value, message):
    folder = damaged(saved, tmp_path, set_at(path, value))
    with pytest.raises(ModelFileError, match=message):
        Forecaster.load(folder)
    result = runner.invoke(app, ["evaluate", str(folder), str(saved / "data.csv")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1, result.output
    assert f"model folder {str(folder)!r} is damaged" in " ".join(result.output.split())


def test_nan_weights_are_refused(saved, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = damaged(saved, tmp_path, lambda c: None)
    tensors = load_file(folder / "weights.safetensors")
    tensors["members.0.head.bias"][0] = float("nan")  # the default on small data: an ensemble of 3
    save_file(tensors, folder / "weights.safetensors")
    with pytest.raises(ModelFileError, match="weights.*head.bias.*not finite"):
        Forecaster.load(folder)


def test_json_nested_too_deeply_is_refused(saved, tmp_path):
    folder = damaged(saved, tmp_path, lambda c: None)
    (folder / "config.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(ModelFileError, match="nests its JSON too deeply"):
        lstmkit.load(folder)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_or_a_device_is_never_read(saved, tmp_path):
    folder = damaged(saved, tmp_path, lambda c: None)
    (folder / "config.json").unlink()
    os.mkfifo(folder / "config.json")  # opening it would block forever
    with pytest.raises(ModelFileError, match="is not a regular file"):
        lstmkit.load(folder)
    (folder / "config.json").unlink()
    shutil.copy(saved / "model" / "config.json", folder / "config.json")
    (folder / "weights.safetensors").unlink()
    (folder / "weights.safetensors").symlink_to("/dev/zero")  # reading it would fill memory
    with pytest.raises(ModelFileError, match="is not a regular file"):
        lstmkit.load(folder)


def test_a_huge_config_is_refused_without_reading_it(saved, tmp_path):
    folder = damaged(saved, tmp_path, lambda c: None)
    with open(folder / "config.json", "r+b") as handle:
        handle.truncate(2**31)  # sparse: 2 GB on paper, nothing on disk
    with pytest.raises(ModelFileError, match="more than the .* an lstmkit model file may have"):
        lstmkit.load(folder)


def test_format_version_1_folders_load_with_identical_outputs():
    data = pd.read_csv(V1 / "monthly.csv")
    model = lstmkit.load(V1 / "forecaster")
    assert isinstance(model, Forecaster)
    expected = pd.read_csv(V1 / "forecaster_predict.csv")
    np.testing.assert_array_equal(model.predict(data)["forecast"].to_numpy(), expected["forecast"].to_numpy())
    sequences = pd.read_csv(V1 / "sequences.csv")
    classifier = lstmkit.load(V1 / "classifier")
    assert isinstance(classifier, SequenceClassifier)
    proba = classifier.predict_proba(sequences)
    expected = pd.read_csv(V1 / "classifier_proba.csv")
    np.testing.assert_allclose(proba.filter(like="proba_").to_numpy(), expected.filter(like="proba_").to_numpy(),
                               rtol=0, atol=1e-7)
    arrays = np.load(V1 / "arrays.npz")
    regressor, array_classifier = lstmkit.load(V1 / "regressor"), lstmkit.load(V1 / "array_classifier")
    assert isinstance(regressor, LSTMRegressor) and isinstance(array_classifier, LSTMClassifier)
    np.testing.assert_allclose(regressor.predict(arrays["X"]), arrays["reg"], rtol=1e-6)
    np.testing.assert_allclose(array_classifier.predict_proba(arrays["X"]), arrays["proba"], rtol=1e-6)


def test_a_saved_folder_is_written_in_the_current_format(saved):
    config = json.loads((saved / "model" / "config.json").read_text())
    assert config["format_version"] == 2 and config["versions"]["lstmkit"] == lstmkit.__version__
    assert any(k.startswith("members.0.encoder.lstm.") for k in _tensor_names(saved / "model"))


def _tensor_names(folder: Path) -> list[str]:
    from safetensors import safe_open

    with safe_open(folder / "weights.safetensors", framework="pt") as handle:
        return list(handle.keys())
