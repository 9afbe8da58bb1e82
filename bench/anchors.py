"""How good is each anchor alone? The forecast a ForecastNet corrects, scored on the MANIFEST test part of the
shared forecasting datasets, beside the anchors that ``window_norm="auto"`` picks from the training windows.

Each anchor's forecast is a network whose correction is set to zero (its output layers zeroed after one epoch,
ensemble 1, at the default lookback before the choice on validation), so the rows score exactly what the network starts from, through the same ``evaluate`` path (rolling
one-step and multi-step MAE, original scale). The test part is only scored, never used to choose.

    OMP_NUM_THREADS=1 .venv/bin/python bench/anchors.py [--only airline,seatbelts_monthly]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from forecast_datasets import DATASETS, fit_args, require_data  # noqa: E402
from results import update_section  # noqa: E402

from lstmkit import Forecaster  # noqa: E402
from lstmkit.anchors import ANCHORS  # noqa: E402
from lstmkit.exceptions import ConfigError  # noqa: E402
from lstmkit.networks import ForecastNet  # noqa: E402

SMALL = "airline,macrodata_quarterly,shampoo_monthly,pbs_immune_sera,woolyrnq_quarterly,gasoline_weekly," \
        "seatbelts_monthly,us_employment_panel,m1_yearly_panel,seattle_weather"


def zero_correction(model: Forecaster) -> Forecaster:
    """Zero the output layers of every member: the network then forecasts its anchors exactly."""
    with torch.no_grad():
        for net in (m for m in model.net_.modules() if isinstance(m, ForecastNet)):
            outputs = [net.head] + ([net.decoder[-1]] if net.decoder is not None else [])
            for layer in outputs:
                layer.weight.zero_()
                layer.bias.zero_()
    return model


def base_lookback(name: str) -> int:
    """The default lookback before the choice on validation (the first one tried)."""
    path, columns, params = fit_args(name)
    model = Forecaster(**params, max_epochs=1, ensemble=1, verbose=0).fit(path, **columns)
    return model.selection_.lookbacks[0] if model.selection_ else model.lookback_


def score(name: str, window_norm: str, lookback: int) -> tuple[Forecaster, float, float] | None:
    """(the model, its rolling MAE, its multi-step MAE) with the correction zeroed; None if the anchor does not fit."""
    path, columns, params = fit_args(name)
    try:
        model = Forecaster(**params, lookback=lookback, window_norm=window_norm, max_epochs=1, ensemble=1,
                           verbose=0).fit(path, **columns)
    except ConfigError:  # an anchor the lookback cannot compute
        return None
    metrics = zero_correction(model).evaluate(path, baselines="naive").metrics
    return model, metrics["rolling"]["lstm"]["mae"], metrics["multistep"]["lstm"]["mae"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=SMALL, help=f"datasets, of {', '.join(DATASETS)}")
    args = parser.parse_args()
    require_data()
    warnings.filterwarnings("ignore")
    lines = ["| dataset | lookback | auto picks (steps) | " + " | ".join(ANCHORS) + " |",
             "|---|---|---|" + "---|" * len(ANCHORS)]
    for name in args.only.split(","):
        lookback = base_lookback(name)
        picked = score(name, "auto", lookback)[0]
        counts = {a: picked.net_config_.anchors.count(a) for a in dict.fromkeys(picked.net_config_.anchors)}
        cells = []
        for anchor in ANCHORS:
            result = score(name, anchor, lookback)
            cells.append("–" if result is None else f"{result[1]:.4g} / {result[2]:.4g}")
        lines.append(f"| {name} | {picked.lookback_} | {', '.join(f'{a} {n}' for a, n in counts.items())} | "
                     + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    body = (
        "Rolling one-step / multi-step MAE of each anchor alone (the network's correction set to zero) on the "
        "MANIFEST test part, the default lookback before the choice on validation, default horizon; *auto picks*: the anchors `window_norm=\"auto\"` chose "
        "from the training windows, with the number of steps each. '–': the lookback cannot compute it.\n\n"
        "Reproduce: `OMP_NUM_THREADS=1 .venv/bin/python bench/anchors.py`\n\n" + "\n".join(lines)
    )
    update_section("Anchors alone", body)


if __name__ == "__main__":
    main()
