"""Hostile files through the reader and the CLI: whatever the bytes, the result is a table or one clear
error (exit 0 or 2), never a traceback and never a hang. Example counts are bounded so CI stays fast."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lstmkit import LstmkitError, read_table
from lstmkit.cli import app
from lstmkit.io import Columns

runner = CliRunner()
COLUMNS = Columns(target="y", time_col="t")


def valid_csv(n: int = 60) -> bytes:
    t = pd.date_range("2020-01-01", periods=n, freq="D")
    y = np.round(np.sin(np.arange(n) / 3) * 10 + 20, 3)
    return pd.DataFrame({"t": t.strftime("%Y-%m-%d"), "y": y, "x": np.arange(n)}).to_csv(index=False).encode()


MUTATIONS = st.sampled_from([
    "bytes", "truncate", "bom", "latin1", "quoted_newline", "huge", "dup_header", "tz", "dayfirst", "semicolon",
    "empty_cells", "nan_text",
])


def mutate(data: bytes, kind: str, draw) -> bytes:
    lines = data.decode("utf-8", errors="replace").splitlines()
    if kind not in ("bytes", "truncate", "bom") and len(lines) < 3:
        return data  # an earlier mutation left too little to mutate line by line
    if kind == "bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "latin1":
        return "\n".join(lines).replace("t,y,x", "t,y,\xe9t\xe9").encode("latin-1", errors="replace")
    if kind == "quoted_newline":
        row = draw(st.integers(1, len(lines) - 1))
        lines[row] = lines[row].replace(",", ',"a\nb",', 1)
    if kind == "huge":
        row = draw(st.integers(1, len(lines) - 1))
        lines[row] = lines[row].split(",")[0] + "," + "9" * draw(st.integers(300, 2000)) + ",1"
    if kind == "dup_header":
        lines[0] = "t,y,y"
    if kind == "tz":
        zones = draw(st.lists(st.sampled_from(["+01:00", "+02:00", "Z", ""]), min_size=1, max_size=len(lines) - 1))
        for i, zone in enumerate(zones, start=1):
            lines[i] = lines[i].replace(",", f"T00:00:00{zone},", 1)
    if kind == "dayfirst":
        for i in range(1, len(lines)):
            date, _, rest = lines[i].partition(",")
            try:
                d = dt.date.fromisoformat(date)
            except ValueError:
                continue
            lines[i] = f"{d.day:02d}/{d.month:02d}/{d.year},{rest}"
    if kind == "semicolon":
        lines = [line.replace(",", ";") for line in lines]
    if kind == "empty_cells":
        for i in draw(st.lists(st.integers(1, len(lines) - 1), max_size=10)):
            lines[i] = ",,"
    if kind == "nan_text":
        row = draw(st.integers(1, len(lines) - 1))
        lines[row] = lines[row].split(",")[0] + ",NaN text," + "1"
    return "\n".join(lines).encode("utf-8", errors="replace")


@st.composite
def hostile_csvs(draw) -> bytes:
    data = valid_csv()
    for kind in draw(st.lists(MUTATIONS, min_size=1, max_size=3)):
        data = mutate(data, kind, draw)
    return data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile_csvs())
def test_the_reader_gives_a_table_or_one_clear_error(tmp_path, data):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    try:
        frame = read_table(path, COLUMNS)
    except LstmkitError as err:
        assert str(err) and "\n" not in str(err).strip()
        return
    assert list(frame.columns) == ["t", "y"] and len(frame) >= 1


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile_csvs())
def test_train_exits_0_or_2_without_a_traceback(tmp_path, data):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    result = runner.invoke(app, ["train", str(path), "--target", "y", "--time-col", "t", "--lookback", "8",
                                 "--horizon", "2", "--hidden-size", "4", "--max-epochs", "1", "-q",
                                 "--out", str(tmp_path / "m")])
    assert result.exit_code in (0, 2), (result.exit_code, result.output, repr(result.exception))
    assert "Traceback" not in result.output
