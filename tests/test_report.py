from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import FAST, seasonal_frame
from lstmkit import Forecaster
from lstmkit.cli import app
from lstmkit.report import ljung_box, residual_acf


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    data = seasonal_frame(240)
    data.to_csv(tmp / "data.csv", index=False)
    Forecaster(**FAST).fit(data, target="y", time_col="timestamp", test_size=36).save(tmp / "m")
    result = CliRunner().invoke(app, ["report", str(tmp / "m"), str(tmp / "data.csv"), "--out", str(tmp / "r.html")])
    assert result.exit_code == 0, result.output
    return tmp / "r.html"


def test_report_is_one_self_contained_page(report):
    page = report.read_text()
    for section in ("Data", "Training", "Test forecasts", "Metrics next to the baselines", "Prediction intervals",
                    "Backtest", "Residual diagnostics"):
        assert f"<h2>{section}</h2>" in page
    assert len(re.findall(r'<img alt="[^"]*" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}">', page)) == 4  # loss, forecasts, backtest, residuals
    assert not re.search(r"(src|href)\s*=\s*[\"'](?!data:)", page)  # nothing to fetch: no external src or href
    assert "<script" not in page and "http" not in page
    assert "Ljung-Box Q" in page and "drift" in page and "0.9" in page


def test_acf_and_ljung_box_hand_worked():
    r = np.array([1.0, -1.0, 1.0, -1.0])  # mean 0, sum of squares 4
    # lag 1: 3 products of -1 -> -3 / 4 ; lag 2: 2 products of +1 -> 2 / 4
    np.testing.assert_allclose(residual_acf(r, 2), [-0.75, 0.5])
    noise = np.random.default_rng(0).normal(size=500)
    q, p = ljung_box(residual_acf(noise, 10), 500)
    assert p > 0.05  # white noise: no evidence of autocorrelation
    trend = np.cumsum(np.random.default_rng(1).normal(size=500))
    assert ljung_box(residual_acf(trend, 10), 500)[1] < 1e-6


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_headless_without_network(report, tmp_path):
    shot = tmp_path / "shot.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--window-size=1280,3000", f"--screenshot={shot}", f"file://{report}"],
        check=True, capture_output=True, timeout=120,
    )
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)[..., :3]  # (H, W, 3) in [0, 1]
    assert pixels.shape[:2] == (3000, 1280)
    drawn = (pixels < 0.9).any(axis=-1).mean()
    assert drawn > 0.05  # text, tables and the embedded plots, not a blank page
