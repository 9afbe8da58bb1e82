"""Model directories: ``config.json`` + ``weights.safetensors``. Never pickle, so loading runs no code.

A model directory holds exactly:

    config.json          {"format": "lstmkit-model", "format_version": 2, "kind": ..., "versions": {...}, ...}
    weights.safetensors  the network's tensors

or, for a model exported to ONNX (``Estimator.export_onnx``), the same config.json with ``"runtime": "onnx"`` and,
in place of the weights, ``model.onnx``: the network as one ONNX graph, run by onnxruntime (``onnxnet``).

``save`` writes through ``files.write_folder_atomic`` (a temporary sibling, renamed into place under a lock;
an interrupted swap is completed or undone by the next read or write), and it refuses to replace a folder
that is not an lstmkit model or that holds files lstmkit did not write. Reading takes only regular files of
bounded size (never a FIFO or a device, which would hang or fill memory), and JSON nested too deeply is
refused; what the fields must hold is each estimator's schema (``Estimator.load``).

Format versions: 1 (lstmkit 0.1) kept the forecasting LSTM at ``lstm.*``; 2 keeps every network's LSTM in
its shared encoder, ``encoder.lstm.*``. ``upgrade`` reads version 1 folders.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from pathlib import Path

import numpy
import pandas
import torch
from torch import Tensor

from ._version import __version__
from .exceptions import ModelFileError
from .files import (
    folder_lock,
    named_path,
    read_json,
    recover,
    regular_file,
    write_atomic,
    write_folder_atomic,
)

__all__ = ["save_model", "load_model", "model_kind", "check_model_target", "upgrade", "write_atomic",
           "FORMAT", "FORMAT_VERSION", "ONNX_FILE", "RUNTIMES"]

FORMAT = "lstmkit-model"
FORMAT_VERSION = 2
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
ONNX_FILE = "model.onnx"
RUNTIMES = ("torch", "onnx")  # config.json's "runtime": what runs the network (absent: torch)
MAX_CONFIG_BYTES = 256 * 2**20  # a config of 10,000 series with calibration errors is a few MB
MAX_WEIGHTS_BYTES = 16 * 2**30


def versions() -> dict[str, str]:
    return {
        "lstmkit": __version__,
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "python": platform.python_version(),
    }


def save_model(directory: str | Path, config: dict, tensors: dict[str, Tensor] | None = None, *,
               onnx: Callable[[Path], object] | None = None) -> Path:
    """Write a model directory atomically. ``config`` must be JSON-serialisable. With ``onnx`` (a function that
    writes the network to the path it is given) the folder holds ``model.onnx`` instead of the weights, and
    config.json says ``"runtime": "onnx"``."""
    from safetensors.torch import save_file

    directory = check_model_target(directory)
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "versions": versions(), **config}
    if onnx is not None:
        document["runtime"] = "onnx"
    text = json.dumps(document, indent=1, allow_nan=True)

    def write(tmp: Path) -> None:
        if onnx is not None:
            onnx(tmp / ONNX_FILE)
        else:
            save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp / WEIGHTS)
        (tmp / CONFIG).write_text(text)

    write_folder_atomic(directory, write)
    return directory


def check_model_target(directory: str | Path) -> Path:
    """``directory`` may receive a model: it is new, empty, or an lstmkit model folder holding nothing else
    (what lstmkit did not write is never replaced). Checked before training too, not only at save."""
    directory = named_path(directory)
    if not directory.exists():
        return directory
    if not directory.is_dir():
        raise ModelFileError(f"{str(directory)!r} is a file; give a folder path for the model (e.g. --out model/).")
    present = sorted(p.name for p in directory.iterdir())
    if present and not _is_model(directory):
        raise ModelFileError(
            f"folder {str(directory)!r} already exists and is not an lstmkit model; refusing to replace it. "
            "Choose a new --out folder."
        )
    foreign = [name for name in present if name not in (CONFIG, WEIGHTS, ONNX_FILE)]
    if foreign:
        raise ModelFileError(
            f"model folder {str(directory)!r} also holds files lstmkit did not write ({', '.join(foreign[:3])}); "
            "replacing it would delete them. Move them out, or choose a new --out folder."
        )
    return directory


def _is_model(directory: Path) -> bool:
    try:
        return read_json(directory / CONFIG, MAX_CONFIG_BYTES).get("format") == FORMAT
    except (ModelFileError, AttributeError):
        return False


def load_model(directory: str | Path, kind: str) -> tuple[dict, dict[str, Tensor] | None]:
    """Read a model directory written by ``save_model``; returns (config, tensors on the CPU), or (config, None)
    for a folder exported to ONNX, whose ``model.onnx`` is then checked to be a regular file of bounded size."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    config = _read_config(Path(directory))
    if config.get("kind") != kind:
        raise ModelFileError(
            f"{str(directory)!r} holds a {config.get('kind')!r} model, not a {kind!r} model."
        )
    if runtime(config, directory) == "onnx":
        regular_file(Path(directory) / ONNX_FILE, MAX_WEIGHTS_BYTES, "the ONNX network")
        return config, None
    weights = Path(directory) / WEIGHTS
    regular_file(weights, MAX_WEIGHTS_BYTES, "the weights")
    try:
        tensors = load_file(weights)
    except (OSError, SafetensorError) as err:
        raise ModelFileError(f"weights in {str(directory)!r} cannot be read ({err}); the model folder is damaged.") from err
    return config, tensors


def runtime(config: dict, directory: str | Path) -> str:
    """What runs the network of the model in ``directory``: 'torch' (weights.safetensors) or 'onnx'."""
    value = config.get("runtime", "torch")
    if value not in RUNTIMES:
        raise ModelFileError(f"model folder {str(directory)!r} is damaged: runtime = {value!r}, expected one of "
                             f"{', '.join(RUNTIMES)}.")
    return value


def model_kind(directory: str | Path) -> str:
    """The ``kind`` of the model in ``directory`` ('forecaster', 'sequence_classifier', ...), checked
    the way ``load_model`` checks it, so the caller can pick the class that loads it."""
    return str(_read_config(Path(directory)).get("kind"))


def _read_config(directory: Path) -> dict:
    if directory.name and not directory.exists():
        with folder_lock(directory, required=False) as locked:
            if locked:
                recover(directory)  # a save interrupted between its renames
    if directory.is_file():
        raise ModelFileError(
            f"{str(directory)!r} is a file, not a model folder. The model comes first: lstmkit predict MODEL DATA "
            f"(e.g. lstmkit predict model/ {directory})."
        )
    if not directory.is_dir():
        raise ModelFileError(
            f"model folder {str(directory)!r} does not exist. Train one with: lstmkit train DATA --out {directory}"
        )
    config_path = directory / CONFIG
    if not config_path.exists():
        raise ModelFileError(
            f"{str(directory)!r} is not an lstmkit model: it has no {CONFIG}. Give the folder written by "
            "'lstmkit train --out' or Forecaster.save()."
        )
    config = read_json(config_path, MAX_CONFIG_BYTES)
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{str(directory)!r} is not an lstmkit model ({CONFIG} lacks format={FORMAT!r}).")
    version = config.get("format_version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"model folder {str(directory)!r} is damaged: format_version = {version!r}, expected an integer.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"the model in {str(directory)!r} has format version {config['format_version']}, newer than this "
            f"lstmkit reads ({FORMAT_VERSION}); it was written by lstmkit {config.get('versions', {}).get('lstmkit')}. "
            "Upgrade lstmkit: pip install -U lstmkit"
        )
    return config


def upgrade(config: dict, tensors: dict[str, Tensor] | None) -> dict:
    """Bring a config (and its tensors, in place) written by an older format version up to this one."""
    if config.get("format_version", 1) < 2 and config.get("kind") == "forecaster" and tensors is not None:
        for key in [k for k in tensors if k.startswith("lstm.")]:
            tensors[f"encoder.{key}"] = tensors.pop(key)  # v2: the LSTM lives in the shared encoder
    return config
