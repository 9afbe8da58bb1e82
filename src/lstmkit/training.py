"""One fit loop for every lstmkit network.

epoch begin -> train batches (Adam, clipped gradients) -> validation loss -> learning-rate schedule ->
early stopping (keeps the best weights) -> progress -> checkpoint. With ``schedule="cosine"`` the rate
follows a cosine from ``lr`` to zero over ``max_epochs`` (a fixed budget: nothing to stop on when a small
training set has no validation part) and the last epoch's weights are kept. Batches come from any object with
``epoch(generator, rank, world)`` and ``ordered(rank=, world=)`` iterators of ``(x, y)`` tensors already on
the training device (``windows.WindowBatches`` for forecasting), so the loop holds no data code and no
per-sample Python.

Under ``torchrun`` (WORLD_SIZE > 1) the loop joins the process group (gloo on CPU, NCCL on GPU), wraps the
training step in DistributedDataParallel, lets each rank draw a disjoint share of the windows, and reduces
the losses across ranks so every rank takes the same early-stopping decisions.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import torch
from torch import Tensor, nn

from ._validation import NonNegativeInt, PositiveFloat, PositiveInt, one_of
from .checkpoints import check_checkpoint_target, has_checkpoint, load_checkpoint, save_checkpoint
from .distributed import distributed, reduced_mean
from .exceptions import ConfigError
from .progress import NullReporter, Reporter

__all__ = ["TrainConfig", "fit", "resolve_device", "check_precision", "LOSSES", "PRECISIONS", "SCHEDULES"]

log = logging.getLogger(__name__)

LOSSES: dict[str, Callable[[], nn.Module]] = {"mse": nn.MSELoss, "mae": nn.L1Loss, "huber": nn.HuberLoss}
PRECISIONS = ("fp32", "bf16")
SCHEDULES = ("plateau", "cosine")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    """How ``fit`` trains; saved in the model's config.json and checked field by field on load."""

    batch_size: PositiveInt = 64
    lr: PositiveFloat = 3e-3
    max_epochs: PositiveInt = 100
    patience: PositiveInt | None = 10  # epochs without validation improvement before stopping; None: never
    steps_per_epoch: PositiveInt | None = None
    loss: Literal["mse", "mae", "huber"] = "mse"
    clip_norm: PositiveFloat = 1.0
    lr_patience: PositiveInt = 3  # epochs without improvement before the learning rate is halved
    seed: NonNegativeInt = 0
    device: str = "auto"
    precision: Literal["fp32", "bf16"] = "fp32"  # "bf16": forward passes under bfloat16 autocast
    # "plateau": halve the rate after lr_patience epochs without improvement, keep the best epoch's weights;
    # "cosine": lr -> 0 over max_epochs, keep the last epoch's weights (models saved before: "plateau")
    schedule: Literal["plateau", "cosine"] = "plateau"
    weight_decay: Annotated[float, msgspec.Meta(ge=0)] = 0.0  # decoupled (AdamW) when > 0

    def __post_init__(self) -> None:
        one_of("loss", self.loss, LOSSES)
        one_of("schedule", self.schedule, SCHEDULES)
        one_of("precision", self.precision, PRECISIONS)
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise ConfigError(f"device={self.device!r} is not one of auto, cpu, cuda (or cuda:N).")


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():  # under torchrun: one GPU per local rank, shared round-robin if fewer
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device={name!r} was asked for, but PyTorch sees no CUDA GPU here. Use --device cpu.")
    if name == "cuda":  # the GPU of this local rank (under torchrun), else the first
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
    return torch.device(name)


def check_precision(precision: str, device: torch.device) -> None:
    """bf16 on a CPU whose oneDNN has no bfloat16 LSTM (no AVX-512 BF16 or AMX) fails deep inside the first
    forward pass; a one-step probe finds out first and says so."""
    if precision != "bf16" or device.type != "cpu":
        return
    probe = nn.LSTM(1, 1, batch_first=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            probe(torch.zeros(1, 1, 1))
    except RuntimeError:
        raise ConfigError(
            "precision='bf16' is not supported on this CPU: PyTorch has no bfloat16 LSTM kernel for it (it needs "
            "AVX-512 BF16 or AMX). Use --precision fp32 (the default), or bf16 on a GPU."
        ) from None


def fit(
    net: nn.Module,
    train,
    val,
    config: TrainConfig,
    *,
    reporter: Reporter | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    loss_fn: nn.Module | None = None,
    fingerprint: dict | None = None,
) -> list[dict]:
    """Train ``net`` in place and return the loss history (one dict per epoch).

    The weights of the epoch with the lowest validation loss (training loss when ``val`` is None) are
    restored at the end. With ``checkpoint_dir`` the loop state is written there after every epoch, and
    ``resume=True`` continues from it (refused when its ``fingerprint``, the run's settings and data, differs).
    ``loss_fn`` overrides ``config.loss`` (e.g. a weighted
    cross-entropy for classification). A network with a ``loss(x, y, loss_fn)`` method computes its own
    training loss (ForecastNet measures it relative to each window).
    """
    device = next(net.parameters()).device
    check_precision(config.precision, device)
    rank, world = distributed(device)
    reporter = (reporter or NullReporter()) if rank == 0 else NullReporter()
    save_dir = checkpoint_dir if rank == 0 else None  # every rank resumes from it; only rank 0 writes
    loss_fn = loss_fn if loss_fn is not None else LOSSES[config.loss]()
    optimizer = _adam(net, config.lr, config.weight_decay)
    cosine = config.schedule == "cosine"
    if cosine:
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.max_epochs)
    else:
        schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=config.lr_patience)
    generator = torch.Generator().manual_seed(config.seed)
    state = {"epoch": 0, "best": float("inf"), "bad_epochs": 0, "history": []}
    best_weights = {k: v.detach().clone() for k, v in net.state_dict().items()}
    step = _TrainStep(net, loss_fn, config.precision)
    # cuDNN's autocast rule runs the LSTM in float16 (also under bfloat16 autocast): scale the loss so small
    # gradients do not underflow; steps with inf/NaN gradients are skipped and the scale lowered.
    scaler = torch.amp.GradScaler("cuda") if step.autocast and step.device_type == "cuda" else None
    if checkpoint_dir is not None:
        check_checkpoint_target(checkpoint_dir)
        if resume and has_checkpoint(checkpoint_dir):
            state, best_weights = load_checkpoint(checkpoint_dir, net, optimizer, schedule, generator, scaler,
                                                  fingerprint)
            log.info("resumed from %s at epoch %d", checkpoint_dir, state["epoch"])
        elif resume:
            warnings.warn(f"--resume: no checkpoint at {str(checkpoint_dir)!r}, so training starts at epoch 1.",
                          UserWarning, stacklevel=4)
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        step = DistributedDataParallel(step, device_ids=[device.index] if device.type == "cuda" else None)
    reporter.start(config.max_epochs, state["epoch"])
    message, epochs = None, range(state["epoch"] + 1, config.max_epochs + 1)
    if config.patience is not None and state["bad_epochs"] >= config.patience:  # resumed after an early stop
        message, epochs = f"stopped early at epoch {state['epoch']} (resumed from its checkpoint)", range(0)
    for epoch in epochs:
        started = time.perf_counter()
        train_loss = _train_epoch(step, train, optimizer, generator, config.clip_norm, rank, world, scaler)
        val_loss = _mean_loss(net, val, loss_fn, config.precision, rank, world) if val is not None and len(val) else None
        score = train_loss if val_loss is None else val_loss
        if cosine:  # a fixed budget, no early stop: the last epoch's weights are the ones kept
            schedule.step()
        else:
            schedule.step(score)
            _track_best(state, score, net, best_weights)
        record = {
            "epoch": epoch,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "lr": optimizer.param_groups[0]["lr"],
            "seconds": round(time.perf_counter() - started, 4),
        }
        state["history"].append(record)
        state["epoch"] = epoch
        reporter.update(record)
        if save_dir is not None:
            save_checkpoint(save_dir, state, net, optimizer, schedule, generator, best_weights, scaler, fingerprint)
        if config.patience is not None and state["bad_epochs"] >= config.patience:
            message = f"early stop at epoch {epoch}: no improvement for {config.patience} epochs"
            break
    if not cosine:
        net.load_state_dict(best_weights)
    reporter.close(message)
    return state["history"]


def _track_best(state: dict, score: float, net: nn.Module, best_weights: dict) -> None:
    """Count epochs without improvement; copy the weights of an improving epoch into ``best_weights``."""
    if score < state["best"] and (state["best"] - score) > 1e-7 * abs(score):
        state["best"], state["bad_epochs"] = score, 0
        for key, now in net.state_dict().items():
            best_weights[key].copy_(now)  # into tensors allocated once: no deepcopy per improving epoch
    else:
        state["bad_epochs"] += 1


def _adam(net: nn.Module, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """Adam (AdamW with ``weight_decay``) with the fused kernel (one call updates every parameter: ~0.3 ms
    less per step than the per-tensor loop on a 2-core CPU), falling back to the default where fusion is not
    supported."""
    kind, kwargs = (torch.optim.AdamW, {"weight_decay": weight_decay}) if weight_decay else (torch.optim.Adam, {})
    try:
        return kind(net.parameters(), lr=lr, fused=True, **kwargs)
    except RuntimeError:
        return kind(net.parameters(), lr=lr, **kwargs)


class _TrainStep(nn.Module):
    """The loss of one batch as a module, so DistributedDataParallel can wrap it (its forward must run
    for gradients to be averaged across ranks). With precision "bf16" the forward pass runs under
    bfloat16 autocast: matrix products in bfloat16 (on CUDA cuDNN runs the LSTM itself in float16, its
    autocast rule), losses and reductions in float32."""

    def __init__(self, net: nn.Module, loss_fn: nn.Module, precision: str = "fp32") -> None:
        super().__init__()
        self.net, self.loss_fn = net, loss_fn
        self.device_type = next(net.parameters()).device.type
        self.autocast = precision == "bf16"

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        if not self.autocast:
            return self._loss(x, y)
        with torch.autocast(self.device_type, dtype=torch.bfloat16):
            return self._loss(x, y).float()

    def _loss(self, x: Tensor, y: Tensor) -> Tensor:
        if hasattr(self.net, "loss"):
            return self.net.loss(x, y, self.loss_fn)
        return self.loss_fn(self.net(x), y)


def _train_epoch(step: nn.Module, batches, optimizer, generator, clip_norm: float, rank: int, world: int,
                 scaler=None) -> float:
    step.train()
    total, count, params = None, 0, list(step.parameters())
    for x, y in batches.epoch(generator, rank, world):
        loss = step(x, y)
        optimizer.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            if clip_norm:
                _clip_grad_norm_(params, clip_norm)
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            if clip_norm:
                _clip_grad_norm_(params, clip_norm)
            scaler.step(optimizer)
            scaler.update()
        weighted = loss.detach() * len(y)  # stays on the device: no sync per batch
        total = weighted if total is None else total + weighted
        count += len(y)
    return reduced_mean(total, count, world, params[0].device)


def _clip_grad_norm_(params: list[Tensor], max_norm: float) -> None:
    """``nn.utils.clip_grad_norm_`` in a few calls: torch's foreach kernels (which it uses by default on GPUs
    only), so a CPU step pays one norm and one multiply for all gradients instead of one per tensor."""
    grads = [p.grad for p in params if p.grad is not None]
    if grads:
        norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
        torch._foreach_mul_(grads, torch.clamp(max_norm / (norm + 1e-6), max=1.0))


@torch.inference_mode()
def _mean_loss(net, batches, loss_fn, precision: str, rank: int, world: int) -> float:
    net.eval()
    step = _TrainStep(net, loss_fn, precision)
    total, count = None, 0
    for x, y in batches.ordered(rank=rank, world=world):
        weighted = step(x, y) * len(y)
        total = weighted if total is None else total + weighted
        count += len(y)
    return reduced_mean(total, count, world, next(net.parameters()).device)
