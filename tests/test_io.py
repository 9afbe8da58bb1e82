from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmkit import DataError, read_table
from lstmkit.clock import infer_freq, season_length
from lstmkit.exceptions import ConfigError
from lstmkit.io import Columns


def cols(**kw) -> Columns:
    return Columns(**{"target": "y", "time_col": "timestamp", **kw})


def test_reads_csv_and_sorts(tmp_path, monthly):
    path = tmp_path / "data.csv"
    monthly.sample(frac=1, random_state=0).to_csv(path, index=False)
    frame = read_table(path, cols())
    assert frame["timestamp"].is_monotonic_increasing
    assert list(frame.columns) == ["timestamp", "y"]
    np.testing.assert_allclose(frame["y"], monthly["y"])


def test_reads_parquet(tmp_path, monthly):
    path = tmp_path / "data.parquet"
    monthly.to_parquet(path)
    assert len(read_table(path, cols(features=("temp",)))) == len(monthly)


def test_parquet_reads_only_the_columns_used_and_keeps_float32(tmp_path, monthly):
    path = tmp_path / "data.parquet"
    monthly.assign(y=monthly["y"].astype("float32"), unused=1).to_parquet(path)
    frame = read_table(path, cols())
    assert list(frame.columns) == ["timestamp", "y"] and frame["y"].dtype == np.float32
    np.testing.assert_allclose(frame["y"], monthly["y"].astype("float32"))


def test_the_callers_frame_is_never_modified(monthly):
    shuffled = monthly.sample(frac=1, random_state=1).assign(y=lambda f: f["y"].astype("int64"))
    before = shuffled.copy(deep=True)
    frame = read_table(shuffled, cols())
    frame["y"] = 0.0
    pd.testing.assert_frame_equal(shuffled, before)
    assert frame.index.equals(pd.RangeIndex(len(frame)))


def test_reads_arrays():
    frame = read_table(np.arange(10.0), Columns(target="y"))
    assert frame["y"].tolist() == list(range(10))
    frame = read_table(np.ones((5, 3)), Columns(target="y", features=("x1", "x2")))
    assert list(frame.columns) == ["y", "x1", "x2"]
    with pytest.raises(DataError, match=r"got shape \(2, 3, 4\)"):
        read_table(np.ones((2, 3, 4)), Columns(target="y"))


def test_misspelled_column_suggests_closest(monthly):
    with pytest.raises(DataError, match=r"column 'yy' not found\. Did you mean 'y'\?"):
        read_table(monthly, cols(target="yy"))


def test_non_numeric_target(monthly):
    with pytest.raises(DataError, match=r"target column 'kind' is not numeric: 120 value\(s\) like 'a'"):
        read_table(monthly, cols(target="kind"))


def test_all_nan_column(monthly):
    monthly["y"] = np.nan
    with pytest.raises(DataError, match="all 120 are missing"):
        read_table(monthly, cols())


def test_infinite_values(monthly):
    monthly.loc[5, "y"] = np.inf
    with pytest.raises(DataError, match=r"1 infinite value\(s\) \(first at row 5\)"):
        read_table(monthly, cols())


def test_duplicate_timestamps(monthly):
    frame = pd.concat([monthly, monthly.iloc[[3]]])
    with pytest.raises(DataError, match="repeated timestamp, first 2000-04-01"):
        read_table(frame, cols())


def test_duplicates_allowed_across_series(panel):
    frame = read_table(panel, cols(id_col="store"))
    assert frame["store"].unique().tolist() == ["s0", "s1", "s2"]


def test_empty_and_unknown_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="is empty"):
        read_table(empty, cols())
    header = tmp_path / "header.csv"
    header.write_text("timestamp,y\n")
    with pytest.raises(DataError, match="no rows"):
        read_table(header, cols())
    xls = tmp_path / "data.xlsx"
    xls.write_text("x")
    with pytest.raises(DataError, match="unknown file type '.xlsx'"):
        read_table(xls, cols())
    with pytest.raises(DataError, match="does not exist"):
        read_table(tmp_path / "missing.csv", cols())
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="not a readable Parquet"):
        read_table(bad, cols())


def test_bad_dates(monthly):
    monthly["timestamp"] = monthly["timestamp"].astype(str)
    monthly.loc[7, "timestamp"] = "yesterday"
    with pytest.raises(DataError, match="'yesterday' \\(row 7\\)"):
        read_table(monthly, cols())


def test_role_given_twice():
    with pytest.raises(ConfigError, match="more than one role"):
        Columns(target="y", features=("y",))


@pytest.mark.parametrize(
    "freq, season",
    [("h", 24), ("30min", 48), ("D", 7), ("W-SAT", 52), ("MS", 12), ("ME", 12), ("QS", 4), ("YS", 1), ("7min", 1)],
)
def test_season_from_frequency(freq, season):
    times = pd.Series(pd.date_range("2020-01-04", periods=10, freq=freq))
    assert infer_freq(times) is not None
    assert season_length(infer_freq(times)) == season


def test_freq_survives_a_missing_row():
    times = pd.Series(pd.date_range("2020-01-01", periods=30, freq="D").delete(10))
    assert season_length(infer_freq(times)) == 7
