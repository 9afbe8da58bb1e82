"""Experiment tracking: ``MLflowReporter`` logs a training run to MLflow through the progress ``Reporter`` protocol.

    >>> from lstmkit.tracking import MLflowReporter
    >>> with MLflowReporter("sqlite:///mlflow.db", experiment="airline") as run:     # doctest: +SKIP
    ...     model = Forecaster().fit(data, target="passengers", time_col="timestamp", test_size=24, reporter=run)
    ...     run.log_model(model.save("airline-model"))
    ...     run.log_metrics(model.evaluate(data).metrics, prefix="test")

What it logs: the estimator's parameters and the resolved training settings before training, and the network's
(with the lookbacks tried, ``selection.*``, when the lookback was chosen on validation) once it is known
(``log_params``), the losses and learning rate of every epoch (``update``, step = epoch; a fit that trains several
networks logs each one's epochs in turn), the final figures when a network's training ends (``close``: epochs, best
epoch, best and last losses, over the epochs logged so far), any metrics given
(``log_metrics``: nested dicts flattened to ``test.rolling.lstm.mase``), and the model folder as the run's
``model`` artifact (``log_model``). The run ends with ``end`` (or the ``with`` block: FAILED on an exception).
An ``inner`` reporter (a progress bar) is driven alongside.

MLflow 3 refuses ``file:`` tracking URIs (its file store is in maintenance mode) unless MLFLOW_ALLOW_FILE_STORE is
true; a local ``sqlite:///path/mlflow.db`` works out of the box. mlflow is imported only when a reporter is made:
``pip install 'lstmkit[mlflow]'``.
"""

from __future__ import annotations

import math
from pathlib import Path

from .exceptions import ConfigError
from .progress import NullReporter, Reporter

__all__ = ["MLflowReporter", "flatten"]

INSTALL = "install it with: pip install 'lstmkit[mlflow]'"


class MLflowReporter:
    """A Reporter that logs one MLflow run (see the module). ``tracking_uri``: e.g. ``sqlite:///mlflow.db``,
    ``http://host:5000``, or ``file:./mlruns`` where MLflow allows it; ``experiment``: created if missing."""

    def __init__(self, tracking_uri: str, *, experiment: str = "lstmkit", run_name: str | None = None,
                 inner: Reporter | None = None) -> None:
        try:
            from mlflow import MlflowClient
            from mlflow.exceptions import MlflowException
        except ImportError:
            raise ConfigError(f"--mlflow needs the mlflow package, which is not installed; {INSTALL}") from None
        self.inner = inner or NullReporter()
        self.tracking_uri = tracking_uri
        try:
            self.client = MlflowClient(tracking_uri=tracking_uri)
            found = self.client.get_experiment_by_name(experiment)
            experiment_id = found.experiment_id if found else self.client.create_experiment(experiment)
            self.run_id = self.client.create_run(experiment_id, run_name=run_name).info.run_id
        except MlflowException as err:
            hint = (" MLflow 3 refuses file: stores: use a local database, e.g. --mlflow sqlite:///mlflow.db, or set "
                    "MLFLOW_ALLOW_FILE_STORE=true." if "maintenance mode" in str(err) else
                    " Give a tracking URI such as sqlite:///mlflow.db or http://host:5000.")
            raise ConfigError(f"MLflow tracking URI {tracking_uri!r} cannot be used: {_first_line(err)}.{hint}") from None
        self.records: list[dict] = []
        self.ended = False

    # ---- the Reporter protocol ----------------------------------------------------------------------
    def label(self, text: str) -> None:
        if hasattr(self.inner, "label"):
            self.inner.label(text)

    def start(self, max_epochs: int, first_epoch: int = 0) -> None:
        if first_epoch:
            self.client.set_tag(self.run_id, "lstmkit.resumed_at_epoch", str(first_epoch))
        self.inner.start(max_epochs, first_epoch)

    def update(self, record: dict) -> None:
        from mlflow.entities import Metric

        self.records.append(record)
        step, stamp = int(record["epoch"]), _now_ms()
        metrics = [Metric(key, float(record[key]), stamp, step) for key in ("train_loss", "val_loss", "lr", "seconds")
                   if record.get(key) is not None and math.isfinite(record[key])]
        self.client.log_batch(self.run_id, metrics=metrics)
        self.inner.update(record)

    def close(self, message: str | None = None) -> None:
        if self.records:
            watched = "val_loss" if self.records[-1].get("val_loss") is not None else "train_loss"
            best = min(self.records, key=lambda r: r[watched])
            self.log_metrics({"epochs": len(self.records), "best_epoch": best["epoch"], f"best_{watched}": best[watched],
                              "final_train_loss": self.records[-1]["train_loss"]})
        if message:
            self.client.set_tag(self.run_id, "lstmkit.stop", message)
        self.inner.close(message)

    # ---- what the protocol does not carry ----------------------------------------------------------------
    def log_params(self, params: dict) -> None:
        """Parameters (nested dicts flattened: ``network.hidden_size``); values longer than MLflow takes are cut."""
        from mlflow.entities import Param

        flat = flatten(params)
        self.client.log_batch(self.run_id, params=[Param(k, str(v)[:6000]) for k, v in flat.items()])

    def log_metrics(self, metrics: dict, prefix: str = "") -> None:
        """Numbers of a (nested) dict, e.g. ``Evaluation.metrics``, as ``prefix.rolling.lstm.mase``; others skipped."""
        from mlflow.entities import Metric

        stamp = _now_ms()
        flat = flatten({prefix: metrics} if prefix else metrics)
        values = [Metric(k, float(v), stamp, 0) for k, v in flat.items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
        for start in range(0, len(values), 1000):  # MLflow takes at most 1000 metrics a batch
            self.client.log_batch(self.run_id, metrics=values[start : start + 1000])

    def log_model(self, directory: str | Path, artifact_path: str = "model") -> None:
        """The model folder (config.json + weights, or an ONNX export) as the run's ``model`` artifact."""
        self.client.log_artifacts(self.run_id, str(directory), artifact_path=artifact_path)

    def end(self, status: str = "FINISHED") -> None:
        if not self.ended:
            self.client.set_terminated(self.run_id, status=status)
            self.ended = True

    def __enter__(self) -> MLflowReporter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.end("FAILED" if kind is not None else "FINISHED")


def flatten(tree: dict, prefix: str = "") -> dict:
    """{"a": {"b": 1}, "c": [1, 2]} -> {"a.b": 1, "c": [1, 2]}: nested dicts joined with dots."""
    out = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out |= flatten(value, name)
        else:
            out[name] = value
    return out


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)


def _first_line(err: Exception) -> str:
    """The first sentence of MLflow's message (its messages run to a paragraph)."""
    return str(err).strip().splitlines()[0].split(". ")[0].rstrip(".")
