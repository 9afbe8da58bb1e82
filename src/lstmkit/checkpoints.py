"""Training checkpoints: everything a resumed run needs to continue as if never stopped.

A checkpoint is a folder ``.<model>.checkpoint`` beside the model folder it is for (``checkpoint_path``),
written after every epoch by ``training.fit`` and removed once the model is saved. It holds

    tensors.safetensors   weights, best weights, Adam's moments, the random states (CPU, the window
                          generator and, on CUDA, the device's)
    loop.json             epoch counters, history, Adam's param groups, the schedule, the loss scale,
                          the run's fingerprint (its network and training settings and a hash of its data:
                          a resume with other settings or other data is refused) and the marker
                          {"format": "lstmkit-checkpoint"}: only folders carrying it are ever removed or replaced

Tensors in safetensors, everything else in JSON: never pickle. Written through ``files.write_folder_atomic``,
so an interrupted write is completed or undone by the next resume.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .exceptions import ConfigError, ModelFileError, WriteError
from .files import folder_lock, read_json, recover, write_folder_atomic

__all__ = [
    "checkpoint_path", "check_checkpoint_target", "has_checkpoint", "fingerprint", "save_checkpoint",
    "load_checkpoint", "remove_checkpoint", "is_checkpoint",
]

MARKER = "lstmkit-checkpoint"
LOOP, TENSORS = "loop.json", "tensors.safetensors"
MAX_LOOP_BYTES = 256 * 2**20
UNCHECKED = ("max_epochs", "patience", "device")  # a resumed run may train longer, or elsewhere


def checkpoint_path(model_dir: str | Path) -> Path:
    """Where training for the model folder ``model_dir`` keeps its checkpoint: ``.<name>.checkpoint`` beside it."""
    model_dir = Path(model_dir)
    return model_dir.with_name(f".{model_dir.name}.checkpoint")


def is_checkpoint(directory: Path) -> bool:
    """Whether lstmkit wrote ``directory``: its loop.json carries the marker, or (damaged, e.g. truncated) it
    holds exactly the two files a checkpoint has."""
    try:
        return read_json(directory / LOOP, MAX_LOOP_BYTES).get("format") == MARKER
    except (ModelFileError, AttributeError):
        return directory.is_dir() and sorted(p.name for p in directory.iterdir()) == [LOOP, TENSORS]


def check_checkpoint_target(directory: Path) -> None:
    """Training may write its checkpoint to ``directory``: it is absent, or a checkpoint lstmkit wrote."""
    if directory.exists() and not (directory.is_dir() and is_checkpoint(directory)):
        raise WriteError(
            f"{str(directory)!r} exists and was not written by lstmkit, but training keeps its checkpoint there. "
            "Move it away (lstmkit never deletes what it did not write), or choose another --out."
        )


def has_checkpoint(directory: Path) -> bool:
    """Whether a complete checkpoint is there (an interrupted write of it is completed or undone first)."""
    with folder_lock(directory, required=False) as locked:
        if locked:
            recover(directory)
    return (directory / LOOP).exists()


def fingerprint(net_config, train_config, *arrays: np.ndarray) -> dict:
    """What a resumed run must share with the run that wrote the checkpoint: the network, the training
    settings (but the epoch budget, patience and device) and the data (a SHA-256 of its arrays)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    training = {k: v for k, v in asdict(train_config).items() if k not in UNCHECKED}
    return json.loads(json.dumps({"network": asdict(net_config), "training": training, "data": digest.hexdigest()}))


def remove_checkpoint(model_dir: str | Path) -> None:
    """Remove the checkpoint of ``model_dir`` if there is one that lstmkit wrote (never anything else)."""
    path = checkpoint_path(model_dir)
    for found in [path, *path.parent.glob(f"{path.name}-member-*")]:  # an ensemble's members' checkpoints too
        if found.is_dir() and is_checkpoint(found):
            shutil.rmtree(found, ignore_errors=True)


def save_checkpoint(directory: Path, state: dict, net: nn.Module, optimizer, schedule, generator, best_weights,
                    scaler=None, run: dict | None = None) -> None:
    """Write the loop's state to ``directory`` atomically (the previous checkpoint stays until the new one is
    complete)."""
    from safetensors.torch import save_file

    tensors: dict[str, Tensor] = {f"net/{k}": v for k, v in net.state_dict().items()}
    tensors |= {f"best/{k}": v for k, v in best_weights.items()}
    opt = optimizer.state_dict()
    for index, slots in opt["state"].items():
        for name, value in slots.items():
            tensors[f"opt/{index}/{name}"] = torch.as_tensor(value)
    tensors["rng/generator"] = generator.get_state()
    tensors["rng/torch"] = torch.get_rng_state()
    device = next(net.parameters()).device
    if device.type == "cuda":  # dropout draws from the device's generator
        tensors["rng/cuda"] = torch.cuda.get_rng_state(device)
    loop = {
        "format": MARKER,
        "fingerprint": run,
        "state": state,
        "param_groups": opt["param_groups"],
        "schedule": schedule.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
    }

    def write(tmp: Path) -> None:
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp / TENSORS)
        (tmp / LOOP).write_text(json.dumps(loop))

    write_folder_atomic(directory, write)


def load_checkpoint(directory: Path, net: nn.Module, optimizer, schedule, generator, scaler=None,
                    run: dict | None = None):
    """Restore the loop's state from ``directory`` into the given objects; returns (state, best weights).
    A checkpoint of another run (``run``: this run's fingerprint) or a damaged one is refused with one line."""
    from safetensors import SafetensorError

    try:
        loop = read_json(directory / LOOP, MAX_LOOP_BYTES)
        _same_run(directory, loop.get("fingerprint"), run)
        return _restore(directory, loop, net, optimizer, schedule, generator, scaler)
    except (ModelFileError, SafetensorError, KeyError, TypeError, ValueError, RuntimeError, OSError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(
            f"the checkpoint in {str(directory)!r} is damaged ({' '.join(str(err).split())[:160]}). Train again "
            "without --resume (it is then replaced)."
        ) from None


def _same_run(directory: Path, saved: dict | None, run: dict | None) -> None:
    if run is None or saved == run:
        return
    saved = saved or {}
    for part in ("network", "training"):
        for key in sorted(set(run.get(part, {})) | set(saved.get(part, {}))):
            if run.get(part, {}).get(key) != saved.get(part, {}).get(key):
                raise ConfigError(
                    f"--resume: the checkpoint in {str(directory)!r} was written with {part} {key} = "
                    f"{saved.get(part, {}).get(key)!r}, this run has {run.get(part, {}).get(key)!r}. Resume with "
                    "the same settings, or train without --resume to start over."
                )
    raise ConfigError(
        f"--resume: the checkpoint in {str(directory)!r} was written for other training data (or another test "
        "size). Resume on the same data, or train without --resume to start over."
    )


def _restore(directory: Path, loop: dict, net: nn.Module, optimizer, schedule, generator, scaler):
    from safetensors.torch import load_file

    tensors = load_file(directory / TENSORS)
    device = next(net.parameters()).device

    def section(prefix: str) -> dict:
        return {k[len(prefix) :]: v.to(device) for k, v in tensors.items() if k.startswith(prefix)}

    net.load_state_dict(section("net/"))
    best = section("best/")
    opt_state: dict[int, dict] = {}
    for key, value in section("opt/").items():
        index, name = key.split("/", 1)
        opt_state.setdefault(int(index), {})[name] = value.cpu() if name == "step" else value
    optimizer.load_state_dict({"state": opt_state, "param_groups": loop["param_groups"]})
    schedule.load_state_dict(loop["schedule"])
    generator.set_state(tensors["rng/generator"])
    torch.set_rng_state(tensors["rng/torch"])
    if "rng/cuda" in tensors and device.type == "cuda":
        torch.cuda.set_rng_state(tensors["rng/cuda"], device)
    if scaler is not None and loop.get("scaler"):
        scaler.load_state_dict(loop["scaler"])
    return loop["state"], best
