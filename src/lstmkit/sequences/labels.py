"""Labels of any type (str, int, ...) for classifiers: codes, class weights, JSON round trips, softmax.

Shape symbols:  S sequences   K classes
"""

from __future__ import annotations

import numpy as np
import torch

from .._validation import to_builtin
from ..exceptions import ConfigError, DataError

__all__ = ["encode_labels", "class_weights", "labels_to_json", "labels_from_json", "softmax"]


def encode_labels(labels: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels (as given: str, int, ...) and each sequence's index into them.

    labels: (S,) -> classes (K,), codes (S,) int64. At least two classes are needed.
    """
    labels = np.asarray(labels)
    classes, codes = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise DataError(
            f"{where} has only one class ({to_builtin(classes[0])!r} for all {len(labels)} sequences); a classifier "
            "needs at least two. Check the label column, or add sequences of the other classes."
            if len(classes)
            else f"{where} has no labels."
        )
    return classes, codes.astype(np.int64)


def class_weights(class_weight, classes: np.ndarray, codes: np.ndarray) -> torch.Tensor | None:
    """Loss weight per class: None (all 1), 'balanced' (S / (K * count), from the training sequences) or
    a dict {label: weight} (classes not named weigh 1)."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ConfigError(
                f"class_weight={class_weight!r} is not 'balanced', a dict {{label: weight}} or None."
            )
        counts = np.bincount(codes, minlength=len(classes)).astype("float64")
        weights = len(codes) / (len(classes) * np.maximum(counts, 1))
        return torch.tensor(weights, dtype=torch.float32)
    if isinstance(class_weight, dict):
        known = {to_builtin(c): i for i, c in enumerate(classes)}
        weights = np.ones(len(classes))
        for label, weight in class_weight.items():
            if to_builtin(label) not in known:
                raise ConfigError(
                    f"class_weight names {label!r}, which is not a class; the classes are {[to_builtin(c) for c in classes]}."
                )
            weights[known[to_builtin(label)]] = float(weight)
        return torch.tensor(weights, dtype=torch.float32)
    raise ConfigError(
        f"class_weight must be None, 'balanced' or a dict {{label: weight}}; got {class_weight!r}."
    )


def labels_to_json(classes: np.ndarray) -> dict:
    """classes (K,) -> {"values": [...], "dtype": "<i8" | "object" ...}, so load restores the exact type."""
    return {
        "values": [to_builtin(c) for c in classes],
        "dtype": "object" if classes.dtype == object else classes.dtype.str,
    }


def labels_from_json(state: dict) -> np.ndarray:
    return np.array(state["values"], dtype=object if state["dtype"] == "object" else np.dtype(state["dtype"]))


def softmax(logits: np.ndarray) -> np.ndarray:
    """(S, K) logits -> (S, K) probabilities, float64, rows summing to 1."""
    z = logits.astype("float64") - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
