"""lstmkit: LSTM forecasting and sequence classification you can trust.

Two tasks on one core. Data flows down, and imports point down only (checked by import-linter, see
pyproject.toml)::

    cli/                       typed commands: parse, call the library, print
    report                     the HTML report of a forecaster
    forecasting/ | sequences/  the two tasks (never importing each other)
      forecasting/   windows -> inference -> calibration -> fitted -> intervals, metrics, baselines ->
                     plan -> evaluation -> backtest -> forecaster -> tuning    (Forecaster, backtest, tune)
      sequences/     inputs, batches, labels, metrics -> model -> classifier, arrays
                     (SequenceClassifier, LSTMClassifier, LSTMRegressor)
    plots                      matplotlib, from plain frames (below the result types that call it)
    estimator                  one base: parameters, fitted check, training, save/load; lstmkit.load
    training, checkpoints, distributed, artifact, config   the fit loop, its checkpoints, torchrun,
                                                            model files (schema-checked), run configs
    onnxnet, tracking          ONNX export and the onnxruntime network; the MLflow reporter
    networks, layers           every nn.Module (one LSTM encoder, a head per task)
    prep, clock, io, datasets  preparation fitted on training rows, the series' clock, reading tables
    progress, _validation, exceptions, _version
"""

from __future__ import annotations

from ._version import __version__
from .datasets import load_airline, make_demo_series
from .estimator import load
from .exceptions import ConfigError, DataError, LstmkitError, ModelFileError, NotFittedError
from .forecasting.backtest import Backtest
from .forecasting.configured import backtest
from .forecasting.evaluation import Evaluation
from .forecasting.forecaster import Forecaster
from .forecasting.tuning import TuneResult, tune
from .forecasting.windows import make_windows
from .io import read_table
from .sequences.arrays import LSTMClassifier, LSTMRegressor
from .sequences.classifier import SequenceClassifier
from .sequences.metrics import ClassificationEvaluation
from .tracking import MLflowReporter

__all__ = [
    "__version__",
    "Forecaster",
    "Evaluation",
    "SequenceClassifier",
    "ClassificationEvaluation",
    "LSTMClassifier",
    "LSTMRegressor",
    "Backtest",
    "backtest",
    "tune",
    "TuneResult",
    "MLflowReporter",
    "load",
    "read_table",
    "make_windows",
    "load_airline",
    "make_demo_series",
    "LstmkitError",
    "DataError",
    "ConfigError",
    "ModelFileError",
    "NotFittedError",
]
