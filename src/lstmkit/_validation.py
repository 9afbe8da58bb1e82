"""Each check lstmkit makes of a parameter or a column, written once.

Parameters: ``positive_int``, ``fraction``, ``one_of``, ``names`` raise a ``ConfigError`` that names the
parameter, shows the value seen and says what is allowed. Config dataclasses (``NetConfig``, ``TrainConfig``,
...) are checked field by field from their annotations by ``build`` (msgspec), the same way whether the
values come from an estimator's parameters or from a model's config.json; ``PositiveInt`` and friends are
the annotations. ``to_builtin`` turns numpy and pandas scalars into what JSON holds; ``require_columns``
is the one "column not found" check.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import typing
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, TypeVar

import msgspec
import numpy as np

from .exceptions import ConfigError, DataError, did_you_mean

__all__ = [
    "PositiveInt",
    "NonNegativeInt",
    "Fraction",
    "PositiveFloat",
    "positive_int",
    "fraction",
    "one_of",
    "names",
    "to_builtin",
    "require_columns",
    "build",
    "describe_error",
]

T = TypeVar("T")

PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
Fraction = Annotated[float, msgspec.Meta(ge=0, lt=1)]  # dropout, shares held out
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]


def positive_int(name: str, value, *, minimum: int = 1, optional: bool = False) -> int | None:
    """``value`` as an int >= ``minimum`` (None passes when ``optional``); bools and floats are refused."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ConfigError(f"{name} must be {what}{' or None' if optional else ''}; got {value!r}.")
    return int(value)


def fraction(name: str, value, *, closed: bool = False, hint: str = "") -> float:
    """``value`` in [0, 1) (or [0, 1] when ``closed``)."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (0 <= value <= 1 if closed else 0 <= value < 1):
        raise ConfigError(f"{name} must be in [0, 1{']' if closed else ')'}; got {value!r}.{hint}")
    return float(value)


def one_of(name: str, value, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``, else a ConfigError with the choices and the closest one."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} is not one of {', '.join(allowed)}.{did_you_mean(value, allowed)}")
    return value


def names(value: Sequence[str] | str | None) -> tuple[str, ...]:
    """Column names given as 'a,b', ['a', 'b'] or None -> ('a', 'b') / ()."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(n.strip() for n in value.split(",") if n.strip())
    return tuple(value)


def to_builtin(value):
    """A value as JSON holds it: numpy scalars become Python numbers, timestamps ISO text."""
    if isinstance(value, (dt.datetime, np.datetime64)):  # pd.Timestamp is a datetime
        import pandas as pd  # only for timestamps: this module stays light for networks.py

        return pd.Timestamp(value).isoformat()
    return value.item() if isinstance(value, np.generic) else value


def require_columns(frame, wanted: Iterable[str | None]) -> None:
    """A DataError naming the first of ``wanted`` that ``frame`` lacks, the closest match and the columns."""
    available = [str(c) for c in frame.columns]
    for name in wanted:
        if name is not None and name not in frame.columns:
            raise DataError(
                f"column {name!r} not found.{did_you_mean(name, available)} The data has columns: "
                f"{', '.join(available)}."
            )


def build(cls: type[T], values: dict[str, Any], *, where: str = "") -> T:
    """``cls(**values)`` with every field checked against its annotation (type, range, choices), so a config
    built from parameters and one read back from config.json pass the same checks. -> ConfigError."""
    for name, hint in typing.get_type_hints(cls).items():  # choices first: their error names the closest one
        if typing.get_origin(hint) is typing.Literal and name in values:
            one_of(name, values[name], typing.get_args(hint))
    try:
        return msgspec.convert({k: to_builtin(v) for k, v in values.items()}, cls)
    except msgspec.ValidationError as err:
        raise ConfigError(f"{where}{describe_error(err, values)}") from None


_EXPECTED = {"`int`": "an integer", "`float`": "a number", "`str`": "text", "`bool`": "true or false",
             "`array`": "a list", "`object`": "an object", "`null`": "null"}


def describe_error(err: msgspec.ValidationError, document) -> str:
    """msgspec's "Expected `int` >= 1 - at `$.fitted.lookback`" as "fitted.lookback = 0, expected an integer
    >= 1" (the value seen looked up in ``document``)."""
    text = str(err)
    match = re.fullmatch(r"(.*?)(?: - at `\$(.*)`)?", text, flags=re.S)
    message, path = match.group(1), (match.group(2) or "")
    for typ, words in _EXPECTED.items():
        message = message.replace(typ, words)
    message = message[0].lower() + message[1:] if message else message
    dotted = path.lstrip(".")
    if not dotted:
        return message
    if not message.startswith(("expected", "invalid enum value")):  # a cross-field check: its text says it all
        return message if message.startswith(dotted) else f"{dotted}: {message}"
    seen = _lookup(document, path)
    shown = f" = {seen!r}" if seen is not _MISSING else ""
    if message.startswith("invalid enum value"):
        return f"{dotted}{shown}, which is not one of the values allowed there"
    return f"{dotted}{shown}, {message}"


_MISSING = object()


def _lookup(document, path: str):
    value = document
    for key, index in re.findall(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]", path):
        try:
            if key:
                value = value[key]
            elif index == "...":
                return _MISSING
            else:
                value = value[int(index)]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value
