from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmkit import make_windows
from lstmkit.exceptions import ConfigError, DataError
from lstmkit.forecasting.windows import gather, inference_chunk, window_starts


def test_windows_hand_worked():
    series = np.arange(6.0)[:, None]  # 0 1 2 3 4 5
    X, y = make_windows(series, lookback=3, horizon=2)
    assert X.shape == (2, 3, 1) and y.shape == (2, 2, 1)  # 6 - 3 - 2 + 1 = 2 windows
    assert X[1, :, 0].tolist() == [1, 2, 3] and y[1, :, 0].tolist() == [4, 5]


def test_make_windows_are_views():
    series = np.random.default_rng(0).normal(size=(50, 3))
    X, y = make_windows(series, 10, 2)
    assert np.shares_memory(X, series) and np.shares_memory(y, series)


def test_make_windows_errors():
    with pytest.raises(DataError, match="needs at least 12"):
        make_windows(np.arange(5.0), 10, 2)
    with pytest.raises(ConfigError, match="lookback must be a positive integer; got 0"):
        make_windows(np.arange(5.0), 0, 1)
    with pytest.raises(ConfigError, match="horizon must be a positive integer; got -1"):
        make_windows(np.arange(5.0), 2, -1)


lengths = st.lists(st.integers(0, 40), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(lengths=lengths, lookback=st.integers(1, 8), horizon=st.integers(1, 4), test=st.integers(0, 6))
def test_every_window_is_its_slice_and_stays_in_its_series(lengths, lookback, horizon, test):
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    buffer = np.arange(offsets[-1] * 2, dtype=np.float32).reshape(-1, 2)  # row r = [2r, 2r + 1]
    cut = np.maximum(np.array(lengths) - test, 0)
    starts = window_starts(offsets, lookback, horizon, last_target=cut)
    series = np.searchsorted(offsets, starts, side="right") - 1
    span = lookback + horizon
    # never crosses into the next series, never reaches the test part
    assert np.all(starts + span <= offsets[series] + cut[series])
    assert np.all(starts >= offsets[series])
    # every allowed window is there exactly once
    assert len(starts) == sum(max(c - span + 1, 0) for c in cut)
    assert len(np.unique(starts)) == len(starts)
    if len(starts):
        x, y = gather(torch.from_numpy(buffer), torch.from_numpy(starts), lookback, horizon)
        for i in range(len(starts)):
            s = starts[i]
            np.testing.assert_array_equal(x[i].numpy(), buffer[s : s + lookback])
            np.testing.assert_array_equal(y[i].numpy(), buffer[s + lookback : s + span, 0])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 60), lookback=st.integers(1, 6), horizon=st.integers(1, 3), data=st.data())
def test_windows_with_a_gap_are_skipped(n, lookback, horizon, data):
    gap = data.draw(st.integers(0, n - 1))
    valid = np.ones(n, dtype=bool)
    valid[gap] = False
    starts = window_starts(np.array([0, n]), lookback, horizon, valid_rows=valid)
    span = lookback + horizon
    expected = [s for s in range(n - span + 1) if not (s <= gap < s + span)]
    assert starts.tolist() == expected


def test_validation_windows_follow_training_windows():
    offsets = np.array([0, 20])
    train = window_starts(offsets, 4, 2, last_target=np.array([15]))
    val = window_starts(offsets, 4, 2, first_target=np.array([15]), last_target=np.array([18]))
    assert train.max() + 6 == 15  # last training target is row 14
    assert val.tolist() == [10, 11, 12]  # last targets at rows 15, 16, 17


@pytest.mark.parametrize("steps", [None, 4])
def test_ranks_draw_disjoint_equal_shares(steps):
    from lstmkit.forecasting.windows import WindowBatches

    buffer = torch.arange(103, dtype=torch.float32)[:, None]
    starts = torch.arange(100)
    batches = WindowBatches(buffer, starts, 2, 1, batch_size=8, steps_per_epoch=steps)
    seen = []
    for rank in range(3):
        xs = [x[:, 0, 0].long() for x, _ in batches.epoch(torch.Generator().manual_seed(5), rank, 3)]
        seen.append(xs)
    assert len({len(xs) for xs in seen}) == 1  # same number of steps on every rank
    if steps is None:
        flat = [torch.cat(xs) for xs in seen]
        assert sum(len(f) for f in flat) == 99  # 100 // 3 * 3
        assert len(torch.unique(torch.cat(flat))) == 99  # disjoint
    else:
        for step in range(steps):  # the same step on two ranks draws different windows
            assert not torch.equal(seen[0][step], seen[1][step])


def test_inference_chunk_bounds_the_lstm_output():
    assert inference_chunk(128, 64) == 1024  # 1024 x 128 x 64 float32 = 32 MiB
    assert inference_chunk(10_000, 512) == 64  # never below 64 windows


def test_forecasts_do_not_depend_on_the_inference_chunk(monkeypatch, monthly):
    from lstmkit import Forecaster
    from lstmkit.forecasting import windows
    from lstmkit.forecasting.inference import predict_inputs

    model = Forecaster(hidden_size=8, num_layers=1, max_epochs=1, verbose=0, device="cpu")
    model.fit(monthly, target="y", time_col="timestamp")
    x = torch.randn(200, model.lookback_, 1, generator=torch.Generator().manual_seed(0))
    whole = predict_inputs(model.net_, x)  # (200, H) in one pass
    monkeypatch.setattr(windows, "INFERENCE_BYTES", 1)  # 64 windows per pass: 4 passes
    np.testing.assert_allclose(predict_inputs(model.net_, x), whole, rtol=1e-5, atol=1e-6)
