"""Model directories: ``config.json`` + ``weights.safetensors``. Never pickle, so loading runs no code.

A model directory holds exactly:

    config.json          {"format": "lstmkit-model", "format_version": 1, "kind": ..., "versions": {...}, ...}
    weights.safetensors  the network's tensors

``save`` writes into a temporary sibling folder and renames it into place, so a crash never leaves a
half-written model, and it refuses to replace a folder that is not an lstmkit model.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

import torch
from torch import Tensor

from .exceptions import ModelFileError

__all__ = ["save_model", "load_model", "model_kind", "write_atomic", "write_folder_atomic", "FORMAT", "FORMAT_VERSION"]

FORMAT = "lstmkit-model"
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"


def versions() -> dict[str, str]:
    import numpy
    import pandas

    from . import __version__

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
        return json.loads((directory / CONFIG).read_text()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
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
    try:
        tensors = load_file(Path(directory) / WEIGHTS)
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
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as err:
        raise ModelFileError(f"{str(config_path)!r} is not valid JSON ({err}); the model folder is damaged.") from err
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{str(directory)!r} is not an lstmkit model ({CONFIG} lacks format={FORMAT!r}).")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFileError(
            f"the model in {str(directory)!r} has format version {config['format_version']}, newer than this "
            f"lstmkit reads ({FORMAT_VERSION}); it was written by lstmkit {config.get('versions', {}).get('lstmkit')}. "
            "Upgrade lstmkit: pip install -U lstmkit"
        )
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
