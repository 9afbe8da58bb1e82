"""What every whole-sequence estimator shares: parameters, preparation, the call to ``training.fit``,
batched outputs and model files. Glue only: the loop is ``training.fit``, the data code ``sequences``.

``SequenceClassifier`` (long tables), ``LSTMClassifier`` and ``LSTMRegressor`` (3-D arrays) subclass
``SequenceModel``; they differ only in how they read their input and what their outputs mean.

Shape symbols:  S sequences   R rows of all sequences   F input channels   K outputs (classes or targets)
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from .artifact import load_model, save_model
from .classnets import ARCHS, CELL_ACTIVATIONS, READOUTS, SequenceNet, SequenceNetConfig
from .exceptions import ConfigError, DataError, ModelFileError, NotFittedError, did_you_mean
from .io import Columns
from .params import Params
from .prep import Preparer, PrepConfig
from .progress import Reporter, make_reporter
from .sequences import SequenceBatches, drop_gaps, pad_batch
from .training import TrainConfig, fit, resolve_device

__all__ = ["SequenceModel", "encode_labels", "class_weights", "labels_to_json", "labels_from_json", "softmax"]

log = logging.getLogger(__name__)

PREDICT_CHUNK = 512  # sequences per forward pass at prediction time


class SequenceModel(Params):
    """Base of the whole-sequence estimators. Subclasses define ``__init__`` (keyword-only parameters,
    stored unchanged, as scikit-learn expects) and set ``_kind`` (the model file's kind)."""

    _kind = "sequence_model"

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            name = type(self).__name__
            raise NotFittedError(f"this {name} is not fitted yet; call fit(...) first, or {name}.load(dir).")

    # ---- configuration -----------------------------------------------------------------------------
    def _check_params(self) -> None:
        for name, allowed in (("arch", ARCHS), ("readout", READOUTS), ("cell_activation", CELL_ACTIVATIONS)):
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(
                    f"{name}={value!r} is not one of {', '.join(allowed)}.{did_you_mean(value, allowed)}"
                )
        for name in ("hidden_size", "num_layers"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{name} must be a positive integer; got {value!r}.")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1); got {self.dropout!r}.")
        if not 0 <= self.val_fraction < 1:
            raise ConfigError(
                f"val_fraction must be in [0, 1); got {self.val_fraction!r}. Use 0 to train on every sequence "
                "(early stopping then watches the training loss)."
            )

    def _train_config(self) -> TrainConfig:
        # Small validation sets are noisy: halve the learning rate only after a third of the patience.
        lr_patience = max(1, self.patience // 3) if self.patience else 10
        return TrainConfig(
            batch_size=self.batch_size,
            lr=self.lr,
            max_epochs=self.max_epochs,
            patience=self.patience,
            lr_patience=lr_patience,
            seed=self.random_state,
            device=self.device,
            precision=self.precision,
        )

    def _net_config(self, input_size: int, n_outputs: int) -> SequenceNetConfig:
        return SequenceNetConfig(
            input_size=input_size,
            n_outputs=n_outputs,
            arch=self.arch,
            hidden_size=int(self.hidden_size),
            num_layers=int(self.num_layers),
            bidirectional=bool(self.bidirectional),
            readout=self.readout,
            dropout=float(self.dropout),
            cell_activation=self.cell_activation,
        )

    # ---- preparation -------------------------------------------------------------------------------
    def _fit_preparer(self, frame: pd.DataFrame, columns: Columns, train_ids: list[str]) -> None:
        """Fit scaling/imputation/one-hot on the training sequences only, statistics pooled across them."""
        config = PrepConfig(impute=self.impute, scaling=self.scaling, per_series=False)
        train = frame[frame[columns.id_col].isin(set(train_ids))]
        self.prep_ = Preparer(config, columns).fit(train)
        self.feature_names_in_ = self.prep_.feature_names
        self.n_features_in_ = len(self.feature_names_in_)

    def _buffer(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Prepared sequences: values (R, F) float32, offsets (S + 1,), ids (S,) in frame order."""
        panel = self.prep_.transform(frame)
        values, offsets = drop_gaps(panel.values, panel.offsets, panel.ids)
        return values, offsets, panel.ids

    # ---- training ----------------------------------------------------------------------------------
    def _fit_network(
        self,
        values: np.ndarray,
        offsets: np.ndarray,
        targets: np.ndarray,
        split: tuple[np.ndarray, np.ndarray],
        n_outputs: int,
        loss_fn: nn.Module,
        reporter: Reporter | None,
    ) -> None:
        """Build the network and train it with ``training.fit``; the best validation epoch's weights stay.

        targets: (S,) int64 class indices or (S, K) float32 values; split: (train, validation) indices.
        """
        self.train_config_ = self._train_config()
        self.net_config_ = self._net_config(values.shape[1], n_outputs)
        device = resolve_device(self.device)
        torch.manual_seed(self.random_state)  # weight init and dropout
        self.net_ = SequenceNet(self.net_config_).to(device)
        buffer = torch.as_tensor(np.require(values, requirements="W"), device=device)
        bounds = torch.from_numpy(np.require(offsets, requirements="W"))  # stays on the CPU (pad_batch)
        y = torch.as_tensor(np.require(targets, requirements="W"), device=device)
        train_idx, val_idx = (torch.from_numpy(i) for i in split)
        train = SequenceBatches(buffer, bounds, y, train_idx, self.batch_size)
        val = SequenceBatches(buffer, bounds, y, val_idx, self.batch_size) if len(val_idx) else None
        log.info("%d training sequences, %d validation sequences", len(train_idx), len(val_idx))
        self.history_ = fit(
            self.net_,
            train,
            val,
            self.train_config_,
            reporter=reporter or make_reporter(self.verbose),
            loss_fn=loss_fn.to(device),
        )
        self.net_.cpu().eval()

    @torch.inference_mode()
    def _outputs(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Network outputs for every sequence, on the CPU in chunks: (S, K) float32."""
        self.net_.eval()
        buffer = torch.from_numpy(np.require(values, requirements="W"))
        bounds = torch.from_numpy(np.require(offsets, requirements="W"))
        chunks = [
            self.net_(*pad_batch(buffer, bounds, picks))
            for picks in torch.arange(len(offsets) - 1).split(PREDICT_CHUNK)
        ]
        return torch.cat(chunks).numpy()

    # ---- persistence -------------------------------------------------------------------------------
    def _save(self, directory: str | Path, fitted: dict) -> Path:
        self._check_fitted()
        config = {
            "kind": self._kind,
            "params": self.get_params(),
            "fitted": {"feature_names": self.feature_names_in_, **fitted},
            "network": asdict(self.net_config_),
            "training": asdict(self.train_config_),
            "preparation": self.prep_.to_dict(),
            "history": self.history_,
        }
        return save_model(directory, config, self.net_.state_dict())

    @classmethod
    def _load(cls, directory: str | Path) -> tuple[SequenceModel, dict]:
        """Rebuild the estimator from a model folder; returns it and the subclass's ``fitted`` dict."""
        config, tensors = load_model(directory, cls._kind)
        try:
            known = set(inspect.signature(cls.__init__).parameters)
            model = cls(**{k: v for k, v in config["params"].items() if k in known})
            network = dict(config["network"])
            network["filters"], network["kernels"] = tuple(network["filters"]), tuple(network["kernels"])
            model.net_config_ = SequenceNetConfig(**network)
            model.train_config_ = TrainConfig(**config["training"])
            model.prep_ = Preparer.from_dict(config["preparation"])
            model.feature_names_in_ = list(config["fitted"]["feature_names"])
            model.n_features_in_ = len(model.feature_names_in_)
            model.history_ = config["history"]
            model.net_ = SequenceNet(model.net_config_)
            model.net_.load_state_dict(tensors)
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise ModelFileError(
                f"the model in {str(directory)!r} is incomplete or inconsistent: {err}"
            ) from err
        model.net_.eval()
        return model, config["fitted"]


# ---- labels ------------------------------------------------------------------------------------------


def encode_labels(labels: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct labels (as given: str, int, ...) and each sequence's index into them.

    labels: (S,) -> classes (K,), codes (S,) int64. At least two classes are needed.
    """
    labels = np.asarray(labels)
    classes, codes = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise DataError(
            f"{where} has only one class ({_plain(classes[0])!r} for all {len(labels)} sequences); a classifier "
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
        known = {_plain(c): i for i, c in enumerate(classes)}
        weights = np.ones(len(classes))
        for label, weight in class_weight.items():
            if _plain(label) not in known:
                raise ConfigError(
                    f"class_weight names {label!r}, which is not a class; the classes are {[_plain(c) for c in classes]}."
                )
            weights[known[_plain(label)]] = float(weight)
        return torch.tensor(weights, dtype=torch.float32)
    raise ConfigError(
        f"class_weight must be None, 'balanced' or a dict {{label: weight}}; got {class_weight!r}."
    )


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def labels_to_json(classes: np.ndarray) -> dict:
    """classes (K,) -> {"values": [...], "dtype": "<i8" | "object" ...}, so load restores the exact type."""
    return {
        "values": [_plain(c) for c in classes],
        "dtype": "object" if classes.dtype == object else classes.dtype.str,
    }


def labels_from_json(state: dict) -> np.ndarray:
    return np.array(state["values"], dtype=object if state["dtype"] == "object" else np.dtype(state["dtype"]))


def softmax(logits: np.ndarray) -> np.ndarray:
    """(S, K) logits -> (S, K) probabilities, float64, rows summing to 1."""
    z = logits.astype("float64") - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
