"""Training checkpoints: everything a resumed run needs to continue as if never stopped.

A checkpoint is a folder ``.<model>.checkpoint`` beside the model folder it is for (``checkpoint_path``),
written after every epoch by ``training.fit`` and removed once the model is saved. It holds

    tensors.safetensors   weights, best weights, Adam's moments, the random states (CPU, the window
                          generator and, on CUDA, the device's)
    loop.json             epoch counters, history, Adam's param groups, the schedule, the loss scale and
                          the marker {"format": "lstmkit-checkpoint"}: only folders carrying it are ever
                          removed or replaced

Tensors in safetensors, everything else in JSON: never pickle.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from torch import Tensor, nn

from .artifact import read_json, write_folder_atomic
from .exceptions import ModelFileError

__all__ = ["checkpoint_path", "save_checkpoint", "load_checkpoint", "remove_checkpoint", "is_checkpoint"]

MARKER = "lstmkit-checkpoint"
LOOP, TENSORS = "loop.json", "tensors.safetensors"


def checkpoint_path(model_dir: str | Path) -> Path:
    """Where training for the model folder ``model_dir`` keeps its checkpoint: ``.<name>.checkpoint`` beside it."""
    model_dir = Path(model_dir)
    return model_dir.with_name(f".{model_dir.name}.checkpoint")


def is_checkpoint(directory: Path) -> bool:
    try:
        return read_json(directory / LOOP).get("format") == MARKER
    except (ModelFileError, AttributeError):
        return False


def remove_checkpoint(model_dir: str | Path) -> None:
    """Remove the checkpoint of ``model_dir`` if there is one that lstmkit wrote (never anything else)."""
    path = checkpoint_path(model_dir)
    if path.is_dir() and is_checkpoint(path):
        shutil.rmtree(path, ignore_errors=True)


def save_checkpoint(directory: Path, state: dict, net: nn.Module, optimizer, schedule, generator, best_weights,
                    scaler=None) -> None:
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
        "state": state,
        "param_groups": opt["param_groups"],
        "schedule": schedule.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
    }

    def write(tmp: Path) -> None:
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp / TENSORS)
        (tmp / LOOP).write_text(json.dumps(loop))

    write_folder_atomic(directory, write)


def load_checkpoint(directory: Path, net: nn.Module, optimizer, schedule, generator, scaler=None):
    """Restore the loop's state from ``directory`` into the given objects; returns (state, best weights)."""
    from safetensors.torch import load_file

    loop = read_json(directory / LOOP)
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
