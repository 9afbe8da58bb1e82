"""The lookback chosen on the validation part: what is tried, what is kept, and that the test part is never read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import FAST, seasonal_frame
from lstmkit import Forecaster, load
from lstmkit.forecasting.selection import LOOKBACK_FACTORS, SELECT_WINDOWS

FIT = dict(target="y", time_col="timestamp")
TINY = dict(FAST) | {"max_epochs": 2}


def test_lookbacks_around_the_default_are_tried_and_the_best_on_validation_kept(tmp_path, monthly):
    model = Forecaster(**TINY).fit(monthly, **FIT, test_size=12)
    chosen = model.selection_
    assert chosen.lookbacks[0] == 24 and set(chosen.lookbacks) <= {round(24 * f) for f in LOOKBACK_FACTORS}
    assert len(chosen.lookbacks) > 1 and chosen.scores[0] == pytest.approx(2.0)  # the default's own score
    assert chosen.chosen == chosen.lookbacks[int(np.argmin(chosen.scores))] == model.lookback_
    assert "chosen on validation" in repr(model) and f"lookback {model.lookback_} chosen" in chosen.describe()
    model.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.selection_ == chosen
    np.testing.assert_array_equal(loaded.predict(monthly)["forecast"], model.predict(monthly)["forecast"])


def test_the_test_part_never_moves_the_choice(monthly):
    changed = monthly.copy()
    changed.loc[changed.index[-12:], "y"] = np.linspace(0, 500, 12)  # only the test part
    first = Forecaster(**TINY).fit(monthly, **FIT, test_size=12)
    second = Forecaster(**TINY).fit(changed, **FIT, test_size=12)
    assert first.selection_ == second.selection_
    np.testing.assert_array_equal(first.predict(monthly.iloc[:-12])["forecast"],
                                  second.predict(monthly.iloc[:-12])["forecast"])


def test_a_given_lookback_is_kept(monthly):
    model = Forecaster(**TINY | {"lookback": 18}).fit(monthly, **FIT, test_size=12)
    assert model.lookback_ == 18 and model.selection_ is None


def test_candidates_keep_every_series_and_its_evaluation():
    """A yearly panel with two short series: lookbacks that would leave them no training window, or no room to
    be evaluated, are not tried."""
    rng = np.random.default_rng(0)
    parts = [pd.DataFrame({"timestamp": pd.date_range("1950", periods=n, freq="YS"), "id": f"s{i}",
                           "y": 100 + np.cumsum(rng.normal(1, 3, n))}) for i, n in enumerate([20] * 2 + [40] * 8)]
    data = pd.concat(parts, ignore_index=True)
    model = Forecaster(**TINY | {"horizon": 3}).fit(data, **FIT, id_col="id", test_size=3)
    tried = model.selection_.lookbacks
    assert len(tried) > 1 and max(tried) < 2 * tried[0]  # twice the default would drop the short series
    shortest_train = 20 - 3
    assert all(lb + 3 + 1 <= 20 for lb in tried)  # every series can still be evaluated
    assert all(lb + 3 <= shortest_train for lb in tried)  # and keeps a training window
    assert len(model.prep_.ids_) == 10
    assert model.evaluate(data).metrics["rolling"]["lstm"]["n"] == 30


def test_large_data_keep_the_default_lookback():
    data = seasonal_frame(n=int(SELECT_WINDOWS / 0.9) + 200)  # 10 % validation: still above SELECT_WINDOWS windows
    model = Forecaster(**TINY | {"max_epochs": 1, "steps_per_epoch": 2}).fit(data, **FIT, test_size=12)
    assert model.selection_ is None and model.lookback_ == 24


def test_the_progress_lines_say_which_network_trains(monthly, capsys):
    Forecaster(**TINY | {"verbose": 2, "ensemble": 2}).fit(monthly, **FIT, test_size=12)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("lookback 24, 1 of 4: epoch 1/2")
    assert any(line.startswith("lookback 48, 4 of 4: epoch") for line in lines)
    assert lines[-1].startswith("network 2 of 2: epoch 2/2")


def test_a_named_anchor_is_tried_only_at_lookbacks_that_compute_it(monthly):
    model = Forecaster(**TINY | {"window_norm": "cycle"}).fit(monthly, **FIT, test_size=12)  # cycle: 2 seasons
    assert 12 not in model.selection_.lookbacks and min(model.selection_.lookbacks) >= 24
    assert set(model.net_config_.anchors) == {"cycle"}


def test_fine_tuning_keeps_the_source_lookback(monthly):
    source = Forecaster(**TINY | {"lookback": 36}).fit(monthly, **FIT, test_size=12)
    tuned = Forecaster(**TINY).fit(monthly, **FIT, test_size=12, init_from=source)
    assert tuned.lookback_ == 36 and tuned.selection_ is None


def test_each_lookback_tried_checkpoints_apart_and_all_go_with_the_model(tmp_path, monthly):
    from lstmkit.checkpoints import remove_checkpoint

    folder = tmp_path / "m"
    ckpt = tmp_path / ".m.checkpoint"
    model = Forecaster(**TINY | {"ensemble": 2}).fit(monthly, **FIT, test_size=12, checkpoint_dir=ckpt)
    names = sorted(p.name for p in tmp_path.iterdir())
    tried = [lb for lb in model.selection_.lookbacks[1:]]
    assert ".m.checkpoint" in names and all(f".m.checkpoint-member-lookback-{lb}" in names for lb in tried)
    second = ".m.checkpoint-member-1" if model.lookback_ == 24 else f".m.checkpoint-member-lookback-{model.lookback_}-member-1"
    assert second in names  # the kept lookback's other members beside its first: a resume that keeps another is not refused
    again = Forecaster(**TINY | {"ensemble": 2}).fit(monthly, **FIT, test_size=12, checkpoint_dir=ckpt, resume=True)
    assert again.selection_ == model.selection_ and again.history_ == model.history_
    model.save(folder)
    remove_checkpoint(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
