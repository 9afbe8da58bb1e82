"""``SequenceClassifier``: one label per sequence, from a long table. Glue only:
read -> one label per sequence -> stratified split -> prepare (fitted on the training sequences) ->
buffer -> ``training.fit`` -> probabilities.

    >>> from lstmkit import SequenceClassifier
    >>> model = SequenceClassifier().fit("GunPoint_TRAIN.csv", sequence_col="sequence_id", label_col="label")
    >>> model.evaluate("GunPoint_TEST.csv").metrics["accuracy"]      # doctest: +SKIP

The table has one row per time step: a sequence id column, the label (the same on every row of a
sequence), an optional step column that orders the rows, and the channels: numeric columns (by default
every numeric column not named otherwise) and categorical ones (one-hot encoded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .._validation import names
from ..exceptions import ConfigError, DataError
from ..io import Columns, load_frame, read_table
from ..progress import Reporter
from .batches import stratified_split
from .inputs import check_label_columns, check_rows, infer_channels, sequence_labels
from .labels import class_weights, encode_labels, labels_from_json, labels_to_json, softmax
from .metrics import ClassificationEvaluation, classification_metrics
from .model import ClassifierParams, Labels, SequenceModel, file_schema

__all__ = ["SequenceClassifier"]


@dataclass(frozen=True)
class ClassifierFitted:
    feature_names: list[str]
    classes: Labels
    label_col: str
    channels_inferred: bool


class SequenceClassifier(ClassifierParams, SequenceModel):
    """Classify whole sequences (uni- or multivariate, any lengths) with an LSTM or LSTM-FCN.

    Parameters are stored as given and checked in ``fit``. ``arch`` picks the network: 'lstm_fcn' (an LSTM
    beside three convolution blocks, Karim et al. 2018) or 'lstm' (``bidirectional``, ``readout`` 'last' or
    'mean'). ``cell_activation='relu'`` reproduces Keras' ``LSTM(activation='relu')`` at a speed cost.
    ``class_weight`` None, 'balanced' or {label: weight} weighs the loss for imbalanced classes;
    ``label_smoothing`` and ``weight_decay`` (AdamW) regularise.

    Defaults that hold on problems they were not tuned on (bench/RESULTS_classification.md): every training
    sequence trains (``val_fraction=0``: a handful of validation sequences is too noisy to stop on) for a
    fixed budget with a cosine learning rate (``lr_schedule='cosine'``; ``max_epochs=None`` is 400 epochs,
    fewer for large sets, see ``model.auto_epochs``), and the last epoch's weights are kept. The network reads
    each sequence's channels as scaled and normalised on their own, side by side (``sequence_norm='both'``;
    'instance' or 'none' for one of them), averaged over runs of steps, by one factor fixed from the
    longest training sequence, down to ``max_steps`` steps for the convolutions and ``lstm_steps`` for the
    LSTM, so long sequences train fast. ``lr_schedule='plateau'`` with ``val_fraction > 0`` and ``patience``
    is the early-stopping alternative (the best validation epoch's weights are kept; the rate halves after
    ``patience // 3`` epochs without improvement).

    Fitted attributes: ``classes_`` (labels as given, sorted), ``n_features_in_``, ``feature_names_in_``,
    ``columns_``, ``history_`` (loss per epoch).
    """

    _kind = "sequence_classifier"
    _schema = file_schema("SequenceClassifierFile", ClassifierFitted)
    _estimator_type = "classifier"

    # ---- fit ---------------------------------------------------------------------------------------
    def fit(
        self,
        data,
        *,
        sequence_col: str,
        label_col: str,
        step_col: str | None = None,
        features: Sequence[str] | str | None = None,
        categorical: Sequence[str] | str | None = None,
        reporter: Reporter | None = None,
    ) -> SequenceClassifier:
        """Fit on ``data`` (a CSV/Parquet path or a DataFrame, one row per time step)."""
        self._check_params()
        raw = load_frame(data)
        check_label_columns(raw, sequence_col, label_col, step_col)
        check_rows(raw, sequence_col, ())
        cats = names(categorical)
        roles = [sequence_col, label_col, step_col, *cats]
        channels = names(features) or infer_channels(raw, [r for r in roles if r])
        if label_col in channels or label_col in cats:
            raise ConfigError(
                f"the label column {label_col!r} cannot also be a channel; remove it from the features."
            )
        self.channels_inferred_ = not features
        self.label_col_ = label_col
        self.columns_ = Columns(
            target=None, time_col=step_col, id_col=sequence_col, features=channels, categorical=cats
        )
        check_rows(raw, sequence_col, channels)
        labels = sequence_labels(raw, sequence_col, label_col)  # (S,) by id, first-appearance order
        frame = read_table(raw, self.columns_)
        self.classes_, codes = encode_labels(labels.to_numpy(), f"label column {label_col!r}")
        train_idx, val_idx = stratified_split(codes, self.val_fraction, self.random_state)
        self._fit_preparer(frame, self.columns_, [labels.index[i] for i in train_idx])
        values, offsets, ids = self._buffer(frame)
        codes = pd.Series(codes, index=labels.index)[ids].to_numpy()  # in buffer order (the same order)
        weights = class_weights(self.class_weight, self.classes_, codes[train_idx])
        self._fit_network(
            values,
            offsets,
            codes,
            (train_idx, val_idx),
            len(self.classes_),
            self._loss_fn(weights),
            reporter,
        )
        return self

    # ---- predict -----------------------------------------------------------------------------------
    def predict_proba(self, data) -> pd.DataFrame:
        """One row per sequence: the sequence id, the predicted label and one probability per class
        (columns ``proba_<class>``, in ``classes_`` order)."""
        ids, proba = self._proba(data)
        out = {self.columns_.id_col: ids, self.label_col_: self.classes_[proba.argmax(axis=1)]}
        return pd.DataFrame(out | self._proba_columns(proba))

    def predict(self, data) -> pd.DataFrame:
        """One row per sequence: the sequence id and the predicted label."""
        return self.predict_proba(data).iloc[:, :2]

    def evaluate(self, data) -> ClassificationEvaluation:
        """Accuracy, balanced accuracy, macro-F1, per-class precision/recall and the confusion matrix on
        labelled ``data`` (which must hold the label column)."""
        self._check_fitted()
        raw = load_frame(data)
        check_label_columns(raw, self.label_col_)
        labels = sequence_labels(raw, self.columns_.id_col, self.label_col_)
        ids, proba = self._proba(raw)
        actual_labels = labels[[str(i) for i in ids]].to_numpy()
        actual = pd.Index(self.classes_).get_indexer(actual_labels)
        if (actual < 0).any():
            unknown = sorted(set(actual_labels[actual < 0].tolist()), key=str)
            raise DataError(
                f"the data has label(s) {unknown[:5]} that the model never saw in training; it knows "
                f"{self.classes_.tolist()}. Evaluate on sequences of known classes only."
            )
        predicted = proba.argmax(axis=1)
        metrics = classification_metrics(actual, predicted, self.classes_)
        frame = {self.columns_.id_col: ids, "actual": actual_labels, "predicted": self.classes_[predicted]}
        return ClassificationEvaluation(metrics, pd.DataFrame(frame | self._proba_columns(proba)))

    def _proba(self, data) -> tuple[list, np.ndarray]:
        """Sequence ids as in the data (their original type) and (S, K) probabilities."""
        self._check_fitted()
        raw = load_frame(data)
        self._check_channels(raw)
        check_rows(raw, self.columns_.id_col, self.columns_.features)
        frame = read_table(raw, self.columns_)
        values, offsets, ids = self._buffer(frame)
        firsts = raw[self.columns_.id_col].drop_duplicates()
        original = dict(zip(firsts.astype(str), firsts, strict=True))
        return [original[i] for i in ids], softmax(self._outputs(values, offsets))

    def _proba_columns(self, proba: np.ndarray) -> dict:
        return {f"proba_{c}": proba[:, k] for k, c in enumerate(self.classes_)}

    def _check_channels(self, raw: pd.DataFrame) -> None:
        """The data must have the channels the model was trained on, and (when the channels were taken
        from the numeric columns) no other numeric column."""
        cols = self.columns_
        check_label_columns(raw, cols.id_col, cols.time_col)
        trained = [*cols.features, *cols.categorical]
        missing = [c for c in trained if c not in raw.columns]
        if missing:
            raise DataError(
                f"the data lacks channel(s) {missing} that the model was trained on; its channels are "
                f"{trained}. Give data with the same channels as the training data."
            )
        if self.channels_inferred_:
            roles = {cols.id_col, cols.time_col, self.label_col_, *trained}
            extra = [
                str(c)
                for c in raw.columns
                if c not in roles
                and pd.api.types.is_numeric_dtype(raw[c])
                and not pd.api.types.is_bool_dtype(raw[c])
            ]
            if extra:
                raise DataError(
                    f"the data has numeric column(s) {extra} that were not channels in training (the model's "
                    f"channels are {trained}). Drop them, or retrain with them."
                )

    # ---- model files -------------------------------------------------------------------------------
    def _fitted_state(self) -> dict:
        return {
            "classes": labels_to_json(self.classes_),
            "label_col": self.label_col_,
            "channels_inferred": self.channels_inferred_,
        }

    def _restore_state(self, fitted: ClassifierFitted) -> None:
        self.classes_ = labels_from_json(asdict(fitted.classes))
        self.label_col_ = fitted.label_col
        self.channels_inferred_ = fitted.channels_inferred
        if len(self.classes_) != self.net_config_.n_outputs:
            raise ValueError(f"fitted.classes has {len(self.classes_)} labels, but network.n_outputs = "
                             f"{self.net_config_.n_outputs}")
