"""The one estimator base: parameters, the fitted check, training, model files, and ``lstmkit.load``.

Every estimator (``Forecaster``, ``SequenceClassifier``, ``LSTMClassifier``, ``LSTMRegressor``) is an
``Estimator``: ``__init__`` stores keyword-only hyper-parameters unchanged (scikit-learn's convention) and
``get_params``/``set_params`` read them from the constructor's signature. ``_train`` is the one path from a
network factory to trained CPU weights (seed, device, ``training.fit``, back to the CPU in eval mode);
``save`` and ``load`` write and read ``config.json`` + ``weights.safetensors`` through ``artifact``, and
each subclass supplies only its own state (``_state`` / ``_restore``) and its file schema (``_schema``).

``export_onnx`` writes the same config.json beside ``model.onnx`` (the network as an ONNX graph) in place of the
weights; ``load`` of such a folder returns the same estimator, its network an onnxruntime session
(``onnxnet.OnnxNetwork``), so predict and evaluate run unchanged.

``load(path)`` opens any model folder and returns the estimator its ``kind`` names.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import asdict
from pathlib import Path
from typing import ClassVar

import msgspec
import torch
from torch import nn

from . import artifact, onnxnet
from ._validation import describe_error
from .checkpoints import fingerprint, remove_checkpoint
from .distributed import is_main_process
from .exceptions import ConfigError, ModelFileError, NotFittedError, did_you_mean
from .progress import Reporter, make_reporter
from .training import TrainConfig, fit, resolve_device

__all__ = ["Estimator", "load"]

log = logging.getLogger(__name__)

_KINDS: dict[str, type[Estimator]] = {}


class Estimator:
    """Base of every lstmkit estimator. Subclasses set ``_kind`` (the model file's kind) and ``_schema``
    (the msgspec-checkable type of their config.json) and implement ``_state``/``_restore``."""

    _kind: ClassVar[str] = ""
    _schema: ClassVar[type]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_kind"):
            _KINDS[cls._kind] = cls

    # ---- parameters ----------------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params) -> Estimator:
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ConfigError(f"{type(self).__name__} has no parameter {name!r}.{did_you_mean(name, valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        text = f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
        return text + (f"  # fitted: {self._summary()}" if self._fitted() else "")

    def _summary(self) -> str:
        """One line on what was learned, shown after the repr of a fitted estimator."""
        return f"{self.n_features_in_} inputs, {len(self.history_)} epochs"

    # ---- fitted state --------------------------------------------------------------------------------
    def _fitted(self) -> bool:
        return "net_" in self.__dict__

    def _check_fitted(self) -> None:
        if not self._fitted():
            name = type(self).__name__
            raise NotFittedError(
                f"this {name} is not fitted yet; call fit(...) first, or load a saved one: lstmkit.load(dir)."
            )

    def _train(
        self,
        build: type[nn.Module] | object,
        net_config,
        train,
        val,
        train_config: TrainConfig,
        *,
        reporter: Reporter | None,
        loss_fn: nn.Module | None = None,
        checkpoint_dir: Path | None = None,
        resume: bool = False,
        device: torch.device | None = None,
        data: tuple = (),
        init: dict | None = None,
        log_params: bool = True,
        label: str | None = None,
    ) -> None:
        """Seed, build ``build(net_config)`` on the training device, run ``training.fit``, and keep the best
        weights on the CPU in eval mode as ``net_`` (with ``history_``). ``train``/``val`` are batch sources
        already on ``device``; ``data`` (numpy arrays) goes into the checkpoint's fingerprint; ``init`` (a
        state dict of the same network) replaces the random initial weights (fine-tuning); ``log_params=False``
        (an ensemble's later members, networks of a choice) does not log the parameters to a tracking reporter;
        ``label`` says which network of several this is, to a reporter that shows it (``progress``)."""
        device = device or resolve_device(train_config.device)
        torch.manual_seed(train_config.seed)  # weight init and dropout
        net = build(net_config)
        if init is not None:
            _load_initial(net, init)
        net = net.to(device)
        reporter = reporter or make_reporter(getattr(self, "verbose", 0))
        if log_params:
            self._log_params(reporter, params=self.get_params(), network=asdict(net_config), training=asdict(train_config))
        if label and hasattr(reporter, "label"):
            reporter.label(label)
        self.history_ = fit(
            net,
            train,
            val,
            train_config,
            reporter=reporter,
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            loss_fn=loss_fn.to(device) if loss_fn is not None else None,
            fingerprint=fingerprint(net_config, train_config, *data) if checkpoint_dir is not None else None,
        )
        self.net_ = net.cpu().eval()

    @staticmethod
    def _log_params(reporter: Reporter | None, **sections: dict) -> None:
        """Sections of settings (``params``, ``network``, ``training``, ...) to a tracking reporter
        (``tracking.MLflowReporter``; other reporters have no ``log_params``)."""
        if hasattr(reporter, "log_params") and is_main_process():
            reporter.log_params(sections)

    # ---- model files ---------------------------------------------------------------------------------
    def _state(self) -> dict:
        """Everything besides the kind and the parameters that config.json holds (JSON-ready)."""
        raise NotImplementedError

    def _restore(self, document, tensors: dict[str, torch.Tensor] | None) -> None:
        """Set the fitted attributes from a validated ``document`` (an instance of ``_schema``); ``net_`` is
        built and, unless ``tensors`` is None (an ONNX export), loaded with them."""
        raise NotImplementedError

    def save(self, directory: str | Path) -> Path:
        """Write the model to ``directory`` (config.json + weights.safetensors), atomically. Under torchrun
        only rank 0 writes; a checkpoint left for ``directory`` by training is removed once it is saved."""
        self._check_fitted()
        directory = Path(directory)
        if not is_main_process():
            return directory
        config = {"kind": self._kind, "params": self.get_params(), **self._state()}
        artifact.save_model(directory, config, self.net_.state_dict())
        remove_checkpoint(directory)
        return directory

    def export_onnx(self, directory: str | Path) -> Path:
        """Write the model to ``directory`` for onnxruntime: config.json (``"runtime": "onnx"``) and
        ``model.onnx``, no PyTorch weights. ``lstmkit.load(directory)`` (or ``lstmkit predict directory DATA``)
        then forecasts or classifies through onnxruntime with the same outputs (to float rounding). Needs
        ``pip install 'lstmkit[onnx]'``; see ``onnxnet`` for what exports."""
        self._check_fitted()
        if isinstance(self.net_, onnxnet.OnnxNetwork):
            raise ConfigError("this model was loaded from an ONNX export already; copy that folder instead.")
        onnxnet.require_onnx("ONNX export", ("onnx",))
        directory = Path(directory)
        if not is_main_process():
            return directory
        config = {"kind": self._kind, "params": self.get_params(), **self._state()}
        return artifact.save_model(directory, config, onnx=lambda path: onnxnet.export(self.net_, path, getattr(self, "lookback_", 8)))

    @classmethod
    def load(cls, directory: str | Path):
        """Rebuild a model saved with ``save``; its outputs are bit-identical (at the same thread count). A folder
        written by ``export_onnx`` runs its network through onnxruntime."""
        config, tensors = artifact.load_model(directory, cls._kind)
        config = artifact.upgrade(config, tensors)
        broken = [k for k, v in (tensors or {}).items() if v.is_floating_point() and not torch.isfinite(v).all()]
        if broken:
            raise ModelFileError(
                f"model folder {str(directory)!r} is damaged: the weights {broken[:3]} hold values that are not "
                "finite (NaN or inf). Retrain or restore the model."
            )
        try:
            document = msgspec.convert(config, cls._schema)
        except msgspec.ValidationError as err:
            raise ModelFileError(f"model folder {str(directory)!r} is damaged: {describe_error(err, config)}") from None
        known = set(inspect.signature(cls.__init__).parameters)
        model = cls(**{k: v for k, v in config["params"].items() if k in known})
        try:
            model._restore(document, tensors)
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise ModelFileError(f"model folder {str(directory)!r} is damaged: {err}") from None
        if tensors is None:  # exported to ONNX: the session stands in for the network built from config.json
            model.net_ = onnxnet.OnnxNetwork(Path(directory) / artifact.ONNX_FILE, model.net_)
        return model


def _load_initial(net: nn.Module, init: dict) -> None:
    """Start ``net`` from ``init``'s weights; a network of another shape is one clear error."""
    own = net.state_dict()
    wrong = [f"{k} {tuple(init[k].shape)} vs {tuple(v.shape)}" for k, v in own.items() if k in init and init[k].shape != v.shape]
    missing = [k for k in own if k not in init]
    if wrong or missing:
        raise ConfigError(
            "init_from: the trained model's network has another shape than this one "
            f"({', '.join(wrong[:2] or missing[:2])}): train with the same hidden size, layers, horizon, inputs "
            "and quantiles, or train from scratch."
        )
    net.load_state_dict(init)


def load(directory: str | Path) -> Estimator:
    """Open any lstmkit model folder and return its estimator (Forecaster, SequenceClassifier, ...)."""
    kind = artifact.model_kind(directory)
    if kind not in _KINDS:
        raise ModelFileError(
            f"{str(directory)!r} holds a model of kind {kind!r}, which this lstmkit does not know "
            f"(it knows {', '.join(sorted(_KINDS))}). Upgrade lstmkit: pip install -U lstmkit"
        )
    return _KINDS[kind].load(directory)
