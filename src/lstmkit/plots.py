"""Plots a person can read: titled, labelled axes, a legend. matplotlib with the Agg backend, imported
only when a plot is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .artifact import write_atomic

if TYPE_CHECKING:
    from .forecaster import Evaluation

__all__ = ["plot_forecast", "plot_loss", "plot_confusion"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_forecast(evaluation: Evaluation, path: str | Path, *, series: str | None = None, context: int | None = None) -> Path:
    """History (its last few seasons), the actual test part, rolling one-step and multi-step forecasts."""
    plt = _pyplot()
    rolling, multi, history = evaluation.rolling, evaluation.multistep, evaluation.history
    time_col = [c for c in rolling.columns if c not in ("actual", "lstm", "naive", "seasonal_naive")][-1]
    id_col = rolling.columns[0] if rolling.columns[0] != time_col else None
    title = f"{evaluation.target}: LSTM forecasts over the test part"
    if id_col is not None:
        series = series if series is not None else rolling[id_col].iloc[0]
        rolling, multi, history = (f[f[id_col] == series] for f in (rolling, multi, history))
        title += f" (series {series})"
    context = context or max(4 * evaluation.season, 3 * len(rolling))
    history = history.tail(context)
    m = evaluation.metrics
    fig, ax = plt.subplots(figsize=(11, 4.8), dpi=110)
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
    ax.set_ylabel(evaluation.target)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _save(fig, path, plt)


def plot_loss(history: list[dict], path: str | Path, *, title: str = "Training and validation loss") -> Path:
    """Loss per epoch (log scale) with the best validation epoch marked."""
    plt = _pyplot()
    epochs = [r["epoch"] for r in history]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
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
    return _save(fig, path, plt)


def _save(fig, path: str | Path, plt) -> Path:
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)


def plot_confusion(metrics: dict, path: str | Path, *, title: str | None = None) -> Path:
    """Confusion matrix (rows actual, columns predicted): counts in each cell, shaded by the share of the
    actual class, with accuracy and balanced accuracy in the title."""
    import numpy as np

    plt = _pyplot()
    counts = np.array(metrics["confusion_matrix"])
    labels = [str(c) for c in metrics["classes"]]
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = min(2.2 + 0.6 * len(labels), 14)
    fig, ax = plt.subplots(figsize=(size + 1.2, size), dpi=110)
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
    return _save(fig, path, plt)
