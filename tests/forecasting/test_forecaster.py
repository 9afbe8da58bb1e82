from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import DEVICE
from lstmkit import ConfigError, DataError, Forecaster, ModelFileError, NotFittedError

FIT = dict(target="y", time_col="timestamp")


def test_fit_returns_self_and_learns_shapes(monthly, fast):
    model = Forecaster(**fast)
    assert model.fit(monthly, **FIT, test_size=12) is model
    assert (model.horizon_, model.season_, model.freq_) == (12, 12, "MS")
    assert model.selection_.lookbacks[0] == 24 and model.lookback_ == model.selection_.chosen  # default: 2 seasons
    assert model.n_features_in_ == 1 and len(model.history_) == 3


def test_not_fitted(monthly):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Forecaster().predict(monthly)
    with pytest.raises(ValueError):  # NotFittedError is a ValueError too
        Forecaster().save("x")


def test_predict_continues_the_timestamps(monthly, fast):
    model = Forecaster(**fast).fit(monthly, **FIT)
    out = model.predict(monthly, steps=30)  # beyond H: recursive
    assert list(out.columns) == ["timestamp", "forecast"]
    assert out["timestamp"].iloc[0] == pd.Timestamp("2010-01-01")
    assert out["timestamp"].iloc[-1] == pd.Timestamp("2012-06-01")
    assert np.isfinite(out["forecast"]).all()


def test_covariates_cannot_run_past_the_horizon(monthly, fast):
    model = Forecaster(**fast).fit(monthly, **FIT, features=["temp"], categorical=["kind"])
    assert model.predict(monthly, steps=12).shape == (12, 2)
    with pytest.raises(ConfigError, match="cannot run on to 13 steps"):
        model.predict(monthly, steps=13)


def test_same_seed_same_model(monthly, fast):
    a = Forecaster(**fast, random_state=3).fit(monthly, **FIT).predict(monthly)
    b = Forecaster(**fast, random_state=3).fit(monthly, **FIT).predict(monthly)
    c = Forecaster(**fast, random_state=4).fit(monthly, **FIT).predict(monthly)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["forecast"], c["forecast"])


def test_evaluate_scores_lstm_beside_baselines_on_the_same_points(monthly, fast):
    model = Forecaster(**fast).fit(monthly, **FIT, test_size=24)
    ev = model.evaluate(monthly)
    assert set(ev.metrics) == {"rolling", "multistep"}
    for block in ev.metrics.values():
        assert set(block) == {"lstm", "naive", "seasonal_naive"}
        assert {m["n"] for m in block.values()} == {24}
        assert set(block["lstm"]) >= {"mae", "rmse", "mape", "smape", "mase"}
    # baselines by hand: naive is y[t-1], seasonal naive y[t-12]; MASE scale from the training part
    y = monthly["y"].to_numpy()
    t = np.arange(96, 120)
    scale = np.mean(np.abs(y[12:96] - y[:84]))
    assert ev.metrics["rolling"]["naive"]["mae"] == pytest.approx(np.mean(np.abs(y[t] - y[t - 1])))
    assert ev.metrics["rolling"]["seasonal_naive"]["mase"] == pytest.approx(np.mean(np.abs(y[t] - y[t - 12])) / scale)
    # multi-step: origins 96 and 108, naive repeats y[95] and y[107]
    f = np.r_[np.full(12, y[95]), np.full(12, y[107])]
    assert ev.metrics["multistep"]["naive"]["mae"] == pytest.approx(np.mean(np.abs(y[t] - f)))
    assert ev.multistep["ahead"].tolist() == list(range(1, 13)) * 2


def test_rolling_uses_only_the_past(monthly, fast):
    """Changing a test value changes only forecasts made after it."""
    model = Forecaster(**fast).fit(monthly, **FIT, test_size=24)
    changed = monthly.copy()
    changed.loc[100, "y"] += 50
    a = model.evaluate(monthly).rolling["lstm"].to_numpy()
    b = model.evaluate(changed).rolling["lstm"].to_numpy()
    first_after = 100 - 96 + 1
    np.testing.assert_array_equal(a[:first_after], b[:first_after])
    assert not np.allclose(a[first_after:], b[first_after:])


def test_test_rows_never_influence_training(monthly, fast):
    a = Forecaster(**fast).fit(monthly, **FIT, test_size=20)
    changed = monthly.copy()
    changed.loc[100:, "y"] = 1e6
    b = Forecaster(**fast).fit(changed, **FIT, test_size=20)
    for pa, pb in zip(a.net_.parameters(), b.net_.parameters()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)


def test_save_load_identical_in_a_new_process(tmp_path, monthly, fast):
    model = Forecaster(**fast).fit(monthly, **FIT, features=["temp"], categorical=["kind"], test_size=12)
    model.save(tmp_path / "m")
    data = tmp_path / "data.csv"
    monthly.to_csv(data, index=False)
    expected = model.predict(data)
    code = (
        "import sys, torch, lstmkit; torch.set_num_threads(1); m = lstmkit.Forecaster.load(sys.argv[1]); "  # same threads: same sums
        "m.predict(sys.argv[2]).to_csv(sys.argv[3], index=False)"
    )
    subprocess.run([sys.executable, "-c", code, tmp_path / "m", data, tmp_path / "p.csv"], check=True)
    got = pd.read_csv(tmp_path / "p.csv", float_precision="round_trip")  # exact float text
    np.testing.assert_array_equal(got["forecast"].to_numpy(), expected["forecast"].to_numpy())
    # the model folder holds JSON and safetensors only
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "weights.safetensors"]
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["format"] == "lstmkit-model" and config["fitted"]["lookback"] == model.lookback_


def test_saved_files_get_the_usual_permissions(tmp_path, monthly, fast):
    """Atomic writes go through tempfile (0600 / 0700); the files left behind must read like any other."""
    import os
    import stat

    from lstmkit.artifact import write_atomic

    old = os.umask(0o022)
    try:
        Forecaster(**fast).fit(monthly, **FIT).save(tmp_path / "m")
        write_atomic(tmp_path / "p.csv", lambda tmp: tmp.write_text("a\n"))
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [tmp_path / "m", *(tmp_path / "m").iterdir()]}
    assert modes == {"m": 0o755, "config.json": 0o644, "weights.safetensors": 0o644}
    assert stat.S_IMODE((tmp_path / "p.csv").stat().st_mode) == 0o644


def test_load_names_a_data_file_given_as_the_model(tmp_path):
    (tmp_path / "daily.csv").write_text("t,y\n")
    with pytest.raises(ModelFileError, match="is a file, not a model folder.*predict MODEL DATA"):
        Forecaster.load(tmp_path / "daily.csv")


def test_save_refuses_a_foreign_folder(tmp_path, monthly, fast):
    model = Forecaster(**fast).fit(monthly, **FIT)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("precious")
    with pytest.raises(ModelFileError, match="is not an lstmkit model; refusing to replace it"):
        model.save(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "precious"
    model.save(tmp_path / "m")
    model.save(tmp_path / "m")  # an lstmkit model is replaced
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: d.mkdir(), "has no config.json"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text("{oops")), "is not valid JSON"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text('{"format": "other"}')), "is not an lstmkit model"),
        (lambda d: None, "does not exist"),
    ],
)
def test_load_errors(tmp_path, setup, message):
    setup(tmp_path / "m")
    with pytest.raises(ModelFileError, match=message):
        Forecaster.load(tmp_path / "m")


def test_load_damaged_weights(tmp_path, monthly, fast):
    Forecaster(**fast).fit(monthly, **FIT).save(tmp_path / "m")
    (tmp_path / "m" / "weights.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="cannot be read"):
        Forecaster.load(tmp_path / "m")


def test_too_short_series(monthly, fast):
    with pytest.raises(DataError, match=r"has 30 time steps, but lookback=24 \+ horizon=12"):
        Forecaster(**fast | {"lookback": 24}).fit(monthly.head(30), **FIT)
    with pytest.raises(DataError, match=r"has 12 time steps, but lookback=\d+ \+ horizon=12"):
        Forecaster(**fast | {"horizon": 12, "season": 12}).fit(monthly.head(12), **FIT)
    model = Forecaster(**fast).fit(monthly.head(40), **FIT)  # the default lookback fits the data
    assert model.lookback_ < 24


def test_bad_parameters(monthly, fast):
    with pytest.raises(ConfigError, match="lookback must be a positive integer; got 0"):
        Forecaster(**fast | {"lookback": 0}).fit(monthly, **FIT)
    with pytest.raises(ConfigError, match="horizon must be a positive integer; got -2"):
        Forecaster(**fast | {"horizon": -2}).fit(monthly, **FIT)
    with pytest.raises(ConfigError, match="loss='msa' is not one of .* Did you mean 'mse'"):
        Forecaster(**fast | {"loss": "msa"}).fit(monthly, **FIT)
    with pytest.raises(ConfigError, match="no parameter 'hiden_size'. Did you mean 'hidden_size'"):
        Forecaster().set_params(hiden_size=3)


def test_panel_global_model(panel, fast):
    model = Forecaster(**fast).fit(panel, **FIT, id_col="store", test_size=12)
    out = model.predict(panel)
    assert out.groupby("store").size().to_dict() == {"s0": 12, "s1": 12, "s2": 12}
    ev = model.evaluate(panel)
    assert ev.metrics["rolling"]["lstm"]["n"] == 36


def test_short_series_in_a_panel_are_skipped_with_one_warning(panel, fast):
    short = pd.DataFrame({"timestamp": pd.date_range("2000-01-01", periods=10, freq="MS"), "y": 1.0, "store": "tiny"})
    with pytest.warns(UserWarning, match=r"1 of 4 series are too short .*'tiny'"):
        model = Forecaster(**fast).fit(pd.concat([panel, short]), **FIT, id_col="store")
    assert model.prep_.ids_ == ["s0", "s1", "s2"]


def test_missing_values_and_drop(monthly, fast):
    monthly.loc[[5, 6], "y"] = np.nan  # drop keeps the windows from row 7 on
    for impute in ("interpolate", "drop"):
        model = Forecaster(**fast, impute=impute, missing_indicator=True).fit(monthly, **FIT, test_size=12)
        assert np.isfinite(model.evaluate(monthly).metrics["rolling"]["lstm"]["mae"])


def test_arrays_and_no_time_column(fast):
    y = np.sin(np.arange(300) / 5) + np.arange(300) / 100
    model = Forecaster(**fast, lookback=20, horizon=5).fit(y, test_size=30)
    out = model.predict(y, steps=7)
    assert out["step"].tolist() == list(range(300, 307))


def test_checkpoint_resume_matches_an_uninterrupted_run(tmp_path, monthly, fast):
    full = Forecaster(**fast | {"max_epochs": 4, "patience": None}).fit(monthly, **FIT)
    ckpt = tmp_path / "ckpt"
    Forecaster(**fast | {"max_epochs": 2, "patience": None}).fit(monthly, **FIT, checkpoint_dir=ckpt)
    resumed = Forecaster(**fast | {"max_epochs": 4, "patience": None}).fit(
        monthly, **FIT, checkpoint_dir=ckpt, resume=True
    )
    assert [r["epoch"] for r in resumed.history_] == [1, 2, 3, 4]
    assert [r["train_loss"] for r in resumed.history_] == pytest.approx([r["train_loss"] for r in full.history_])
    for pa, pb in zip(full.net_.parameters(), resumed.net_.parameters()):
        torch.testing.assert_close(pa, pb)


def test_checkpoint_keeps_the_loss_scale(tmp_path):
    """Under bf16 autocast on CUDA a gradient scaler runs; a resumed run continues from its scale, not from
    the initial 65,536 (which would skip steps until it backs off again). CPU scaler here, same code path."""
    from lstmkit.checkpoints import load_checkpoint as _load_checkpoint
    from lstmkit.checkpoints import save_checkpoint as _save_checkpoint

    def loop_parts():
        net = torch.nn.Linear(2, 1)
        optimizer = torch.optim.Adam(net.parameters())
        return net, optimizer, torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer), torch.Generator()

    net, optimizer, schedule, generator = loop_parts()
    scaler = torch.amp.GradScaler("cpu")
    scaler.scale(torch.ones(()))  # the scale exists once used
    scaler.update(new_scale=8.0)
    best = {k: v.clone() for k, v in net.state_dict().items()}
    _save_checkpoint(tmp_path / "ckpt", {"epoch": 3}, net, optimizer, schedule, generator, best, scaler)
    again = torch.amp.GradScaler("cpu")
    state, _ = _load_checkpoint(tmp_path / "ckpt", *loop_parts(), again)
    assert state == {"epoch": 3} and again.get_scale() == 8.0


def test_gaps_in_the_clock_are_named_once(fast):
    t = pd.date_range("2024-01-01", periods=400, freq="D")
    frame = pd.DataFrame({"t": t, "y": np.sin(np.arange(400) / 3.0)})
    holey = frame.drop(index=[*range(100, 110), 200])  # two places where days are missing
    with pytest.warns(UserWarning, match=r"2 gap\(s\) in the \S+ clock of 't': the first between 2024-04-09 00:00:00 and 2024-04-20"):
        Forecaster(**fast).fit(holey, target="y", time_col="t", test_size=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a regular clock, also several series of it: no warning
        panel = pd.concat([frame.assign(s="a"), frame.assign(s="b")])
        Forecaster(**fast).fit(panel, target="y", time_col="t", id_col="s", test_size=20)


def test_steps_per_epoch(monthly, fast):
    model = Forecaster(**fast | {"steps_per_epoch": 5, "max_epochs": 2}).fit(monthly, **FIT)
    assert len(model.history_) == 2


def test_repr_shows_changed_parameters():
    assert repr(Forecaster(lookback=7)) == "Forecaster(lookback=7)"


def test_predict_values_fast_path_matches_predict(monthly, fast):
    model = Forecaster(**fast).fit(monthly, **FIT, features=["temp"])
    expected = model.predict(monthly)["forecast"].to_numpy()
    got = model.predict_values(monthly[["y", "temp"]].to_numpy())
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    batch = model.predict_values(np.stack([monthly[["y", "temp"]].to_numpy()] * 3))
    assert batch.shape == (3, 12)
    with pytest.raises(DataError, match=r"values must be \(T, 2\) or \(S, T, 2\)"):
        model.predict_values(np.ones((30, 3)))


def _bf16_runs_here() -> bool:
    from lstmkit.training import check_precision

    try:
        check_precision("bf16", torch.device(DEVICE))
    except ConfigError:
        return False
    return True


def test_bf16_autocast_trains_in_bfloat16_and_keeps_float32_weights(tmp_path, monthly, fast):
    """Where the hardware has bfloat16 LSTM kernels; elsewhere (CPUs without AVX-512 BF16 or AMX, like
    this project's CI machines) fit refuses bf16 with one line before training instead of deep in the loop."""
    with pytest.raises(ConfigError, match="precision='bf61' is not one of fp32, bf16. Did you mean 'bf16'"):
        Forecaster(**fast, precision="bf61").fit(monthly, **FIT)
    if not _bf16_runs_here():
        with pytest.raises(ConfigError, match="precision='bf16' is not supported on this CPU.*Use --precision fp32"):
            Forecaster(**fast, precision="bf16").fit(monthly, **FIT)
        return
    fp32 = Forecaster(**fast).fit(monthly, **FIT)
    bf16 = Forecaster(**fast, precision="bf16").fit(monthly, **FIT)
    losses = [r["train_loss"] for r in bf16.history_]
    assert np.isfinite(losses).all()
    assert losses != [r["train_loss"] for r in fp32.history_]  # autocast really ran the forward in bfloat16
    assert {p.dtype for p in bf16.net_.parameters()} == {torch.float32}
    assert Forecaster.load(bf16.save(tmp_path / "m")).train_config_.precision == "bf16"


def test_resuming_a_run_that_stopped_early_trains_no_more(tmp_path, monthly, fast):
    """Every network a run finished (an ensemble's members, the lookbacks tried) resumes from its checkpoint:
    one that had stopped early stays exactly as it was."""
    params = fast | {"max_epochs": 40, "patience": 1, "lookback": 24}
    ckpt = tmp_path / "ckpt"
    first = Forecaster(**params).fit(monthly, **FIT, test_size=12, checkpoint_dir=ckpt)
    assert len(first.history_) < 40  # stopped early
    again = Forecaster(**params).fit(monthly, **FIT, test_size=12, checkpoint_dir=ckpt, resume=True)
    assert again.history_ == first.history_
    for a, b in zip(first.net_.parameters(), again.net_.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
