"""The ``lstmkit`` command line: parses options, calls the library, prints. No logic of its own.

    app       the Typer app, one-line errors (exit 2), option choices from the library's tuples
    tables    the score tables
    demo      lstmkit demo
    train     lstmkit train
    score     lstmkit evaluate, predict, backtest, report
    export    lstmkit export (ONNX)
    tune      lstmkit tune (Optuna)
"""

from __future__ import annotations

from . import demo, export, score, train, tune  # noqa: F401  (each registers its commands on the app)
from .app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``lstmkit`` script and ``python -m lstmkit``."""
    app()
