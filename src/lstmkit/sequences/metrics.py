"""Classification metrics from one confusion matrix, and the result ``SequenceClassifier.evaluate`` returns.

The functions take class indices: actual (S,) and predicted (S,) int64 in [0, K). Definitions follow
scikit-learn's defaults: per-class precision (recall) is 0 when nothing was predicted as (is) that class;
balanced accuracy averages recall over the classes present in ``actual``; macro-F1 averages F1 over the
classes present in ``actual`` or ``predicted``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import plots
from ..results import ScoreTable, html_section, html_table

__all__ = ["confusion_matrix", "classification_metrics", "ClassificationEvaluation"]


def confusion_matrix(actual: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, K) int64 counts; row = actual class, column = predicted class."""
    pairs = np.asarray(actual, dtype=np.int64) * n_classes + np.asarray(predicted, dtype=np.int64)
    return np.bincount(pairs, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(len(num)), where=den > 0)


def classification_metrics(actual: np.ndarray, predicted: np.ndarray, classes: np.ndarray) -> dict:
    """accuracy, balanced_accuracy, macro_f1, per_class {label: precision, recall, f1, support},
    confusion_matrix (rows actual, columns predicted), classes and n; JSON-ready (labels as str keys)."""
    k = len(classes)
    cm = confusion_matrix(actual, predicted, k)
    hits = np.diag(cm).astype("float64")
    support, predicted_count = cm.sum(axis=1), cm.sum(axis=0)
    precision, recall = _ratio(hits, predicted_count), _ratio(hits, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    present = support > 0
    seen = present | (predicted_count > 0)
    labels = [c.item() if isinstance(c, np.generic) else c for c in classes]
    return {
        "accuracy": float(hits.sum() / max(cm.sum(), 1)),
        "balanced_accuracy": float(recall[present].mean()) if present.any() else float("nan"),
        "macro_f1": float(f1[seen].mean()) if seen.any() else float("nan"),
        "per_class": {
            str(label): {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion_matrix": cm.tolist(),
        "classes": labels,
        "n": int(cm.sum()),
    }


@dataclass
class ClassificationEvaluation:
    """What ``SequenceClassifier.evaluate`` returns.

    metrics:      see ``classification_metrics``
    predictions:  one row per sequence: the sequence id, ``actual``, ``predicted``, one probability per class
    """

    metrics: dict
    predictions: pd.DataFrame

    def table(self) -> ScoreTable:
        """Per-class precision, recall, F1 and support, one row per class."""
        return ScoreTable.from_dict(self.metrics["per_class"], orient="index").rename_axis("class")

    def confusion(self) -> pd.DataFrame:
        """The confusion matrix with class labels: rows actual, columns predicted."""
        labels = [str(c) for c in self.metrics["classes"]]
        return pd.DataFrame(
            self.metrics["confusion_matrix"],
            index=pd.Index(labels, name="actual"),
            columns=pd.Index(labels, name="predicted"),
        )

    def plot(self, path: str | Path | None = None, *, title: str | None = None):
        """The confusion matrix: a matplotlib Figure, saved as a PNG when ``path`` is given."""
        return plots.plot_confusion(self.metrics, path, title=title)

    def _repr_html_(self) -> str:
        m = self.metrics
        summary = (f"<p>accuracy {m['accuracy']:.4f}, balanced accuracy {m['balanced_accuracy']:.4f}, macro-F1 "
                   f"{m['macro_f1']:.4f} ({m['n']} sequences)</p>")
        return html_section("Classification", summary, html_table(self.table()), html_table(self.confusion()))
