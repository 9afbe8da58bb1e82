"""lstmkit: LSTM forecasting and sequence classification you can trust."""

from __future__ import annotations

__version__ = "0.1.0"

from .arrays import LSTMClassifier, LSTMRegressor
from .backtest import Backtest, backtest
from .classifier import SequenceClassifier
from .classmetrics import ClassificationEvaluation
from .datasets import load_airline, make_demo_series
from .exceptions import ConfigError, DataError, LstmkitError, ModelFileError, NotFittedError
from .forecaster import Evaluation, Forecaster
from .io import read_table
from .windows import make_windows

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
