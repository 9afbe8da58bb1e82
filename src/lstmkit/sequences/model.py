"""What every whole-sequence estimator shares: parameter checks, preparation, batches for ``Estimator._train``,
batched outputs and the model file's schema. Glue only: the loop is ``training.fit``, the data code
``batches`` and ``inputs``.

``SequenceClassifier`` (long tables), ``LSTMClassifier`` and ``LSTMRegressor`` (3-D arrays) subclass
``SequenceModel``; they differ only in how they read their input and what their outputs mean.

Shape symbols:  S sequences   R rows of all sequences   F input channels   K outputs (classes or targets)
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, make_dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from .._validation import fraction, one_of, positive_int
from ..estimator import Estimator
from ..exceptions import ConfigError
from ..io import Columns
from ..networks import ARCHS, CELL_ACTIVATIONS, READOUTS, SEQUENCE_NORMS, SequenceNet, SequenceNetConfig
from ..prep import Preparer, PrepConfig, PrepState
from ..progress import Reporter
from ..training import SCHEDULES, TrainConfig, resolve_device
from .batches import SequenceBatches, drop_gaps, pad_batch

__all__ = ["SequenceModel", "ClassifierParams", "file_schema", "auto_epochs"]

log = logging.getLogger(__name__)

PREDICT_CHUNK = 512  # sequences per forward pass at prediction time
EPOCHS = (50, 400)  # max_epochs=None: the fewest and the most epochs
PRESENTATIONS = 40_000  # max_epochs=None: sequences shown in training, at most (within EPOCHS)


def auto_epochs(n_train: int) -> int:
    """max_epochs=None: 400 epochs, or fewer for larger training sets, so that at most 40,000 sequences are
    shown (at least 50 epochs): a fixed budget that small sets need whole and large ones reach sooner.

    >>> auto_epochs(50), auto_epochs(104), auto_epochs(500), auto_epochs(5000)
    (400, 384, 80, 50)
    """
    return max(EPOCHS[0], min(EPOCHS[1], PRESENTATIONS // max(n_train, 1)))


@dataclass(frozen=True)
class Labels:
    """Class labels as given (``labels.labels_to_json``): the values and the numpy dtype that restores them."""

    values: list[str | int | float | bool]
    dtype: str


def file_schema(name: str, fitted: type) -> type:
    """The config.json schema of a whole-sequence estimator whose ``fitted`` section has type ``fitted``."""
    return make_dataclass(name, [
        ("kind", str), ("params", dict), ("fitted", fitted), ("network", SequenceNetConfig),
        ("training", TrainConfig), ("preparation", PrepState), ("history", list[dict[str, float | int | None]]),
    ])


class SequenceModel(Estimator):
    """Base of the whole-sequence estimators. Subclasses define ``__init__`` (keyword-only parameters,
    stored unchanged, as scikit-learn expects), ``_kind`` and ``_schema``, and their ``fitted`` state."""

    # ---- configuration -----------------------------------------------------------------------------
    def _check_params(self) -> None:
        for name, allowed in (("arch", ARCHS), ("readout", READOUTS), ("cell_activation", CELL_ACTIVATIONS)):
            one_of(name, getattr(self, name), allowed)
        for name in ("hidden_size", "num_layers"):
            positive_int(name, getattr(self, name))
        fraction("dropout", self.dropout)
        fraction("val_fraction", self.val_fraction, hint=" Use 0 to train on every sequence (early stopping then "
                 "watches the training loss).")

    def _train_config(self, n_train: int) -> TrainConfig:
        # Small validation sets are noisy: halve the learning rate only after a third of the patience.
        lr_patience = max(1, self.patience // 3) if self.patience else 10
        return TrainConfig(
            schedule=getattr(self, "lr_schedule", "plateau"),
            weight_decay=float(getattr(self, "weight_decay", 0.0)),
            batch_size=self.batch_size,
            lr=self.lr,
            max_epochs=self.max_epochs or auto_epochs(n_train),
            patience=self.patience,
            lr_patience=lr_patience,
            seed=self.random_state,
            device=self.device,
            precision=self.precision,
        )

    def _net_config(self, input_size: int, n_outputs: int, longest: int) -> SequenceNetConfig:
        """The network for sequences of at most ``longest`` training steps: pooled by a fixed factor so they
        reach at most ``max_steps`` steps (and ``lstm_steps`` in the LSTM branch) where the estimator has them."""
        max_steps, lstm_steps = getattr(self, "max_steps", None), getattr(self, "lstm_steps", None)
        pool = math.ceil(longest / max_steps) if max_steps else 1
        lstm_pool = math.ceil(math.ceil(longest / pool) / lstm_steps) if lstm_steps else 1
        return SequenceNetConfig(
            sequence_norm=getattr(self, "sequence_norm", "none"),
            pool=pool,
            lstm_pool=lstm_pool,
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
        """Batches of the training and validation sequences on the device, then ``Estimator._train``; the
        best validation epoch's weights stay.

        targets: (S,) int64 class indices or (S, K) float32 values; split: (train, validation) indices.
        """
        self.train_config_ = self._train_config(len(split[0]))
        longest = int(np.diff(offsets)[split[0]].max())  # the longest training sequence sets the pooling
        self.net_config_ = self._net_config(values.shape[1], n_outputs, longest)
        device = resolve_device(self.device)
        buffer = torch.as_tensor(np.require(values, requirements="W"), device=device)
        bounds = torch.from_numpy(np.require(offsets, requirements="W"))  # stays on the CPU (pad_batch)
        y = torch.as_tensor(np.require(targets, requirements="W"), device=device)
        train_idx, val_idx = (torch.from_numpy(i) for i in split)
        train = SequenceBatches(buffer, bounds, y, train_idx, self.batch_size)
        val = SequenceBatches(buffer, bounds, y, val_idx, self.batch_size) if len(val_idx) else None
        log.info("%d training sequences, %d validation sequences", len(train_idx), len(val_idx))
        self._train(SequenceNet, self.net_config_, train, val, self.train_config_, reporter=reporter,
                    loss_fn=loss_fn, device=device)

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

    # ---- model files -------------------------------------------------------------------------------
    def _state(self) -> dict:
        return {
            "fitted": {"feature_names": self.feature_names_in_, **self._fitted_state()},
            "network": asdict(self.net_config_),
            "training": asdict(self.train_config_),
            "preparation": self.prep_.to_dict(),
            "history": self.history_,
        }

    def _restore(self, document, tensors: dict[str, torch.Tensor] | None) -> None:
        self.net_config_, self.train_config_ = document.network, document.training
        self.prep_ = Preparer.from_state(document.preparation)
        self.columns_ = self.prep_.columns
        self.feature_names_in_ = list(document.fitted.feature_names)
        self.n_features_in_ = len(self.feature_names_in_)
        if self.n_features_in_ != self.net_config_.input_size:
            raise ValueError(
                f"fitted.feature_names has {self.n_features_in_} names, but network.input_size = "
                f"{self.net_config_.input_size}"
            )
        self.history_ = document.history
        self._restore_state(document.fitted)
        net = SequenceNet(self.net_config_)
        if tensors is not None:
            net.load_state_dict(tensors)
        self.net_ = net.eval()

    def _fitted_state(self) -> dict:
        """The subclass's part of config.json's ``fitted`` section."""
        raise NotImplementedError

    def _restore_state(self, fitted) -> None:
        raise NotImplementedError


class ClassifierParams:
    """The parameters of both classifiers (``SequenceClassifier`` for long tables, ``LSTMClassifier`` for
    arrays), with the defaults chosen by measurement (docs/classification.md), stored as given."""

    def __init__(
        self,
        *,
        arch: str = "lstm_fcn",
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        readout: str = "last",
        dropout: float = 0.2,
        cell_activation: str = "tanh",
        scaling: str = "standard",
        impute: str = "interpolate",
        class_weight: str | dict | None = None,
        batch_size: int = 32,
        lr: float = 1e-3,
        max_epochs: int | None = None,
        patience: int | None = None,
        val_fraction: float = 0.0,
        lr_schedule: str = "cosine",
        weight_decay: float = 0.0,
        label_smoothing: float = 0.1,
        sequence_norm: str = "both",
        max_steps: int | None = 128,
        lstm_steps: int | None = 64,
        device: str = "auto",
        precision: str = "fp32",
        random_state: int = 0,
        verbose: int = 1,
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
        self.class_weight = class_weight
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.label_smoothing = label_smoothing
        self.sequence_norm = sequence_norm
        self.max_steps = max_steps
        self.lstm_steps = lstm_steps
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        super()._check_params()  # SequenceModel's
        one_of("lr_schedule", self.lr_schedule, SCHEDULES)
        one_of("sequence_norm", self.sequence_norm, SEQUENCE_NORMS)
        fraction("label_smoothing", self.label_smoothing)
        for name in ("max_steps", "lstm_steps", "max_epochs"):
            positive_int(name, getattr(self, name), optional=True)
        if not isinstance(self.weight_decay, int | float) or self.weight_decay < 0:
            raise ConfigError(f"weight_decay must be a number >= 0; got {self.weight_decay!r}. Use 0 for none.")

    def _loss_fn(self, weights) -> nn.Module:
        """Cross-entropy, weighted by class (``class_weight``) and with ``label_smoothing``."""
        return nn.CrossEntropyLoss(weight=weights, label_smoothing=float(self.label_smoothing))

