"""The 3-D array API, scikit-learn compatible: ``LSTMRegressor`` and ``LSTMClassifier``.

X is (samples, timesteps, features), exactly what the Keras examples feed ``model.fit``, or a list of
(timesteps_i, features) arrays of different lengths. Inputs are imputed and scaled per feature with
statistics pooled over the training sequences (``prep.Preparer``), so a Keras user's manual
``MinMaxScaler`` step becomes ``scaling='minmax'``. scikit-learn is not needed to use them; ``clone``,
``Pipeline`` and ``GridSearchCV`` work because the parameters follow its conventions.

    >>> X = np.array([[[10], [12], [15]], [[20], [22], [25]], [[30], [32], [35]]])   # (3, 3, 1)
    >>> LSTMRegressor(cell_activation="relu", val_fraction=0).fit(X, [17, 27, 37]).predict(X)  # doctest: +SKIP

Shape symbols:  N samples   T targets per sample   K classes
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from torch import nn

from .._validation import one_of
from ..exceptions import DataError
from ..io import Columns
from ..progress import Reporter
from ..training import LOSSES
from .batches import random_split, stratified_split
from .inputs import ARRAY_ID, arrays_to_frame, check_arrays
from .labels import class_weights, encode_labels, labels_from_json, labels_to_json, softmax
from .model import ClassifierParams, Labels, SequenceModel, file_schema

__all__ = ["LSTMRegressor", "LSTMClassifier"]


@dataclass(frozen=True)
class RegressorFitted:
    feature_names: list[str]
    y_loc: list[float]
    y_scale: list[float]
    y_ndim: int


@dataclass(frozen=True)
class ArrayClassifierFitted:
    feature_names: list[str]
    classes: Labels


class _ArrayModel(SequenceModel):
    """X -> long frame -> the shared preparation and network code."""

    def _frame_of(self, X, fitting: bool):
        if fitting:
            arrays = check_arrays(X)
            self.feature_names_in_ = [f"x{i}" for i in range(arrays[0].shape[1])]
            self.columns_ = Columns(target=None, id_col=ARRAY_ID, features=tuple(self.feature_names_in_))
        else:
            self._check_fitted()
            arrays = check_arrays(X, self.n_features_in_, self.feature_names_in_)
        frame = arrays_to_frame(arrays, self.columns_.features)
        frame[ARRAY_ID] = frame[ARRAY_ID].astype(str)
        return frame

    def _fit_frame(
        self, frame, targets: np.ndarray, split, n_outputs: int, loss_fn: nn.Module, reporter
    ) -> None:
        """targets: (N,) class indices or (N, T) scaled values, in X's order."""
        self._fit_preparer(frame, self.columns_, [str(i) for i in split[0]])
        values, offsets, _ = self._buffer(frame)
        self._fit_network(values, offsets, targets, split, n_outputs, loss_fn, reporter)

    def _raw_outputs(self, X) -> np.ndarray:
        values, offsets, _ = self._buffer(self._frame_of(X, fitting=False))
        return self._outputs(values, offsets)

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, RegressorTags, Tags, TargetTags

        classifier = self._estimator_type == "classifier"
        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags() if classifier else None,
            regressor_tags=None if classifier else RegressorTags(),
            non_deterministic=self.device != "cpu",
            input_tags=InputTags(two_d_array=False, three_d_array=True, allow_nan=True),
        )


class LSTMRegressor(_ArrayModel):
    """Predict one value (y (N,)) or several (y (N, T)) from each sequence.

    The targets are standardised for training (mean and standard deviation of the training part) and
    mapped back in ``predict``. ``arch`` defaults to the plain 'lstm' (the Keras examples' model);
    ``cell_activation='relu'`` is Keras' ``LSTM(activation='relu')``. ``val_fraction`` of the samples,
    drawn at random, stop training early; ``val_fraction=0`` trains on all of them for ``max_epochs``
    (Keras' default) when ``patience=None``.

    Fitted attributes: ``n_features_in_``, ``feature_names_in_``, ``n_outputs_``, ``history_``.
    """

    _kind = "lstm_regressor"
    _schema = file_schema("LSTMRegressorFile", RegressorFitted)
    _estimator_type = "regressor"

    def __init__(
        self,
        *,
        arch: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        readout: str = "last",
        dropout: float = 0.0,
        cell_activation: str = "tanh",
        scaling: str = "standard",
        impute: str = "interpolate",
        loss: str = "mse",
        batch_size: int = 32,
        lr: float = 1e-3,
        max_epochs: int = 300,
        patience: int | None = 30,
        val_fraction: float = 0.2,
        device: str = "auto",
        precision: str = "fp32",
        random_state: int = 0,
        verbose: int = 0,
    ) -> None:
        self.arch = arch
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.readout = readout
        self.dropout = dropout
        self.cell_activation = cell_activation
        self.scaling = scaling
        self.impute = impute
        self.loss = loss
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y, *, reporter: Reporter | None = None) -> LSTMRegressor:
        """X: (N, L, F) or a list of (L_i, F); y: (N,) or (N, T) numbers."""
        self._check_params()
        one_of("loss", self.loss, LOSSES)
        frame = self._frame_of(X, fitting=True)
        n = len(frame[ARRAY_ID].unique())
        targets = _targets(y, n)
        split = random_split(n, self.val_fraction, self.random_state)
        train = targets[split[0]]
        self.y_loc_ = train.mean(axis=0)
        self.y_scale_ = np.where(train.std(axis=0) > 1e-12, train.std(axis=0), 1.0)
        self.n_outputs_ = targets.shape[1]
        self.y_ndim_ = np.ndim(y)
        scaled = ((targets - self.y_loc_) / self.y_scale_).astype(np.float32)
        self._fit_frame(frame, scaled, split, self.n_outputs_, LOSSES[self.loss](), reporter)
        return self

    def predict(self, X) -> np.ndarray:
        """(N,) predictions, or (N, T) when fitted with a 2-D y."""
        out = self._raw_outputs(X).astype("float64") * self.y_scale_ + self.y_loc_  # (N, T)
        return out[:, 0] if self.y_ndim_ == 1 else out

    def score(self, X, y) -> float:
        """Coefficient of determination R^2, averaged over the targets (scikit-learn's default)."""
        y = _targets(y, len(check_arrays(X)))
        f = self.predict(X).reshape(y.shape)
        ss_res = ((y - f) ** 2).sum(axis=0)
        ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        r2 = np.where(
            ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), np.where(ss_res > 0, 0.0, 1.0)
        )
        return float(r2.mean())

    def _fitted_state(self) -> dict:
        return {
            "y_loc": self.y_loc_.tolist(),
            "y_scale": self.y_scale_.tolist(),
            "y_ndim": self.y_ndim_,
        }

    def _restore_state(self, fitted: RegressorFitted) -> None:
        self.y_loc_ = np.array(fitted.y_loc, dtype="float64")
        self.y_scale_ = np.array(fitted.y_scale, dtype="float64")
        self.n_outputs_ = len(self.y_loc_)
        self.y_ndim_ = fitted.y_ndim
        if self.n_outputs_ != self.net_config_.n_outputs or len(self.y_scale_) != self.n_outputs_:
            raise ValueError(f"fitted.y_loc has {self.n_outputs_} targets, but network.n_outputs = "
                             f"{self.net_config_.n_outputs}")
        if not (np.isfinite(self.y_loc_).all() and np.isfinite(self.y_scale_).all() and (self.y_scale_ > 0).all()):
            raise ValueError("fitted.y_loc / y_scale hold values that are not finite (or a scale <= 0)")


class LSTMClassifier(ClassifierParams, _ArrayModel):
    """Predict a class for each sequence; labels of any type (``classes_`` keeps them as given).

    The same parameters as ``SequenceClassifier`` (its defaults were chosen by measurement, see
    docs/classification.md); ``val_fraction`` of each class is held out to stop training early.

    Fitted attributes: ``classes_``, ``n_features_in_``, ``feature_names_in_``, ``history_``.
    """

    _kind = "lstm_classifier"
    _schema = file_schema("LSTMClassifierFile", ArrayClassifierFitted)
    _estimator_type = "classifier"

    def fit(self, X, y, *, reporter: Reporter | None = None) -> LSTMClassifier:
        """X: (N, L, F) or a list of (L_i, F); y: (N,) labels of any type (or one-hot rows (N, K))."""
        self._check_params()
        frame = self._frame_of(X, fitting=True)
        labels = _labels(y, len(frame[ARRAY_ID].unique()))
        self.classes_, codes = encode_labels(labels, "y")
        split = stratified_split(codes, self.val_fraction, self.random_state)
        weights = class_weights(self.class_weight, self.classes_, codes[split[0]])
        self._fit_frame(
            frame, codes, split, len(self.classes_), self._loss_fn(weights), reporter
        )
        return self

    def predict_proba(self, X) -> np.ndarray:
        """(N, K) class probabilities, columns in ``classes_`` order."""
        return softmax(self._raw_outputs(X))

    def predict(self, X) -> np.ndarray:
        """(N,) predicted labels, of the type given to ``fit``."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def score(self, X, y) -> float:
        """Accuracy: the share of sequences whose predicted label equals y."""
        labels = _labels(y, len(check_arrays(X)))
        return float(np.mean(self.predict(X) == labels))

    def _fitted_state(self) -> dict:
        return {"classes": labels_to_json(self.classes_)}

    def _restore_state(self, fitted: ArrayClassifierFitted) -> None:
        self.classes_ = labels_from_json(asdict(fitted.classes))


def _targets(y, n: int) -> np.ndarray:
    """y (N,) or (N, T) numbers -> (N, T) float64."""
    array = np.asarray(y)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise DataError(
            f"y must hold numbers for a regressor; got dtype {array.dtype}. For labels use LSTMClassifier."
        )
    array = array.astype("float64")
    if array.ndim not in (1, 2) or len(array) != n:
        raise DataError(
            f"y must be (samples,) or (samples, targets) with {n} samples, as X; got shape {array.shape}."
        )
    if not np.isfinite(array).all():
        raise DataError(
            f"y has {int((~np.isfinite(array)).sum())} missing or infinite value(s); remove those samples."
        )
    return array.reshape(n, -1)


def _labels(y, n: int) -> np.ndarray:
    """y (N,) labels, or (N, K) one-hot rows (Keras' to_categorical) -> (N,) labels."""
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]  # a column vector
    if (
        array.ndim == 2
        and array.shape[1] > 1
        and np.isin(array, (0, 1)).all()
        and (array.sum(axis=1) == 1).all()
    ):
        array = array.argmax(axis=1)  # one-hot rows: the class is the column index
    if array.ndim != 1 or len(array) != n:
        raise DataError(f"y must be (samples,) labels with {n} samples, as X; got shape {array.shape}.")
    return array
