from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmkit.exceptions import ConfigError, DataError
from lstmkit.io import Columns, read_table
from lstmkit.prep import Preparer, PrepConfig

COLS = Columns(target="y", time_col="timestamp", features=("temp",), categorical=("kind",))


def fitted(frame, test_size=0, **config) -> Preparer:
    return Preparer(PrepConfig(**config), COLS).fit(read_table(frame, COLS), test_size)


@pytest.mark.parametrize("scaling", ["standard", "minmax", "robust", "none"])
def test_inverse_of_transform_is_identity(monthly, scaling):
    prep = fitted(monthly, scaling=scaling)
    panel = prep.transform(read_table(monthly, COLS))
    back = prep.inverse_target(panel.values[:, 0], np.zeros(len(monthly), dtype=int))
    np.testing.assert_allclose(back, monthly["y"], rtol=1e-5)


@settings(max_examples=50, deadline=None)
@given(
    values=arrays(np.float64, st.integers(8, 40), elements=st.floats(-1e4, 1e4)),
    scaling=st.sampled_from(["standard", "minmax", "robust", "none"]),
)
def test_inverse_transform_property(values, scaling):
    frame = pd.DataFrame({"y": values})
    cols = Columns(target="y")
    prep = Preparer(PrepConfig(scaling=scaling), cols).fit(read_table(frame, cols))
    panel = prep.transform(read_table(frame, cols))
    back = prep.inverse_target(panel.values[:, 0].astype("float64"), np.zeros(len(values), dtype=int))
    np.testing.assert_allclose(back, values, rtol=0, atol=1e-6 * (np.abs(values).max() + 1))


@settings(max_examples=40, deadline=None)
@given(test=st.integers(1, 50), junk=st.floats(-1e6, 1e6), scaling=st.sampled_from(["standard", "minmax", "robust"]))
def test_statistics_ignore_the_test_rows(test, junk, scaling):
    from conftest import seasonal_frame

    frame = seasonal_frame(120)
    changed = frame.copy()
    changed.loc[len(frame) - test :, ["y", "temp"]] = junk
    changed.loc[len(frame) - test :, "kind"] = "unseen"
    a, b = fitted(frame, test, scaling=scaling), fitted(changed, test, scaling=scaling)
    assert a.to_dict() == b.to_dict()


def test_one_hot_and_unseen_category(monthly):
    prep = fitted(monthly)
    assert prep.feature_names == ["y", "temp", "kind=a", "kind=b", "kind=c"]
    new = monthly.copy()
    new.loc[0, "kind"] = "zzz"
    with pytest.warns(UserWarning, match=r"1 value\(s\) not seen in training \('zzz'\); they are encoded as all zeros"):
        panel = prep.transform(read_table(new, COLS))
    assert panel.values[0, 2:].tolist() == [0, 0, 0]
    assert panel.values[1, 2:].sum() == 1


@pytest.mark.parametrize("method", ["interpolate", "ffill", "mean", "zero"])
def test_imputation_fills_every_gap(monthly, method):
    monthly.loc[[0, 10, 11, 50], "y"] = np.nan
    prep = fitted(monthly, impute=method)
    panel = prep.transform(read_table(monthly, COLS))
    assert np.isfinite(panel.values).all()
    assert np.isnan(panel.target[[0, 10, 11, 50]]).all()  # the original target keeps its gaps


def test_interpolate_is_linear(monthly):
    monthly.loc[11, "y"] = np.nan
    prep = fitted(monthly, scaling="none")
    panel = prep.transform(read_table(monthly, COLS))
    assert panel.values[11, 0] == pytest.approx((monthly["y"][10] + monthly["y"][12]) / 2)


def test_drop_leaves_gaps_and_indicator_marks_them(monthly):
    monthly.loc[[5, 6], "y"] = np.nan
    prep = fitted(monthly, impute="drop", missing_indicator=True)
    panel = prep.transform(read_table(monthly, COLS))
    assert np.isnan(panel.values[[5, 6], 0]).all()
    assert panel.values[[4, 5, 6, 7], 2].tolist() == [0, 1, 1, 0]
    assert not panel.valid_rows[5]


def test_per_series_scaling(panel):
    cols = Columns(target="y", time_col="timestamp", id_col="store")
    prep = Preparer(PrepConfig(), cols).fit(read_table(panel, cols))
    assert prep.ids_ == ["s0", "s1", "s2"]
    out = prep.transform(read_table(panel, cols))
    for s in range(3):
        part = out.values[out.offsets[s] : out.offsets[s + 1], 0]
        assert abs(part.mean()) < 1e-5 and abs(part.std() - 1) < 1e-3


def test_unknown_series_at_transform(panel):
    cols = Columns(target="y", time_col="timestamp", id_col="store")
    prep = Preparer(PrepConfig(), cols).fit(read_table(panel[panel.store != "s2"], cols))
    with pytest.raises(DataError, match=r"1 series were not in the training data, e.g. \['s2'\]"):
        prep.transform(read_table(panel, cols))


def test_state_round_trips_through_json(monthly):
    import json

    prep = fitted(monthly, 12, scaling="robust")
    again = Preparer.from_dict(json.loads(json.dumps(prep.to_dict())))
    a = prep.transform(read_table(monthly, COLS)).values
    b = again.transform(read_table(monthly, COLS)).values
    np.testing.assert_array_equal(a, b)


def test_bad_options():
    with pytest.raises(ConfigError, match="impute='interp' is not one of .* Did you mean 'interpolate'"):
        PrepConfig(impute="interp")


def test_pooled_statistics_cover_all_series_and_unseen_ones(panel):
    cols = Columns(target="y", time_col="timestamp", id_col="store")
    frame = read_table(panel, cols)
    prep = Preparer(PrepConfig(per_series=False), cols).fit(frame[frame.store != "s2"])
    pooled = frame.loc[frame.store != "s2", "y"]
    assert prep.loc_.shape == (1, 1) and prep.loc_[0, 0] == pytest.approx(pooled.mean())
    assert prep.scale_[0, 0] == pytest.approx(pooled.std(ddof=0))
    out = prep.transform(frame)  # 's2' was never seen: pooled statistics apply to it too
    assert out.ids == ["s0", "s1", "s2"] and out.series.tolist() == [0, 0, 0]
    np.testing.assert_allclose(out.values[:, 0], (frame["y"] - pooled.mean()) / pooled.std(ddof=0), rtol=1e-5)


def test_pooled_state_round_trips_and_per_series_stays_the_default(panel):
    import json

    assert PrepConfig().per_series is True
    cols = Columns(target=None, id_col="store", features=("y", "temp"))
    prep = Preparer(PrepConfig(per_series=False, scaling="minmax"), cols).fit(read_table(panel, cols))
    again = Preparer.from_dict(json.loads(json.dumps(prep.to_dict())))
    frame = read_table(panel, cols)
    np.testing.assert_array_equal(prep.transform(frame).values, again.transform(frame).values)
    assert prep.feature_names == ["y", "temp"]  # no target: the channels are the features
