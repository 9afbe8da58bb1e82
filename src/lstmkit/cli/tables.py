"""The score tables the commands print: Rich tables whose numbers are never cut in an 80-column terminal."""

from __future__ import annotations

import math

from rich import box
from rich.table import Table

__all__ = ["metrics_table", "interval_table", "classification_tables", "backtest_tables"]


def _score_table(title: str) -> Table:
    """The look of the score tables: rules under the header only and collapsed padding, so eight columns of
    numbers fit an 80-column terminal."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)


def interval_table(metrics: dict, title: str) -> Table:
    rows = []
    for kind, block in metrics.items():
        for level, v in block["lstm"].get("intervals", {}).items():
            cells = [f"{v[k]:.4g}" for k in ("coverage", "width", "interval_score", "msis", "pinball")]
            rows.append([kind, str(level), *cells, str(v["n"])])
    table = _score_table(title)
    for i, name in enumerate(("evaluation", "level", "coverage", "width", "interval score", "MSIS", "pinball", "points")):
        width = max(len(row[i]) for row in rows) if rows else None  # numbers are never cut; headers may wrap
        table.add_column(name, justify="left" if i < 2 else "right", min_width=width)
    for row in rows:
        table.add_row(*row)
    return table


def metrics_table(metrics: dict, title: str) -> Table:
    """One row per evaluation and method; the best MASE of each evaluation in green. Numbers are never cut:
    in a narrow terminal the method names wrap instead."""
    rows = []
    for kind, block in metrics.items():
        best = min(block, key=lambda m: block[m]["mase"] if math.isfinite(block[m]["mase"]) else math.inf)
        for method, values in block.items():
            cells = [f"{values[k]:.4g}" for k in ("mae", "rmse", "mape", "smape", "mase")] + [str(values["n"])]
            rows.append((kind, method, cells, "bold green" if method == best else None))
    table = _score_table(title)
    table.add_column("evaluation", no_wrap=True)
    table.add_column("method", no_wrap=True, min_width=max((len(row[1]) for row in rows), default=6))
    for i, name in enumerate(("MAE", "RMSE", "MAPE", "SMAPE", "MASE", "points")):
        width = max([len(name), *(len(row[2][i]) for row in rows)])
        table.add_column(name, justify="right", no_wrap=True, min_width=width)
    for kind, method, cells, style in rows:
        table.add_row(kind, method, *cells, style=style)
    return table



def classification_tables(metrics: dict, title: str) -> list:
    """Summary scores, per-class precision/recall/F1, and the confusion matrix as Rich tables."""
    summary = Table(title=title, title_justify="left")
    for name in ("accuracy", "balanced accuracy", "macro F1"):
        summary.add_column(name, justify="right")
    summary.add_row(*(f"{metrics[k]:.4f}" for k in ("accuracy", "balanced_accuracy", "macro_f1")))
    per_class = Table(title="per class", title_justify="left")
    per_class.add_column("class")
    for name in ("precision", "recall", "F1", "support"):
        per_class.add_column(name, justify="right")
    for label, row in metrics["per_class"].items():
        per_class.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    confusion = Table(title="confusion matrix (rows actual, columns predicted)", title_justify="left")
    confusion.add_column("actual \\ predicted")
    labels = [str(c) for c in metrics["classes"]]
    for label in labels:
        confusion.add_column(label, justify="right")
    for label, counts in zip(labels, metrics["confusion_matrix"]):
        confusion.add_row(label, *(str(c) for c in counts))
    return [summary, per_class, confusion]



def backtest_tables(result) -> list[Table]:
    """One table per evaluation (rolling, multistep): MASE per fold and method, then over all folds."""
    mase = result.table("mase")
    spans = {
        f["fold"]: f"{_short(f['start'])} .. {_short(f['end'])}" + (" in-sample" if f["in_sample"] else "")
        for f in result.folds
    }
    tables = []
    for kind in ("rolling", "multistep"):
        table = Table(
            title=f"{kind} MASE, {len(result.folds)} folds of {result.fold_size} steps "
            f"({'refit per fold' if result.refit else 'one model'}, {result.seconds:.2f} s)",
            title_justify="left",
        )
        table.add_column("fold")
        table.add_column("test rows")
        for method in mase[kind].columns:
            table.add_column(method, justify="right")
        for fold, row in mase[kind].iterrows():
            best = row.idxmin()
            cells = [f"[bold green]{v:.3f}[/]" if m == best else f"{v:.3f}" for m, v in row.items()]
            table.add_row(str(fold), spans.get(fold, "all folds"), *cells, end_section=fold == len(result.folds))
        tables.append(table)
    return tables


def _short(value) -> str:
    text = str(value)
    return text[:-9] if text.endswith(" 00:00:00") else text


