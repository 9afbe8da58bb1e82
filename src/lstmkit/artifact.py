"""Model directories: ``config.json`` + ``weights.safetensors``. Never pickle, so loading runs no code.

A model directory holds exactly:

    config.json          {"format": "lstmkit-model", "format_version": 2, "kind": ..., "versions": {...}, ...}
    weights.safetensors  the network's tensors

``save`` writes into a temporary sibling folder and renames it into place, so a crash never leaves a
half-written model, and it refuses to replace a folder that is not an lstmkit model. Reading takes only
regular files of bounded size (never a FIFO or a device, which would hang or fill memory), and JSON nested
too deeply is refused; what the fields must hold is each estimator's schema (``Estimator.load``).

Format versions: 1 (lstmkit 0.1) kept the forecasting LSTM at ``lstm.*``; 2 keeps every network's LSTM in
its shared encoder, ``encoder.lstm.*``. ``upgrade`` reads version 1 folders.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import stat
import tempfile
from pathlib import Path

import numpy
import pandas
import torch
from torch import Tensor

from ._version import __version__
from .exceptions import ModelFileError

__all__ = [
    "save_model", "load_model", "model_kind", "upgrade", "read_json", "write_atomic", "write_folder_atomic",
    "FORMAT", "FORMAT_VERSION",
]

FORMAT = "lstmkit-model"
FORMAT_VERSION = 2
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
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


def save_model(directory: str | Path, config: dict, tensors: dict[str, Tensor]) -> Path:
    """Write a model directory atomically. ``config`` must be JSON-serialisable."""
    from safetensors.torch import save_file

    directory = Path(directory)
    _refuse_foreign(directory)
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "versions": versions(), **config}
    text = json.dumps(document, indent=1, allow_nan=True)

    def write(tmp: Path) -> None:
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp / WEIGHTS)
        (tmp / CONFIG).write_text(text)

    write_folder_atomic(directory, write)
    return directory


def _refuse_foreign(directory: Path) -> None:
    if not directory.exists():
        return
    if not directory.is_dir():
        raise ModelFileError(f"{str(directory)!r} is a file; give a folder path for the model (e.g. --out model/).")
    if any(directory.iterdir()) and not _is_model(directory):
        raise ModelFileError(
            f"folder {str(directory)!r} already exists and is not an lstmkit model; refusing to replace it. "
            "Choose a new --out folder."
        )


def _is_model(directory: Path) -> bool:
    try:
        return read_json(directory / CONFIG).get("format") == FORMAT
    except (ModelFileError, AttributeError):
        return False


def load_model(directory: str | Path, kind: str) -> tuple[dict, dict[str, Tensor]]:
    """Read a model directory written by ``save_model``; returns (config, tensors on the CPU)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    config = _read_config(Path(directory))
    if config.get("kind") != kind:
        raise ModelFileError(
            f"{str(directory)!r} holds a {config.get('kind')!r} model, not a {kind!r} model."
        )
    weights = Path(directory) / WEIGHTS
    _regular_file(weights, MAX_WEIGHTS_BYTES, "the weights")
    try:
        tensors = load_file(weights)
    except (OSError, SafetensorError) as err:
        raise ModelFileError(f"weights in {str(directory)!r} cannot be read ({err}); the model folder is damaged.") from err
    return config, tensors


def model_kind(directory: str | Path) -> str:
    """The ``kind`` of the model in ``directory`` ('forecaster', 'sequence_classifier', ...), checked
    the way ``load_model`` checks it, so the caller can pick the class that loads it."""
    return str(_read_config(Path(directory)).get("kind"))


def _read_config(directory: Path) -> dict:
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
    config = read_json(config_path)
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


def read_json(path: Path, limit: int = MAX_CONFIG_BYTES):
    """The JSON document in ``path``: a regular file of at most ``limit`` bytes, nested at most a few hundred
    levels deep. -> ModelFileError otherwise."""
    _regular_file(path, limit, "the file")
    try:
        return json.loads(path.read_bytes())
    except RecursionError:
        raise ModelFileError(f"{str(path)!r} nests its JSON too deeply to be an lstmkit file; the folder is damaged.") from None
    except (OSError, ValueError) as err:
        raise ModelFileError(f"{str(path)!r} is not valid JSON ({err}); the folder is damaged.") from None


def _regular_file(path: Path, limit: int, what: str) -> None:
    try:
        info = path.stat()  # follows a symbolic link: what counts is what would be read
    except OSError as err:
        raise ModelFileError(f"{what} {str(path)!r} cannot be read ({err.strerror}); the folder is damaged.") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(
            f"{what} {str(path)!r} is not a regular file (a FIFO, device or folder); the folder is damaged. "
            "Save the model again."
        )
    if info.st_size > limit:
        raise ModelFileError(
            f"{what} {str(path)!r} has {info.st_size:,} bytes, more than the {limit:,} an lstmkit model file may "
            "have; the folder is damaged."
        )


def upgrade(config: dict, tensors: dict[str, Tensor]) -> dict:
    """Bring a config (and its tensors, in place) written by an older format version up to this one."""
    if config.get("format_version", 1) < 2 and config.get("kind") == "forecaster":
        for key in [k for k in tensors if k.startswith("lstm.")]:
            tensors[f"encoder.{key}"] = tensors.pop(key)  # v2: the LSTM lives in the shared encoder
    return config


def write_folder_atomic(directory: str | Path, write) -> Path:
    """Call ``write(tmp_folder)``, then swap the temporary folder (same parent) into the place of ``directory``.
    An existing folder is moved aside first and removed only once the new one is in place; on any failure the
    temporary folder goes and ``directory`` is left as it was."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        write(tmp)
        usual_permissions(tmp, *tmp.iterdir())
        old = None
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
            os.replace(directory, old)
        os.replace(tmp, directory)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def usual_permissions(*paths: Path) -> None:
    """Give files and folders the permissions a plain ``open``/``mkdir`` would (0666 / 0777 less the umask):
    ``tempfile`` creates them private (0600 / 0700), which would leave shared models and reports unreadable."""
    mask = os.umask(0)
    os.umask(mask)
    for path in paths:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def write_atomic(path: str | Path, write) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (same folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        usual_permissions(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
