"""Training an ensemble: ``members`` networks on the same windows, seeds ``seed``, ``seed + 1``, ...,
combined by ``networks.ForecastEnsemble`` (the median of their forecasts, step by step).

Member 0 checkpoints where a single network would, member k beside it (``<checkpoint>-member-<k>``).
One member is a plain ForecastNet, trained exactly as before (so ``ensemble=1`` reproduces a single
network bit for bit). Each member's training history is kept, tagged with its ``member`` number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from torch import nn

from ..networks import ForecastEnsemble, ForecastNet, NetConfig
from ..training import TrainConfig

__all__ = ["train_members", "member_weights", "member_checkpoint", "candidate_checkpoint"]


def member_checkpoint(checkpoint_dir: Path, k: int) -> Path:
    """Member 0 checkpoints where a single network would; member k > 0 beside it (``<dir>-member-<k>``), which
    ``checkpoints.remove_checkpoint`` removes with it."""
    return checkpoint_dir if k == 0 else checkpoint_dir.with_name(f"{checkpoint_dir.name}-member-{k}")


def candidate_checkpoint(checkpoint_dir: Path | None, lookback: int) -> Path | None:
    """Where the first network of a lookback candidate other than the default (``forecasting.selection``)
    checkpoints: beside member 0's folder, under a name ``checkpoints.remove_checkpoint`` removes with it."""
    return None if checkpoint_dir is None else checkpoint_dir.with_name(f"{checkpoint_dir.name}-member-lookback-{lookback}")


def train_members(train_one: Callable[..., tuple[nn.Module, list[dict]]], net_config: NetConfig,
                  train_config: TrainConfig, checkpoint_dir: Path | None,
                  first: tuple[nn.Module, list[dict]] | None = None) -> tuple[nn.Module, list[dict]]:
    """Train ``net_config.members`` networks with ``train_one(config, train_config, checkpoint_dir, k, label)`` ->
    (network, history), member k with its own seed (and checkpoint folder), and combine them. ``first``:
    member 0, already trained (network, history).
    -> (the network or ensemble, the histories one after another)"""
    if net_config.members == 1:
        return first or train_one(net_config, train_config, checkpoint_dir, 0)
    single = replace(net_config, members=1)
    nets: list[ForecastNet] = []
    history: list[dict] = []
    for k in range(net_config.members):
        where = member_checkpoint(checkpoint_dir, k) if checkpoint_dir is not None else None
        if k == 0 and first is not None:
            net, epochs = first
        else:
            net, epochs = train_one(single, replace(train_config, seed=train_config.seed + k), where, k,
                                    f"network {k + 1} of {net_config.members}")
        nets.append(net)
        history += [{**epoch, "member": k} for epoch in epochs]
    return ForecastEnsemble(net_config, nets).eval(), history


def member_weights(net: nn.Module, member: int) -> dict:
    """The weights member ``member`` starts from when fine-tuning from ``net``: the network, or (an ensemble)
    its member ``member``, cycling."""
    members = getattr(net, "members", None)
    return (members[member % len(members)] if members is not None else net).state_dict()
