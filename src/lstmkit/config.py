"""Run configs: a .toml or .json file with a ``[data]`` table of column roles and a ``[forecaster]`` table of
Forecaster parameters, the form ``lstmkit backtest`` reads::

    [data]                      # column roles, as for Forecaster.fit
    target = "passengers"
    time_col = "timestamp"      # also id_col, features = [...], categorical = [...]
    test_size = 24
    [forecaster]                # Forecaster parameters (lstmkit train's options, with _)
    lookback = 24
    max_epochs = 50

Unknown tables and keys are refused with the closest known one.
"""

from __future__ import annotations

import json
from pathlib import Path

from .exceptions import ConfigError, did_you_mean

__all__ = ["read_config", "split_config", "DATA_KEYS"]

DATA_KEYS = ("target", "time_col", "id_col", "features", "categorical", "test_size")
TABLES = ("data", "forecaster")


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


def split_config(config: dict, where: str) -> tuple[dict, dict]:
    """(Forecaster parameters, column roles for fit) from a config document, every key checked."""
    if not isinstance(config, dict):
        raise ConfigError(f"{where} must hold tables [data] and [forecaster]; got {type(config).__name__}.")
    unknown = set(config) - set(TABLES)
    if unknown or "data" not in config:
        name = sorted(unknown)[0] if unknown else "data"
        hint = did_you_mean(name, TABLES) if unknown else ""
        raise ConfigError(
            f"{where} needs a [data] table (target, time_col, ...) and an optional [forecaster] table; "
            f"got {sorted(config) or 'nothing'}.{hint}"
        )
    data = dict(config["data"])
    for key in data:
        if key not in DATA_KEYS:
            raise ConfigError(f"{where}: [data] has no key {key!r}; keys: {', '.join(DATA_KEYS)}.{did_you_mean(key, DATA_KEYS)}")
    if "target" not in data:
        raise ConfigError(f"{where}: [data] must name the target column (target = \"sales\").")
    params = config.get("forecaster", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: [forecaster] must be a table of parameters; got {params!r}.")
    return dict(params), data
