"""lstmkit tune: Optuna over the [search] space, folds inside the training part only, pruning fed fold by fold,
the default scored beside the trials; one run-config loader for train, tune and backtest."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import FAST, seasonal_frame
from lstmkit import ConfigError
from lstmkit.cli import app
from lstmkit.config import load_run_config

optuna = pytest.importorskip("optuna", reason="the tune extra is not installed (pip install 'lstmkit[tune]')")

from lstmkit.forecasting.tuning import search_space, tune  # noqa: E402

runner = CliRunner()
TINY = {k: v for k, v in FAST.items() if k != "verbose"} | {"max_epochs": 2, "patience": None}


def config(**search) -> dict:
    return {
        "data": {"target": "y", "time_col": "timestamp", "test_size": 12},
        "forecaster": TINY | {"lookback": 12, "horizon": 6},
        "search": search or {"lookback": [12, 24], "lr": {"low": 1e-3, "high": 1e-2, "log": True}},
        "tune": {"folds": 2, "fold_size": 6},
    }


def test_tune_scores_trials_on_folds_inside_the_training_part():
    data = seasonal_frame(96)
    result = tune(config(), data, trials=3)
    table = result.trials
    assert len(table) == 3 and set(table["state"]) <= {"COMPLETE", "PRUNED"}
    assert {"number", "state", "score", "fold_1", "seconds", "lookback", "lr"} <= set(table.columns)
    assert set(table["lookback"]) <= {12, 24} and table["lr"].between(1e-3, 1e-2).all()
    assert result.best_params["lookback"] in (12, 24)
    assert result.beat_default == (result.best_score < result.default_score)
    assert result.model.test_size_ == 12  # refit on the whole training part, the test part held out
    assert result.model.lookback == result.params["lookback"]  # the winner's (or the default's) parameters
    complete = [t for t in result.study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert all(sorted(t.intermediate_values) == [1, 2] for t in complete)  # each fold reported, for pruning
    assert "trials" in result.summary() and ("beat the default" in result.summary())


def test_the_test_part_is_never_seen():
    data = seasonal_frame(96)
    spoiled = data.copy()
    spoiled.loc[spoiled.index[-12:], "y"] *= 1000  # only the test part changes
    clean, dirty = tune(config(), data, trials=2), tune(config(), spoiled, trials=2)
    assert clean.default_score == dirty.default_score
    assert clean.trials["score"].tolist() == dirty.trials["score"].tolist()


def test_a_trial_the_data_cannot_hold_fails_and_the_search_goes_on():
    result = tune(config(lookback=[12, 70]), seasonal_frame(96), trials=4, seed=1)
    failed = result.trials[result.trials["state"] == "FAIL"]
    assert len(failed) and (failed["lookback"] == 70).all()
    assert failed["error"].str.contains("lookback=70").all()
    assert result.best_params == {"lookback": 12}


@pytest.mark.parametrize("search, message", [
    ({"lookbak": [12]}, "'lookbak' is not a Forecaster parameter. Did you mean 'lookback'?"),
    ({"horizon": [6, 12]}, "'horizon' cannot be searched: it is what the model forecasts"),
    ({"lr": {"low": 1e-2, "high": 1e-3}}, "lr needs numbers low < high"),
    ({"lr": {"low": 0, "high": 1e-3, "log": True}}, "on a log scale needs low > 0"),
])
def test_a_bad_search_space_is_one_line(search, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        search_space(load_run_config(config(**search)).search)


@pytest.mark.parametrize("change, message", [
    ({"serach": {}}, "Did you mean 'search'?"),
    ({"tune": {"trails": 3}}, r"\[tune\] has no key 'trails'.*Did you mean 'trials'\?"),
    ({"search": {"lr": {"lo": 1e-3, "high": 1e-2}}}, r"\[search.lr\] has no key 'lo'.*Did you mean 'low'\?"),
    ({"search": {"lookback": 24}}, r"must be a list of choices"),
])
def test_the_one_config_loader_refuses_unknown_keys_with_the_closest(change, message):
    with pytest.raises(ConfigError, match=message):
        load_run_config(config() | change)


def test_ranges_are_integers_or_floats_by_their_bounds():
    dims = {d.name: d for d in search_space({"hidden_size": {"low": 8, "high": 32, "step": 8},
                                            "dropout": {"low": 0, "high": 0.5}})}
    study = optuna.create_study()
    trial = study.ask()
    assert dims["hidden_size"].suggest(trial) in (8, 16, 24, 32)
    assert isinstance(dims["dropout"].suggest(trial), float)


def test_a_missing_extra_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ConfigError, match=r"needs Optuna.*pip install 'lstmkit\[tune\]'"):
        tune(config(), seasonal_frame(96), trials=1)


def write_toml(tmp_path) -> tuple:
    data = tmp_path / "series.csv"
    seasonal_frame(96).to_csv(data, index=False)
    toml = tmp_path / "run.toml"
    toml.write_text(
        '[data]\ntarget = "y"\ntime_col = "timestamp"\ntest_size = 12\n\n'
        '[forecaster]\nlookback = 12\nhorizon = 6\nhidden_size = 16\nmax_epochs = 2\nbatch_size = 32\n'
        'device = "cpu"\n\n[search]\nlookback = [12, 24]\n\n[tune]\nfolds = 2\nfold_size = 6\n'
    )
    return data, toml


def test_cli_tune_saves_the_winner_and_the_trials(tmp_path):
    data, toml = write_toml(tmp_path)
    out, csv = tmp_path / "tuned", tmp_path / "trials.csv"
    result = runner.invoke(app, ["tune", str(toml), str(data), "--trials", "2", "--out", str(out),
                                 "--trials-csv", str(csv), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"default_score", "best_score", "beat_default", "best_params", "trials"} <= set(report)
    assert len(pd.read_csv(csv)) == 2 and (out / "config.json").exists()
    saved = json.loads((out / "config.json").read_text())
    assert saved["params"]["lookback"] == report["params"]["lookback"] and saved["fitted"]["test_size"] == 12
    result = runner.invoke(app, ["tune", str(toml), str(data), "--trials", "1", "--out", str(tmp_path / "t2")])
    assert result.exit_code == 0, result.output
    assert "default" in result.output and "trials" in result.output
    help_text = runner.invoke(app, ["tune", "--help"]).output
    assert "Example" in help_text and "lstmkit tune" in help_text


def test_cli_train_reads_the_same_config_and_the_command_line_wins(tmp_path):
    data, toml = write_toml(tmp_path)
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", str(data), "--config", str(toml), "--hidden-size", "8", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "config.json").read_text())
    assert saved["params"]["hidden_size"] == 8  # typed on the command line
    assert saved["params"]["max_epochs"] == 2 and saved["params"]["lookback"] == 12  # from [forecaster]
    assert saved["fitted"]["test_size"] == 12 and saved["preparation"]["columns"]["target"] == "y"  # from [data]
    bad = tmp_path / "bad.toml"
    bad.write_text('[data]\ntarget = "y"\n[forecaster]\nlookbak = 12\n')
    result = runner.invoke(app, ["train", str(data), "--config", str(bad), "--out", str(tmp_path / "m2")])
    assert result.exit_code == 2 and "Did you mean 'lookback'?" in result.output
    assert np.isfinite(saved["history"][-1]["train_loss"])
