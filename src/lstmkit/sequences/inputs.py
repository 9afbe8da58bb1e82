"""What whole-sequence estimators read, checked: long tables (one row per time step, a sequence id, an
optional step column, one label per sequence) and 3-D arrays or lists of 2-D arrays, which become the same
long frame (``arrays_to_frame``) so both go through one preparation.

Shape symbols:  S sequences   R rows of all sequences   F input channels (after one-hot)
                N sequences in a batch   L longest sequence in the batch
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validation import require_columns
from ..exceptions import DataError

__all__ = [
    "ARRAY_ID", "arrays_to_frame", "check_arrays", "infer_channels", "sequence_labels", "check_rows",
    "check_label_columns",
]

log = logging.getLogger(__name__)

ARRAY_ID = "sequence"  # id column of the long frame made from arrays


# ---- long tables ---------------------------------------------------------------------------------------


def check_label_columns(frame: pd.DataFrame, *names: str | None) -> None:
    """Raise a DataError naming the closest column for any of ``names`` that ``frame`` lacks."""
    require_columns(frame, names)


def infer_channels(frame: pd.DataFrame, exclude: Sequence[str]) -> tuple[str, ...]:
    """The numeric columns of ``frame`` other than ``exclude``, in table order.

    Non-numeric columns are left out with a warning that says how to use them (``categorical``).
    """
    rest = [c for c in frame.columns if c not in set(exclude)]
    numeric = [
        c
        for c in rest
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    skipped = [str(c) for c in rest if c not in numeric]
    if skipped:
        warnings.warn(
            f"column(s) {skipped} are not numeric and were not used as channels; pass them as categorical "
            "channels (categorical=[...], CLI --categorical) to one-hot encode them, or as features to be told "
            "which values are not numbers.",
            UserWarning,
            stacklevel=3,
        )
    if not numeric:
        raise DataError(
            f"no numeric channel columns: besides {list(exclude)} the data has {skipped or 'no columns'}. "
            "Name the channels with features=[...] (CLI --features)."
        )
    return tuple(str(c) for c in numeric)


def sequence_labels(frame: pd.DataFrame, sequence_col: str, label_col: str) -> pd.Series:
    """One label per sequence: a Series indexed by the sequence id as a string, in first-appearance order.

    Every row of a sequence must carry the same, present label; labels keep their type (str, int, ...).
    """
    ids = _ids(frame, sequence_col)
    labels = frame[label_col]
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise DataError(
            f"label column {label_col!r} has {int(labels.isna().sum())} empty value(s) (first at row {row}, "
            f"sequence {ids.iloc[row]!r}). Every row needs its sequence's label; drop unlabelled sequences."
        )
    kinds = {type(v).__name__ for v in labels.iloc[:1000]}
    if labels.dtype == object and not all(isinstance(v, str) for v in labels):
        bad = next(v for v in labels if not isinstance(v, str))
        raise DataError(
            f"label column {label_col!r} mixes types ({', '.join(sorted(kinds))}), e.g. {bad!r}. Labels must "
            "all be strings or all numbers; convert the column with .astype(str)."
        )
    per_sequence = labels.groupby(ids, sort=False)
    counts = per_sequence.nunique()
    if (counts > 1).any():
        sid = counts.index[counts > 1][0]
        seen = pd.unique(labels[ids == sid]).tolist()
        raise DataError(
            f"sequence {sid!r} has {len(seen)} different labels ({', '.join(map(repr, seen[:4]))}); a label "
            "belongs to the whole sequence, so every row of a sequence must carry the same one."
        )
    return per_sequence.first()


def check_rows(frame: pd.DataFrame, sequence_col: str, channels: Sequence[str]) -> None:
    """The data needs rows, and every sequence a row with an observed value in some numeric channel."""
    if frame.empty:
        raise DataError(
            f"the data has no rows (columns: {', '.join(map(str, frame.columns))}); give one row per time step."
        )
    if not channels:
        return
    observed = frame[list(channels)].notna().any(axis=1).groupby(_ids(frame, sequence_col), sort=False).any()
    if not observed.all():
        empty = observed.index[~observed].tolist()
        raise DataError(
            f"{len(empty)} sequence(s) have no rows with an observed value, e.g. {empty[:3]}: every channel "
            f"({', '.join(channels)}) is missing on all their rows. Remove those sequences."
        )


def _ids(frame: pd.DataFrame, sequence_col: str) -> pd.Series:
    ids = frame[sequence_col]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise DataError(
            f"sequence column {sequence_col!r} has {int(ids.isna().sum())} empty value(s) (first at row {row}). "
            "Every row must say which sequence it belongs to."
        )
    return ids.astype(str)


# ---- arrays --------------------------------------------------------------------------------------------


def check_arrays(
    X, n_features: int | None = None, feature_names: Sequence[str] | None = None
) -> list[np.ndarray]:
    """Validate X for the array API and return it as a list of (T_i, F) float64 arrays.

    X: (samples, timesteps, features) array, or a list of (timesteps_i, features) arrays of any lengths.
    ``n_features`` (with ``feature_names``) is the count the model was fitted with, checked when given.
    """
    if isinstance(X, pd.DataFrame):
        raise DataError(
            "X is a DataFrame; the array API takes a 3-D array (samples, timesteps, features). For a long "
            "table with one row per time step use lstmkit.SequenceClassifier."
        )
    if isinstance(X, (list, tuple)) and X and all(np.ndim(x) >= 1 for x in X):
        lengths = {np.shape(x)[0] if np.ndim(x) else 0 for x in X}
        if len(lengths) > 1 or any(np.ndim(x) != 2 for x in X):
            arrays = [_one_sequence(x, i) for i, x in enumerate(X)]
            return _check_features(arrays, n_features, feature_names)
    array = _numeric(np.asarray(X), "X")
    if array.ndim == 2:
        raise DataError(
            f"X must be 3-D (samples, timesteps, features); got shape {array.shape}. "
            "One feature: X[..., None]; one sequence: X[None]."
        )
    if array.ndim != 3:
        raise DataError(
            f"X must be 3-D (samples, timesteps, features); got shape {array.shape}. A list of (timesteps, "
            "features) arrays of different lengths is accepted too."
        )
    if array.shape[0] == 0:
        raise DataError(f"X has no samples (shape {array.shape}); give at least one sequence.")
    if array.shape[1] == 0:
        raise DataError(
            f"the sequences in X have no time steps (shape {array.shape}); give at least one step."
        )
    return _check_features(list(array), n_features, feature_names)


def _one_sequence(x, i: int) -> np.ndarray:
    array = _numeric(np.asarray(x), f"X[{i}]")
    if array.ndim != 2:
        hint = f" One feature: X[{i}][:, None]." if array.ndim == 1 else ""
        raise DataError(f"X[{i}] must be 2-D (timesteps, features); got shape {array.shape}.{hint}")
    if array.shape[0] == 0:
        raise DataError(
            f"sequence X[{i}] has no time steps (shape {array.shape}); remove it or give it rows."
        )
    return array


def _numeric(array: np.ndarray, name: str) -> np.ndarray:
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise DataError(
            f"{name} must hold numbers; got dtype {array.dtype}. One-hot encode text values first."
        )
    array = array.astype("float64")
    if np.isinf(array).any():
        raise DataError(
            f"{name} has {int(np.isinf(array).sum())} infinite value(s); replace them with NaN to have them imputed."
        )
    return array


def _check_features(
    arrays: list[np.ndarray], n_features: int | None, names: Sequence[str] | None
) -> list[np.ndarray]:
    counts = sorted({a.shape[1] for a in arrays})
    if len(counts) > 1:
        first = next(i for i, a in enumerate(arrays) if a.shape[1] != arrays[0].shape[1])
        raise DataError(
            f"all sequences need the same number of features; X[0] has {arrays[0].shape[1]}, "
            f"X[{first}] has {arrays[first].shape[1]}."
        )
    if n_features is not None and counts[0] != n_features:
        listed = f" ({', '.join(names)})" if names else ""
        raise DataError(f"X has {counts[0]} features, but the model was fitted with {n_features}{listed}.")
    return arrays


def arrays_to_frame(arrays: list[np.ndarray], names: Sequence[str]) -> pd.DataFrame:
    """Stack (T_i, F) arrays into a long frame: column ``sequence`` (0..S-1) then one column per feature."""
    lengths = np.array([len(a) for a in arrays])
    frame = pd.DataFrame(np.concatenate(arrays), columns=list(names))
    frame.insert(0, ARRAY_ID, np.repeat(np.arange(len(arrays)), lengths))
    return frame
