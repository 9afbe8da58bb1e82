"""``lstmkit export``: a trained model folder rewritten for another runtime (ONNX)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..estimator import load
from ..onnxnet import EXPORT_FORMATS
from .app import choices, command, err

ExportFormat = choices("ExportFormat", EXPORT_FORMATS)


@command(
    epilog="Examples:\n\n  lstmkit export airline-model --format onnx --out airline-onnx\n\n"
    "  lstmkit predict airline-onnx airline.csv --out forecast.csv\n\n"
    "      the exported folder predicts, evaluates and backtests like the model it came from, through onnxruntime "
    "(pip install 'lstmkit[onnx]'); it holds config.json and model.onnx, no PyTorch weights, so it cannot be "
    "trained further or exported again.",
)
def export(
    model_dir: Annotated[Path, typer.Argument(help="Model folder written by 'lstmkit train'.")],
    output: Annotated[Path, typer.Option("--out", help="Folder to write: config.json + model.onnx.")],
    format: Annotated[ExportFormat, typer.Option("--format", help="Runtime to export for.")] = ExportFormat.onnx,
) -> None:
    """Export a trained forecaster or sequence model for onnxruntime (forecasting and classification only)."""
    model = load(model_dir)
    model.export_onnx(output)
    err.print(f"wrote {output}  ({format.value}: config.json, model.onnx)")
