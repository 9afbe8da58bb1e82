"""Backtesting what a user names: a Forecaster, a model folder, or a config (a dict or a .toml/.json file)."""

from __future__ import annotations

from pathlib import Path

from ..config import read_config, split_config
from ..exceptions import ConfigError
from .backtest import Backtest
from .forecaster import Forecaster

__all__ = ["backtest"]


def backtest(model_or_config, data, **options) -> Backtest:
    """Backtest a Forecaster, a model folder, or a config: a dict or a .toml/.json file of the form::

        [data]                      # column roles, as for Forecaster.fit
        target = "passengers"
        time_col = "timestamp"      # also id_col, features = [...], categorical = [...]
        test_size = 24              # optional: the default fold_size is test_size // folds
        [forecaster]                # Forecaster parameters
        lookback = 24
        max_epochs = 50

    ``options`` are ``Forecaster.backtest``'s: folds=5, fold_size, refit=False, baselines, allow_in_sample,
    intervals, interval_method, verbose. A config describes an untrained model, so it needs ``refit=True``."""
    source = model_or_config
    if isinstance(source, Forecaster):
        return source.backtest(data, **options)
    if not isinstance(source, dict) and Path(source).is_dir():
        return Forecaster.load(source).backtest(data, **options)
    config = source if isinstance(source, dict) else read_config(source)
    params, fit_args = split_config(config, "the config" if isinstance(source, dict) else str(source))
    if not options.get("refit"):
        raise ConfigError("a config describes an untrained model, so each fold must train one: add --refit (refit=True).")
    return Forecaster().set_params(**params).backtest(data, **options, **fit_args)
