"""The Typer app, its error handling, and the option choices, built from the library's own tuples.

Library errors (``LstmkitError``) become one red line on stderr and exit code 2; warnings print as one
yellow line each. Under torchrun only rank 0 prints.
"""

from __future__ import annotations

import functools
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from ..distributed import is_main_process
from ..exceptions import LstmkitError
from ..forecasting.intervals import METHODS, check_levels
from ..io import CSV_SUFFIXES, load_frame
from ..networks import ARCHS, CELL_ACTIVATIONS, WINDOW_NORMS
from ..prep import IMPUTE, SCALING
from ..training import DEVICES, LOSSES, PRECISIONS

app = typer.Typer(
    name="lstmkit",
    help="LSTM forecasting you can trust: leak-free preparation, metrics beside baselines, safe model files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console()
err = Console(stderr=True)


def choices(name: str, values) -> type[Enum]:
    """A str Enum of the library's allowed values, for Typer's choice options."""
    return Enum(name, {str(v): str(v) for v in values}, type=str)


Impute = choices("Impute", IMPUTE)
Scaling = choices("Scaling", SCALING)
WindowNorm = choices("WindowNorm", WINDOW_NORMS)
Loss = choices("Loss", LOSSES)
Device = choices("Device", DEVICES)
Precision = choices("Precision", PRECISIONS)
Arch = choices("Arch", ARCHS)
CellActivation = choices("CellActivation", CELL_ACTIVATIONS)
IntervalMethod = choices("IntervalMethod", METHODS)
Task = choices("Task", ("forecast", "classify"))  # which estimator train builds
ClassWeight = choices("ClassWeight", ("balanced", "none"))  # the library's 'balanced' or None

INTERVALS_HELP = "Prediction intervals at these levels, e.g. 0.8,0.95 (lower_/upper_ columns per level)."
METHOD_HELP = (
    "conformal: split conformal from validation errors (any model; the default of predict); adaptive: conformal "
    "that adapts to the test outcomes as they come in (evaluate, backtest and report: their default); quantile: "
    "the quantile head (train with --quantiles)."
)


def command(epilog: str):
    """Register a command whose library errors print as one red line and exit with code 2."""

    def register(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("default", UserWarning)
                    warnings.showwarning = _show_warning
                    return function(*args, **kwargs)
            except LstmkitError as error:
                if is_main_process():  # under torchrun every rank meets the error: say it once
                    err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True, markup=True)
                raise typer.Exit(2) from None

        return app.command(epilog=_verbatim_examples(epilog))(run)

    return register


def _verbatim_examples(epilog: str) -> str:
    """Click rewraps every paragraph of an epilog; a paragraph led by \\b keeps its lines as written, so an
    example command (or a TOML file) can be copied whole."""
    paragraphs = epilog.split("\n\n")
    keep = ("lstmkit", "torchrun", "python")
    return "\n\n".join("\b\n" + _shell_lines(p) if p.lstrip().startswith(keep) else p for p in paragraphs)


def _shell_lines(command: str, width: int = 74) -> str:
    """A long example command as shell lines continued with a backslash, each at most ``width`` wide."""
    indent = command[: len(command) - len(command.lstrip())]
    lines, line = [], indent
    for word in command.split():
        if len(line) + len(word) + 3 > width and line.strip():
            lines.append(line + " \\")
            line = indent + "    "
        line += ("" if line.endswith(" ") or not line.strip() else " ") + word
    return "\n".join([*lines, line])


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    err.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


SepOption = Annotated[Optional[str], typer.Option("--sep", help="CSV column separator [default: detected from the header: , ; tab |].", rich_help_panel="Reading the file")]
DecimalOption = Annotated[str, typer.Option("--decimal", help="Decimal mark of numbers in a CSV, e.g. , for 1,5.", rich_help_panel="Reading the file")]
ThousandsOption = Annotated[Optional[str], typer.Option("--thousands", help="Thousands separator of numbers in a CSV, e.g. , for 1,505.", rich_help_panel="Reading the file")]


def read_data(path: Path, sep: Optional[str], decimal: str, thousands: Optional[str]):
    """A CSV read with the given options (separator detected when not given); other files as their path,
    which the library reads itself (a Parquet file column by column)."""
    if path.suffix.lower() in CSV_SUFFIXES:
        return load_frame(path, sep=sep, decimal=decimal, thousands=thousands)
    return path


def names_of(value: Optional[str]) -> Optional[list[str]]:
    """'a,b' -> ['a', 'b']; None or '' -> None."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def levels_of(value: Optional[str]) -> Optional[list[float]]:
    """Interval levels '0.8,0.95' -> [0.8, 0.95] (checked); None -> None."""
    return list(check_levels(value)) if value else None


