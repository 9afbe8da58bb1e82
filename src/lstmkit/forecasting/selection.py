"""Choosing the lookback on the validation part (the default when no ``lookback`` is given, on small data).

How far back a window should look is the setting that moves accuracy most on small data, and no rule of
thumb gets it right across datasets: on the shared benchmarks the best of 0.5, 1, 1.5 and 2 times the default
lookback changes rolling MAE by up to 40x (an intermittent series that stopped) and by 20-50 % on monthly
series with a level shift. So, on data of at most SELECT_WINDOWS training windows, the fit trains one network
at each lookback of LOOKBACK_FACTORS x the default (those that keep every series trained and evaluable),
forecasts the validation part with each, and keeps the lookback whose forecasts are best there; the test part
is never read. The chosen lookback's network is the ensemble's first member; the others are then trained
beside it. Larger data keep the default lookback (one network there already costs minutes).

The score of a candidate is its validation MAE one step ahead plus its MAE over all H steps, each relative
to the default lookback's (so 2.0 is the default's own score): rolling and multi-step forecasts weigh alike.

Shape symbols:  H horizon   S series
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from torch import nn

from ..networks import NetConfig
from ..prep import Panel
from ..training import TrainConfig
from .calibration import Calibration
from .ensemble import candidate_checkpoint, train_members
from .plan import Plan

__all__ = ["Selection", "candidate_plans", "train_and_choose", "LOOKBACK_FACTORS", "SELECT_WINDOWS"]

LOOKBACK_FACTORS = (1.0, 0.5, 1.5, 2.0)  # times the default lookback; the default first: it wins ties
SELECT_WINDOWS = 2_500  # training windows (at the default lookback) up to which the lookback is chosen
MIN_CANDIDATE_WINDOWS = 4  # training windows a candidate lookback leaves at least (over all series)


@dataclass(frozen=True)
class Selection:
    """The lookbacks tried, their validation scores (the default's is 2.0; lower is better) and the one kept."""

    lookbacks: tuple[int, ...]
    scores: tuple[float, ...]
    chosen: int

    def to_dict(self) -> dict:
        return {"lookbacks": list(self.lookbacks), "scores": list(self.scores), "chosen": self.chosen}

    @classmethod
    def from_dict(cls, state) -> Selection:
        """From ``to_dict``'s dict or the model file's checked section (``fitted.SelectionSection``)."""
        get = state.get if isinstance(state, dict) else lambda key: getattr(state, key)
        return cls(tuple(get("lookbacks")), tuple(get("scores")), get("chosen"))

    def describe(self) -> str:
        """One line: ``lookback 36 chosen on validation (24: 2.000, 12: 2.310, 36: 1.902, 48: 1.950)``."""
        tried = ", ".join(f"{lb}: {s:.3f}" for lb, s in zip(self.lookbacks, self.scores))
        return f"lookback {self.chosen} chosen on validation ({tried})"


def candidate_plans(plan: Plan, panel: Panel, n_windows: int, fits: Callable[[int], bool] = lambda lookback: True,
                    ) -> list[Plan]:
    """The plans to train: ``plan`` (the default lookback) first, then each other lookback of LOOKBACK_FACTORS
    that ``fits`` (the window normalisation can be computed), that keeps a training window for every series
    the default lookback trains on, leaves every series lookback + test_size + 1 rows to be evaluated, and
    MIN_CANDIDATE_WINDOWS training windows in all. Every candidate keeps ``plan``'s validation part. Only
    ``plan`` when the data have more than SELECT_WINDOWS training windows (``n_windows``) or no validation part."""
    train_len = panel.lengths - plan.test_size
    val = plan.val_sizes(pd.Series(train_len)).to_numpy()
    if n_windows > SELECT_WINDOWS or not (val > 0).any():
        return [plan]

    def windows(lookback: int) -> np.ndarray:
        return np.maximum(train_len - val - lookback - plan.horizon + 1, 0)  # (S,)

    trained = windows(plan.lookback) > 0  # (S,) the series the default lookback trains on
    fixed = replace(plan, val_lookback=plan.lookback)  # the validation part of the default lookback, for all
    plans = [fixed]
    for factor in LOOKBACK_FACTORS[1:]:
        lookback = max(2, int(round(plan.lookback * factor)))
        counts = windows(lookback)
        evaluable = lookback + plan.test_size + (1 if plan.test_size else 0) <= panel.lengths.min()
        if evaluable and fits(lookback) and counts.sum() >= MIN_CANDIDATE_WINDOWS and (counts[trained] > 0).all() \
                and lookback not in {p.lookback for p in plans}:
            plans.append(replace(fixed, lookback=lookback))
    return plans if len(plans) > 1 else [plan]


def train_and_choose(plans: list[Plan], trainer: Callable[[Plan], tuple[NetConfig, Callable]],
                     validate: Callable[[Plan, nn.Module], Calibration | None], members: Callable[[Plan], int],
                     train_config: TrainConfig, checkpoint_dir: Path | None):
    """Train the first network of each plan, keep the plan whose network forecasts the validation part best,
    and train the rest of its ensemble. ``trainer(plan)`` -> (its NetConfig, ``train_one`` as
    ``ensemble.train_members`` takes it); ``validate(plan, net)`` -> the network's validation errors (None:
    none could be measured, and the first plan is kept); ``members(plan)`` -> networks in its ensemble.
    -> (the plan kept, its Selection or None with one plan, its NetConfig, the network, the history)"""
    runs, errors = [], []
    for i, plan in enumerate(plans):
        config, train_one = trainer(plan)
        where = checkpoint_dir if plan is plans[0] else candidate_checkpoint(checkpoint_dir, plan.lookback)
        label = f"lookback {plan.lookback}, {i + 1} of {len(plans)}" if len(plans) > 1 else \
            (f"network 1 of {members(plan)}" if members(plan) > 1 else None)
        runs.append((config, train_one, where, train_one(config, train_config, where, 0, label)))
        if len(plans) > 1:
            calibration = validate(plan, runs[-1][3][0])
            errors.append(None if calibration is None else
                          (np.mean(calibration.scores[0]), np.mean(np.concatenate(calibration.scores))))
    best, selection = 0, None
    if len(plans) > 1 and None not in errors:
        first, overall = errors[0]
        scores = tuple(round(float(one / max(first, 1e-12) + every / max(overall, 1e-12)), 6) for one, every in errors)
        best = int(np.argmin(scores))  # the first (the default) on ties
        selection = Selection(tuple(p.lookback for p in plans), scores, plans[best].lookback)
    config, train_one, where, first_net = runs[best]  # the other members checkpoint beside the first (per lookback)
    config = replace(config, members=members(plans[best]))
    return (plans[best], selection, config, *train_members(train_one, config, train_config, where, first_net))
