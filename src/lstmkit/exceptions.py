"""Errors lstmkit raises.

Every message says what is wrong, the value seen, and how to fix it. The CLI prints it as one line and
exits with code 2. All are subclasses of built-in exceptions, so ``except ValueError`` keeps working::

    LstmkitError
     ├── DataError(ValueError)        the data: columns, values, lengths, timestamps, shapes
     ├── ConfigError(ValueError)      a parameter or option: out of range, unknown, inconsistent
     ├── ModelFileError(ValueError)   a model directory that is missing, foreign, corrupt or too new
     ├── WriteError(OSError)          an output that cannot be written: full disk, read-only, no name
     └── NotFittedError(ValueError, AttributeError)   predict/evaluate/save before fit
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["LstmkitError", "DataError", "ConfigError", "ModelFileError", "WriteError", "NotFittedError", "did_you_mean"]


class LstmkitError(Exception):
    """Base class of every error lstmkit raises on purpose."""


class DataError(LstmkitError, ValueError):
    """The data cannot be used as given."""


class ConfigError(LstmkitError, ValueError):
    """A parameter or option is invalid."""


class ModelFileError(LstmkitError, ValueError):
    """A model directory cannot be loaded."""


class WriteError(LstmkitError, OSError):
    """An output cannot be written where it was asked for; nothing there was changed."""


class NotFittedError(LstmkitError, ValueError, AttributeError):
    """The estimator is used before ``fit``."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ' Did you mean 'x'?' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    if not close:
        close = [c for c in map(str, choices) if c.lower() == str(name).lower()]
    return f" Did you mean {close[0]!r}?" if close else ""
