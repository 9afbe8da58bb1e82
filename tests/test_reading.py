"""Nothing misread: every case here once gave wrong numbers with exit 0, or a traceback (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from lstmkit import DataError, Forecaster, read_table
from lstmkit.cli import app
from lstmkit.io import Columns, load_frame

runner = CliRunner()
COLUMNS = Columns(target="y", time_col="t")


def frame(times, values=None) -> pd.DataFrame:
    return pd.DataFrame({"t": times, "y": values if values is not None else np.arange(len(times), dtype=float)})


def test_day_first_dates_are_refused_until_the_order_is_stated():
    times = [f"{d:02d}/{m:02d}/2023" for m in (1, 2) for d in range(1, 13)]  # every day <= 12: either order
    with pytest.raises(DataError, match="read either day first or month first.*--dayfirst or --date-format %d/%m/%Y"):
        read_table(frame(times), COLUMNS)
    by_value = read_table(frame(times), Columns(target="y", time_col="t", dayfirst=True)).set_index("y")["t"]
    assert by_value[1.0] == pd.Timestamp("2023-01-02") and by_value[12.0] == pd.Timestamp("2023-02-01")
    by_value = read_table(frame(times), Columns(target="y", time_col="t", date_format="%m/%d/%Y")).set_index("y")["t"]
    assert by_value[1.0] == pd.Timestamp("2023-02-01")


def test_a_day_above_12_proves_the_order():
    times = ["01/02/2023", "02/02/2023", "13/02/2023"]
    assert read_table(frame(times), COLUMNS)["t"].tolist() == [pd.Timestamp(f"2023-02-{d:02d}") for d in (1, 2, 13)]
    with pytest.raises(DataError, match="mixes day-first and month-first dates"):
        read_table(frame(["13/02/2023", "02/13/2023"]), COLUMNS)


def test_the_cli_keeps_the_date_order_for_later_commands(tmp_path):
    months = pd.date_range("2015-01-01", periods=96, freq="MS")  # 01/01/2015, 01/02/2015, ...: always ambiguous
    data = pd.DataFrame({"date": months.strftime("%d/%m/%Y"), "y": np.sin(np.arange(96) / 2)})
    data.to_csv(tmp_path / "d.csv", index=False)
    base = ["train", str(tmp_path / "d.csv"), "--target", "y", "--time-col", "date", "--test-size", "12",
            "--max-epochs", "1", "--hidden-size", "8", "-q", "--out", str(tmp_path / "m")]
    result = runner.invoke(app, base)
    assert result.exit_code == 2 and "--dayfirst" in result.output and "Traceback" not in result.output
    assert runner.invoke(app, [*base, "--dayfirst"]).exit_code == 0
    result = runner.invoke(app, ["predict", str(tmp_path / "m"), str(tmp_path / "d.csv"), "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "p.csv")["date"].iloc[0] == "2023-01-01"  # the month after 01/12/2022


def test_a_numeric_time_column_with_a_gap_is_refused():
    with pytest.raises(DataError, match="time column 't' has 1 empty value.*row 2"):
        read_table(frame([0.0, 1.0, np.nan, 3.0]), COLUMNS)


def test_time_zones_one_offset_kept_several_converted_mixed_refused():
    kept = read_table(frame(["2023-01-01T00:00+01:00", "2023-01-01T01:00+01:00"]), COLUMNS)["t"]
    assert str(kept.dt.tz) == "UTC+01:00" and kept.iloc[0].hour == 0
    dst = ["2023-03-26T01:00:00+01:00", "2023-03-26T03:00:00+02:00", "2023-03-26T04:00:00+02:00"]
    with pytest.warns(UserWarning, match="several UTC offsets.*converted to UTC"):
        converted = read_table(frame(dst), COLUMNS)["t"]
    assert str(converted.dt.tz) == "UTC" and converted.diff().dropna().eq(pd.Timedelta(hours=1)).all()
    with pytest.raises(DataError, match="mixes times with a UTC offset"):
        read_table(frame(["2023-01-01T00:00Z", "2023-01-01T01:00"]), COLUMNS)


def test_forecasts_carry_the_zone_back(fast):
    times = pd.date_range("2023-01-01", periods=200, freq="h", tz="UTC").tz_convert("+02:00")
    data = pd.DataFrame({"t": times.strftime("%Y-%m-%dT%H:%M:%S%z"), "y": np.sin(np.arange(200) / 4)})
    model = Forecaster(**fast).fit(data, target="y", time_col="t")
    assert str(model.predict(data)["t"].iloc[0]) == "2023-01-09 10:00:00+02:00"


def test_a_huge_integer_is_one_clear_error(tmp_path):
    (tmp_path / "h.csv").write_text("t,y\n1,2\n2," + "9" * 400 + "\n3,4\n")
    with pytest.raises(DataError, match="target column 'y' is not numeric: 1 value"):
        read_table(tmp_path / "h.csv", COLUMNS)


def test_duplicate_column_names_are_refused():
    air = frame(list(range(5)))
    with pytest.raises(DataError, match=r"repeated column name\(s\): \['y'\]"):
        read_table(pd.concat([air, air[["y"]]], axis=1), COLUMNS)


def test_separators_are_detected_and_decimal_commas_read(tmp_path):
    (tmp_path / "s.csv").write_text("date;sales;holiday\n2023-01-01;1,5;0\n2023-01-02;2,5;1\n2023-01-03;3,0;0\n")
    with pytest.raises(DataError, match="decimal comma.*--decimal ,"):
        read_table(tmp_path / "s.csv", Columns(target="sales", time_col="date"))
    read = read_table(load_frame(tmp_path / "s.csv", decimal=","), Columns(target="sales", time_col="date"))
    assert read["sales"].tolist() == [1.5, 2.5, 3.0]
    (tmp_path / "k.csv").write_text('date,sales\n2023-01-01,"1,505"\n2023-01-02,"2,010"\n')
    assert load_frame(tmp_path / "k.csv", thousands=",")["sales"].tolist() == [1505, 2010]


def test_an_unclear_separator_is_asked_for(tmp_path):
    (tmp_path / "u.csv").write_text("a;b,c\n1;2,3\n4;5,6\n7;8,9\n")
    with pytest.raises(DataError, match="could be separated by.*--sep"):
        load_frame(tmp_path / "u.csv")
    assert list(load_frame(tmp_path / "u.csv", sep=";").columns) == ["a", "b,c"]


def test_mostly_missing_target_warns_and_too_little_is_refused(fast):
    t = pd.date_range("2000-01-01", periods=144, freq="MS")
    y = np.full(144, np.nan)
    y[::3] = np.arange(48.0)
    y[-1] = 48.0
    with pytest.warns(UserWarning, match="is 66 % missing in the training rows"):
        Forecaster(**fast, lookback=12, horizon=3).fit(pd.DataFrame({"t": t, "y": y}), target="y", time_col="t")
    y = np.full(144, np.nan)
    y[[3, 50, 90, 120]] = 1.0
    with pytest.raises(DataError, match="has 4 observed value.*fewer than one window"):
        Forecaster(**fast).fit(pd.DataFrame({"t": t, "y": y}), target="y", time_col="t")


def test_a_season_the_data_cannot_show_falls_back(fast):
    times = pd.date_range("2024-01-01", periods=150, freq="500ms")
    data = pd.DataFrame({"t": times, "y": np.sin(np.arange(150) / 5)})
    with pytest.warns(UserWarning, match="season of 172800 steps is longer than half.*season 1 is used.*--season"):
        model = Forecaster(**fast, lookback=24, horizon=4).fit(data, target="y", time_col="t", test_size=20)
    assert model.season_ == 1
    assert np.isfinite(model.evaluate(data).metrics["rolling"]["seasonal_naive"]["mase"])
