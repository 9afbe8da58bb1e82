"""Plots a person can read: titled, labelled axes, a legend. They draw from plain frames, arrays and metric
dicts (the result types call them) into a matplotlib ``Figure`` (no pyplot state, no backend to switch:
a notebook shows the returned figure inline), saved as a PNG too when a path is given. matplotlib is
imported only when a plot is asked for.

The point frames are those of ``Evaluation`` and ``Backtest``: an optional series id column, the time column,
``actual``, ``lstm`` and the baselines (and ``origin``, ``ahead`` for multi-step points, ``fold`` for folds).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .files import write_atomic

__all__ = ["plot_forecast", "plot_loss", "plot_backtest", "plot_residuals", "plot_confusion"]


def _figure(**kwargs):
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def plot_forecast(
    rolling: pd.DataFrame, multi: pd.DataFrame, history: pd.DataFrame, metrics: dict, path: str | Path | None = None, *,
    target: str, season: int, levels=(), interval_method: str | None = None, series: str | None = None,
    context: int | None = None,
):
    """History (its last few seasons), the actual test part, rolling one-step and multi-step forecasts, and the
    rolling forecasts' intervals as shaded bands (darker for narrower levels) when they were asked for."""
    time_col, id_col = _time_and_id(rolling)
    title = f"{target}: LSTM forecasts over the test part"
    if id_col is not None:
        series = series if series is not None else rolling[id_col].iloc[0]
        rolling, multi, history = (f[f[id_col].astype(str) == str(series)] for f in (rolling, multi, history))
        title += f" (series {series})"
    context = context or max(4 * season, 3 * len(rolling))
    history = history.tail(context)
    m = metrics
    fig = _figure(figsize=(11, 4.8), dpi=110)
    ax = fig.subplots()
    for k, level in enumerate(sorted(levels, reverse=True)):
        key = f"{level:g}"
        cover = m["rolling"]["lstm"]["intervals"][key]["coverage"]
        ax.fill_between(
            rolling[time_col], rolling[f"lower_{key}"], rolling[f"upper_{key}"], color="tab:blue", lw=0,
            alpha=0.12 + 0.12 * k, label=f"{level:.0%} {interval_method} interval (covers {cover:.0%})",
        )
    ax.plot(history[time_col], history["actual"], color="0.35", lw=1.2, label="history")
    ax.plot(rolling[time_col], rolling["actual"], color="black", lw=1.5, label="actual (test)")
    ax.plot(
        rolling[time_col], rolling["lstm"], color="tab:blue", lw=1.3,
        label=f"LSTM rolling one-step (MASE {m['rolling']['lstm']['mase']:.2f})",
    )
    for k, (_, part) in enumerate(multi.groupby("origin", sort=True)):
        ax.plot(
            part[time_col], part["lstm"], color="tab:orange", lw=1.3, ls="--",
            label=f"LSTM {int(part['ahead'].max())}-step from each origin (MASE {m['multistep']['lstm']['mase']:.2f})"
            if k == 0 else None,
        )
    ax.plot(
        rolling[time_col], rolling["seasonal_naive"], color="tab:gray", lw=0.9, ls=":",
        label=f"seasonal naive (MASE {m['rolling']['seasonal_naive']['mase']:.2f})",
    )
    if len(rolling):
        ax.axvline(rolling[time_col].iloc[0], color="0.6", lw=0.8)
    ax.set_title(title)
    ax.set_xlabel(str(time_col))
    ax.set_ylabel(target)
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _save(fig, path)


def _time_and_id(points) -> tuple[str, str | None]:
    """The time column stands just before 'actual'; an id column, if any, before it."""
    at = points.columns.get_loc("actual")
    return points.columns[at - 1], (points.columns[0] if at == 2 else None)


def plot_backtest(
    rolling: pd.DataFrame, history: pd.DataFrame, mase: pd.DataFrame, path: str | Path | None = None, *, target: str,
    season: int, refit: bool, series: str | None = None,
):
    """Top: the series with each fold's test rows shaded and the LSTM's rolling one-step forecasts.
    Bottom: rolling MASE per fold for the LSTM and each baseline (``mase``: ``Backtest.table("mase")``)."""
    time_col, id_col = _time_and_id(rolling)
    title = f"{target}: {rolling['fold'].nunique()}-fold backtest ({'refit per fold' if refit else 'one model'})"
    if id_col is not None:
        series = series if series is not None else rolling[id_col].iloc[0]
        rolling, history = (f[f[id_col].astype(str) == str(series)] for f in (rolling, history))
        title += f" (series {series})"
    history = history.tail(max(4 * season, len(rolling)))
    fig = _figure(figsize=(11, 7), dpi=110)
    top, bottom = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
    top.plot(history[time_col], history["actual"], color="0.35", lw=1.1, label="history")
    for k, (fold, part) in enumerate(rolling.groupby("fold", sort=True)):
        top.axvspan(part[time_col].iloc[0], part[time_col].iloc[-1], color="0.5" if k % 2 else "0.8", alpha=0.18, lw=0)
        top.plot(part[time_col], part["actual"], color="black", lw=1.2, label="actual (folds)" if k == 0 else None)
        top.plot(part[time_col], part["lstm"], color="tab:blue", lw=1.1, label="LSTM rolling one-step" if k == 0 else None)
        top.annotate(f"fold {fold}", (part[time_col].iloc[0], 1.0), xycoords=("data", "axes fraction"),
                     va="top", fontsize=8, color="0.3")
    top.set_title(title)
    top.set_xlabel(str(time_col))
    top.set_ylabel(target)
    top.legend(loc="upper left", bbox_to_anchor=(0, -0.12), ncol=3, fontsize=8, frameon=False)  # below: never over a line
    top.grid(alpha=0.25)
    table = mase["rolling"].drop(index="all")
    width = 0.8 / len(table.columns)
    for i, method in enumerate(table.columns):
        positions = [k + i * width for k in range(len(table))]
        bottom.bar(positions, table[method], width=width, label=method)
    bottom.set_xticks([k + 0.4 - width / 2 for k in range(len(table))], [f"fold {f}" for f in table.index])
    bottom.set_ylabel("rolling one-step MASE")
    bottom.axhline(1.0, color="0.5", lw=0.8, ls=":")
    bottom.legend(fontsize=8, frameon=False, ncol=len(table.columns))
    bottom.grid(alpha=0.25, axis="y")
    fig.tight_layout()
    return _save(fig, path)


def plot_residuals(residuals, acf, path: str | Path | None = None, *, title: str, time=None):
    """Left: rolling one-step residuals over time. Right: their autocorrelation with the +-1.96/sqrt(n) band."""
    fig = _figure(figsize=(11, 3.6), dpi=110)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    left.plot(time if time is not None else np.arange(len(residuals)), residuals, color="tab:blue", lw=1)
    left.axhline(0, color="0.4", lw=0.8)
    left.set_title("residuals (actual - LSTM), rolling one-step")
    left.set_xlabel("time")
    left.set_ylabel("residual")
    left.grid(alpha=0.25)
    lags = np.arange(1, len(acf) + 1)
    right.vlines(lags, 0, acf, color="tab:blue", lw=2)
    band = 1.96 / np.sqrt(max(len(residuals), 1))
    right.axhspan(-band, band, color="0.6", alpha=0.3, lw=0, label="95 % band for white noise")
    right.axhline(0, color="0.4", lw=0.8)
    right.set_title("autocorrelation of the residuals")
    right.set_xlabel("lag")
    right.set_ylabel("ACF")
    right.legend(fontsize=8, frameon=False)
    right.grid(alpha=0.25)
    fig.suptitle(title, fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _save(fig, path)


def plot_loss(history: list[dict], path: str | Path | None = None, *, title: str = "Training and validation loss"):
    """Loss per epoch (log scale) with the best validation epoch marked."""
    epochs = [r["epoch"] for r in history]
    fig = _figure(figsize=(7, 4), dpi=110)
    ax = fig.subplots()
    ax.plot(epochs, [r["train_loss"] for r in history], label="training loss")
    val = [r["val_loss"] for r in history]
    if any(v is not None for v in val):
        ax.plot(epochs, val, label="validation loss")
        best = min((v, e) for v, e in zip(val, epochs) if v is not None)
        ax.axvline(best[1], color="0.6", ls=":", label=f"best epoch {best[1]} (weights kept)")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (scaled units)")
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path: str | Path | None):
    """The figure, written as a PNG to ``path`` first (atomically) when one is given."""
    if path is not None:
        write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    return fig


def plot_confusion(metrics: dict, path: str | Path | None = None, *, title: str | None = None):
    """Confusion matrix (rows actual, columns predicted): counts in each cell, shaded by the share of the
    actual class, with accuracy and balanced accuracy in the title."""
    counts = np.array(metrics["confusion_matrix"])
    labels = [str(c) for c in metrics["classes"]]
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = min(2.2 + 0.6 * len(labels), 14)
    fig = _figure(figsize=(size + 1.2, size), dpi=110)
    ax = fig.subplots()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", color="white" if share[i, j] > 0.5 else "black")
    tilt = max(map(len, labels)) > 3  # long labels would overlap side by side
    ax.set_xticks(range(len(labels)), labels, rotation=45 if tilt else 0, ha="right" if tilt else "center")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("actual class")
    ax.set_title(
        title or f"Confusion matrix ({metrics['n']} sequences)\naccuracy {metrics['accuracy']:.3f}, "
        f"balanced accuracy {metrics['balanced_accuracy']:.3f}",
        fontsize=10,
    )
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the actual class")
    fig.tight_layout()
    return _save(fig, path)
