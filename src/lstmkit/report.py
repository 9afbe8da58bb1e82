"""A one-page HTML report of a trained model on a data set: no network needed to view it.

Sections: the data, the training curve, the test forecasts with interval bands, metrics next to the baselines,
interval quality, a backtest over the held-out part, and residual diagnostics (residual ACF, Ljung-Box).
Plots are PNGs embedded as base64 data URIs; the styles are inline. Nothing is fetched when it is opened.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .exceptions import LstmkitError
from .files import write_atomic
from .forecasting.configured import backtest
from .forecasting.forecaster import Forecaster
from .plots import plot_loss, plot_residuals
from .results import html_table

__all__ = ["write_report", "residual_acf", "ljung_box"]

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1180px;margin:24px auto;
color:#222;padding:0 16px;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
.sub{color:#666;margin-top:4px}table{border-collapse:collapse;font-size:.88em;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}img{max-width:100%;border:1px solid #eee}
.note{color:#555;font-size:.9em}.best{font-weight:bold;color:#1a7f37}
"""


def residual_acf(residuals: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelation at lags 1..max_lag of one series (NaN skipped by dropping them). -> (max_lag,)"""
    r = residuals[np.isfinite(residuals)]
    r = r - r.mean()
    denom = float(np.sum(r * r))
    if denom == 0 or len(r) < 2:
        return np.zeros(max_lag)
    return np.array([np.sum(r[k:] * r[:-k]) / denom if k < len(r) else 0.0 for k in range(1, max_lag + 1)])


def ljung_box(acf: np.ndarray, n: int) -> tuple[float, float]:
    """Ljung-Box Q over the given lags and its p-value under white noise (chi-square with len(acf) dof)."""
    lags = np.arange(1, len(acf) + 1)
    q = float(n * (n + 2) * np.sum(acf**2 / np.maximum(n - lags, 1)))
    dof, half_q = torch.tensor(len(acf) / 2, dtype=torch.float64), torch.tensor(q / 2, dtype=torch.float64)
    p = float(torch.special.gammaincc(dof, half_q))
    return q, p


def write_report(
    model_dir: str | Path,
    data,
    out: str | Path,
    *,
    test_size: int | None = None,
    intervals=(0.8, 0.9),
    interval_method: str = "adaptive",
    folds: int = 4,
    source: str | None = None,
    series: str | None = None,
) -> Path:
    """Write the report of the model in ``model_dir`` on ``data`` to the HTML file ``out``, atomically.
    The plots and residuals show one ``series`` of a panel (the first by default); the tables all of them."""
    model = Forecaster.load(model_dir)
    evaluation = model.evaluate(
        data, test_size=test_size, intervals=intervals, interval_method=interval_method, baselines="all"
    )
    series = series if series is not None else next(iter(evaluation.scales))
    evaluation.series_metrics(series)  # an unknown series: one clear error before anything is drawn
    sections = [
        ("Data", _data_section(model, data, evaluation)),
        ("Training", _img(_png(plot_loss(model.history_)), "training and validation loss") + _training_text(model)),
        ("Test forecasts", _img(_png(evaluation.plot(series=series)), "test forecasts with interval bands")),
        ("Metrics next to the baselines", _metrics_section(evaluation)),
        ("Prediction intervals", _interval_section(evaluation)),
        ("Backtest", _backtest_section(model, data, folds, series)),
        ("Residual diagnostics", _residual_section(evaluation, series)),
    ]
    source = source or (Path(data).name if isinstance(data, (str, Path)) else "data")
    title = f"lstmkit report: {html.escape(str(evaluation.target))} ({html.escape(source)})"
    body = "".join(f"<h2>{name}</h2>\n{content}\n" for name, content in sections)
    page = (
        f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
        f"<style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n"
        f"<p class=\"sub\">model {html.escape(str(model_dir))}, written {dt.datetime.now():%Y-%m-%d %H:%M}</p>\n"
        f"{body}</body></html>\n"
    )
    return write_atomic(out, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))


def _png(figure) -> str:
    """A matplotlib figure as base64 PNG text, for a data URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(data: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _facts(rows: dict) -> str:
    """A two-column table of facts, no header row."""
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows.items())
    return f"<table>{cells}</table>"


def _when(value) -> str:
    """A time as people write it: the date alone when it is midnight (monthly data: 1949-01-01)."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else str(stamp)
    return str(value)


def _data_section(model: Forecaster, data, evaluation) -> str:
    panel, _ = model.fitted().panel(data)
    test = len(evaluation.rolling) // max(len(panel.ids), 1)
    target = panel.target
    first, last = panel.times[0][0], panel.times[0][-1]
    rows = {
        "series": len(panel.ids),
        "rows": int(panel.offsets[-1]),
        "time range (first series)": f"{_when(first)} .. {_when(last)}",
        "frequency / season": f"{model.freq_ or 'not inferred'} / {model.season_}",
        "missing target values": int(np.isnan(target).sum()),
        "target mean / std": f"{np.nanmean(target):.4g} / {np.nanstd(target):.4g}",
        "target min / max": f"{np.nanmin(target):.4g} / {np.nanmax(target):.4g}",
        "inputs": ", ".join(model.feature_names_in_),
        "test part (per series)": f"last {test} steps, never seen in training",
        "model": f"lookback {model.lookback_}, horizon {model.horizon_}, LSTM {model.hidden_size} x "
        f"{model.num_layers}, window_norm {model.window_norm}"
        + (f", quantiles {list(model.net_config_.quantiles)}" if model.net_config_.quantiles else ""),
    }
    return _facts(rows)


def _training_text(model: Forecaster) -> str:
    best = min((r["val_loss"] if r["val_loss"] is not None else r["train_loss"], r["epoch"]) for r in model.history_)
    seconds = sum(r["seconds"] for r in model.history_)
    return (
        f'<p class="note">{len(model.history_)} epochs in {seconds:.1f} s; best epoch {best[1]} '
        f"(validation loss {best[0]:.4g}), whose weights were kept.</p>"
    )


def _metrics_section(evaluation) -> str:
    table = evaluation.table()
    note = (
        '<p class="note">MASE below 1 beats the in-sample seasonal-naive error of the training part. All methods are '
        "scored on exactly the same points. rolling: one step ahead from the true history; multistep: "
        "H steps from origins every H steps.</p>"
    )
    return html_table(table) + note


def _interval_section(evaluation) -> str:
    if not evaluation.levels:
        return '<p class="note">No intervals asked for.</p>'
    return html_table(evaluation.interval_table()) + (
        f'<p class="note">{evaluation.interval_method} intervals. A calibrated interval of level l covers about '
        "l of the points; the interval score (Winkler) rewards narrow intervals and punishes misses.</p>"
    )


def _backtest_section(model: Forecaster, data, folds: int, series) -> str:
    if folds <= 0:
        return '<p class="note">No backtest asked for (--folds 0).</p>'
    try:
        result = backtest(model, data, folds=folds)
    except LstmkitError as err:
        return f'<p class="note">No backtest: {html.escape(str(err))}</p>'
    image = _png(result.plot(series=series))
    spans = [f"{_when(pd.Timestamp(f['start']) if isinstance(f['start'], str) else f['start'])} .. "
             f"{_when(pd.Timestamp(f['end']) if isinstance(f['end'], str) else f['end'])}" for f in result.folds]
    table = result.table("mase")
    table.insert(0, ("", "test rows"), [*spans, "all folds"])
    return (
        f'<p class="note">The trained model at {folds} folds of {result.fold_size} steps tiling the held-out part '
        f"({result.seconds:.2f} s); rolling-one-step and multi-step MASE per fold.</p>"
        + html_table(table)
        + _img(image, "backtest folds")
    )


def _residual_section(evaluation, series) -> str:
    rolling = evaluation.rolling
    at = rolling.columns.get_loc("actual")
    time_col, id_col = rolling.columns[at - 1], evaluation.id_col
    if id_col is not None:
        rolling = rolling[rolling[id_col].astype(str) == str(series)]
    residuals = (rolling["actual"] - rolling["lstm"]).to_numpy(dtype="float64")
    n = int(np.isfinite(residuals).sum())
    max_lag = int(max(1, min(2 * evaluation.season, n // 2, 60)))
    acf = residual_acf(residuals, max_lag)
    lags = int(max(1, min(max(10, evaluation.season), n // 4)))
    q, p = ljung_box(acf[:lags], n)
    image = _png(
        plot_residuals(
            residuals, acf, title="Residual diagnostics (test part)", time=rolling[time_col].to_numpy(),
        )
    )
    verdict = "no evidence of" if p >= 0.05 else "evidence of"
    return _img(image, "residual diagnostics") + (
        f'<p class="note">{n} rolling one-step residuals{f" of series {series}" if id_col else ""}: mean '
        f"{np.nanmean(residuals):.4g}, std {np.nanstd(residuals):.4g}. Ljung-Box Q = {q:.3g} over {lags} lags, "
        f"p = {p:.3g}: {verdict} autocorrelation left in the residuals at the 5 % level.</p>"
    )

