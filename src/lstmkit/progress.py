"""Training progress: a Rich bar in a terminal, plain lines elsewhere, nothing when quiet.

The fit loop calls ``reporter.update(record)`` once per epoch with a dict holding ``epoch``,
``train_loss``, ``val_loss`` (or None) and ``lr``. Reporters write to stderr so stdout stays clean for
``--json`` output, except ``TutorialLines`` which prints the tutorial's ``Epoch [k/E], Loss: x`` lines.

A reporter may also have ``log_params(dict)``: the estimator calls it with its parameters and the resolved
training settings before training, and the network's once it is known (``tracking.MLflowReporter`` logs them); and
``label(text)``: the estimator calls it before each network of a fit that trains several (``lookback 24, 1 of
4``, ``network 2 of 3``), so the lines or bars say which one is training.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

__all__ = ["Reporter", "NullReporter", "PlainReporter", "TutorialLines", "RichReporter", "make_reporter"]


class Reporter(Protocol):
    def start(self, max_epochs: int, first_epoch: int = 0) -> None: ...
    def update(self, record: dict) -> None: ...
    def close(self, message: str | None = None) -> None: ...


class NullReporter:
    def start(self, max_epochs: int, first_epoch: int = 0) -> None:
        pass

    def update(self, record: dict) -> None:
        pass

    def close(self, message: str | None = None) -> None:
        pass


def _losses(record: dict) -> str:
    text = f"loss {record['train_loss']:.4f}"
    if record.get("val_loss") is not None:
        text += f"  val {record['val_loss']:.4f}"
    return text + f"  lr {record['lr']:.2g}"


class PlainReporter:
    """One line every ``every`` epochs (and the last), for logs and pipes."""

    def __init__(self, stream: TextIO | None = None, every: int = 10) -> None:
        self.stream, self.every, self.prefix = stream or sys.stderr, every, ""

    def label(self, text: str) -> None:
        self.prefix = f"{text}: "

    def start(self, max_epochs: int, first_epoch: int = 0) -> None:
        self.max_epochs = max_epochs

    def update(self, record: dict) -> None:
        epoch = record["epoch"]
        if epoch % self.every == 0 or epoch == self.max_epochs or epoch == 1:
            print(f"{self.prefix}epoch {epoch}/{self.max_epochs}  {_losses(record)}", file=self.stream, flush=True)

    def close(self, message: str | None = None) -> None:
        if message:
            print(message, file=self.stream, flush=True)


class TutorialLines(PlainReporter):
    """The tutorial seed's ``Epoch [k/E], Loss: x.xxxx`` every 10 epochs, on stdout."""

    def __init__(self, stream: TextIO | None = None, every: int = 10) -> None:
        super().__init__(stream or sys.stdout, every)

    def update(self, record: dict) -> None:
        epoch = record["epoch"]
        if epoch % self.every == 0:
            print(f"Epoch [{epoch}/{self.max_epochs}], Loss: {record['train_loss']:.4f}", file=self.stream, flush=True)


class RichReporter:
    """A live progress bar with the latest losses."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[losses]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.description = "training"

    def label(self, text: str) -> None:
        self.description = f"training {text}"

    def start(self, max_epochs: int, first_epoch: int = 0) -> None:
        self.progress.start()
        self.task = self.progress.add_task(self.description, total=max_epochs, completed=first_epoch, losses="")

    def update(self, record: dict) -> None:
        self.progress.update(self.task, completed=record["epoch"], losses=_losses(record))

    def close(self, message: str | None = None) -> None:
        self.progress.stop()
        if message:
            self.progress.console.print(message)


def make_reporter(verbose: int | bool) -> Reporter:
    """verbose 0: nothing; 1: a bar in a terminal (or notebook), plain lines otherwise; 2: plain lines."""
    if not verbose:
        return NullReporter()
    if verbose == 1 and (sys.stderr.isatty() or _in_notebook()):
        return RichReporter()
    return PlainReporter()


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython  # type: ignore[import-not-found]
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"
