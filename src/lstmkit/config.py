"""Run configs: one .toml or .json file for ``lstmkit train --config``, ``lstmkit tune`` and ``lstmkit backtest``::

    [data]                      # column roles, as for Forecaster.fit
    target = "passengers"
    time_col = "timestamp"      # also id_col, features = [...], categorical = [...]
    test_size = 24
    [forecaster]                # Forecaster parameters (lstmkit train's options, with _)
    lookback = 24
    max_epochs = 50
    [search]                    # lstmkit tune: each parameter's choices, or a range
    lookback = [12, 24, 36]                     # choices
    lr = { low = 1e-4, high = 1e-2, log = true }  # a float range (log scale)
    hidden_size = { low = 16, high = 128, step = 16 }  # an integer range (integer bounds)
    [tune]                      # lstmkit tune's settings (its options override them)
    trials = 20
    folds = 3                   # rolling-origin folds inside the training part
    fold_size = 12              # default: the horizon
    metric = "mase"             # scored on the LSTM's multistep forecasts of each fold
    evaluation = "multistep"    # or "rolling" (one step ahead)
    threads = 1                 # torch threads while tuning (0: torch's default)

Every table but [data] is optional; ``train`` and ``backtest`` ignore [search] and [tune]. Unknown tables and keys
are refused with the closest known one (the Forecaster parameters and the searched ones are checked by the
Forecaster and ``forecasting.tuning``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import ConfigError, did_you_mean

__all__ = ["read_config", "split_config", "load_run_config", "RunConfig", "DATA_KEYS", "TUNE_KEYS", "RANGE_KEYS"]

DATA_KEYS = ("target", "time_col", "id_col", "features", "categorical", "future_features", "static", "calendar",
             "holidays", "date_format", "dayfirst", "test_size")
TUNE_KEYS = ("trials", "folds", "fold_size", "metric", "evaluation", "seed", "timeout", "threads")
RANGE_KEYS = ("low", "high", "log", "step")
TABLES = ("data", "forecaster", "search", "tune")


@dataclass(frozen=True)
class RunConfig:
    """A run config, checked table by table: Forecaster parameters, column roles for fit, the search space
    ({parameter: list of choices | {low, high[, log][, step]}}) and tune's settings."""

    params: dict
    data: dict
    search: dict = field(default_factory=dict)
    tune: dict = field(default_factory=dict)
    where: str = "the config"


def read_config(path: str | Path) -> dict:
    """The document in a .toml or .json config file."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{str(path)!r} is neither a model folder nor a config file: it does not exist.")
    if path.suffix.lower() not in (".toml", ".json"):
        raise ConfigError(f"config {str(path)!r} must be a .toml or .json file (or give a model folder).")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            return json.loads(text)
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib
        return tomllib.loads(text)
    except (ValueError, UnicodeDecodeError, OSError) as err:
        raise ConfigError(f"config {str(path)!r} cannot be parsed: {err}") from None


def load_run_config(source: str | Path | dict, where: str | None = None) -> RunConfig:
    """A RunConfig from a .toml/.json file or a dict of the same tables, every table and key checked; errors
    name ``where`` (default: the file, or 'the config')."""
    where = where or ("the config" if isinstance(source, dict) else str(source))
    config = source if isinstance(source, dict) else read_config(source)
    if not isinstance(config, dict):
        raise ConfigError(f"{where} must hold tables [data] and [forecaster]; got {type(config).__name__}.")
    unknown = set(config) - set(TABLES)
    if unknown or "data" not in config:
        name = sorted(unknown)[0] if unknown else "data"
        hint = did_you_mean(name, TABLES) if unknown else ""
        raise ConfigError(
            f"{where} needs a [data] table (target, time_col, ...) and optional tables [forecaster], [search] and "
            f"[tune]; got {sorted(config) or 'nothing'}.{hint}"
        )
    data, params, search, tune = (_table(config, name, where) for name in TABLES)
    _known_keys(data, DATA_KEYS, "data", where)
    _known_keys(tune, TUNE_KEYS, "tune", where)
    if "target" not in data:
        raise ConfigError(f"{where}: [data] must name the target column (target = \"sales\").")
    for name, value in search.items():
        if isinstance(value, dict):
            _known_keys(value, RANGE_KEYS, f"search.{name}", where)
            if "low" not in value or "high" not in value:
                raise ConfigError(f"{where}: [search] {name} = {value!r} needs low and high, e.g. "
                                  f"{name} = {{ low = 1e-4, high = 1e-2, log = true }}.")
        elif not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: [search] {name} = {value!r} must be a list of choices ({name} = [24, 48]) "
                              f"or a range ({name} = {{ low = 16, high = 128 }}).")
    return RunConfig(params=params, data=data, search=search, tune=tune, where=where)


def split_config(config: dict, where: str) -> tuple[dict, dict]:
    """(Forecaster parameters, column roles for fit) from a config document, every key checked."""
    run = load_run_config(config, where)
    return dict(run.params), dict(run.data)


def _table(config: dict, name: str, where: str) -> dict:
    table = config.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{name}] must be a table of keys and values; got {table!r}.")
    return dict(table)


def _known_keys(table: dict, known: tuple[str, ...], name: str, where: str) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}: [{name}] has no key {key!r}; keys: {', '.join(known)}.{did_you_mean(key, known)}")
