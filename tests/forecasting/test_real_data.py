"""End to end on the real airline file in ../shared (skipped where ../shared is absent)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import shared_file
from lstmkit.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_airline_cli_end_to_end_beats_seasonal_naive(tmp_path):
    data = str(shared_file("forecasting", "airline.csv"))
    model = str(tmp_path / "model")
    result = runner.invoke(
        app, ["train", data, "--target", "passengers", "--time-col", "timestamp", "--test-size", "24", "--out", model, "-q"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", model, data, "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    rolling = metrics["rolling"]
    assert rolling["naive"]["mae"] == pytest.approx(44.208, abs=1e-2)  # the peers' figure (PEERS.md)
    assert rolling["lstm"]["mase"] < rolling["seasonal_naive"]["mase"]
    assert metrics["multistep"]["lstm"]["mase"] < metrics["multistep"]["seasonal_naive"]["mase"]
    result = runner.invoke(app, ["predict", model, data, "--out", str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
