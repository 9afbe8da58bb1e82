"""Known-future covariates, calendar features and covariate levels, measured.

    .venv/bin/python bench/covariates.py                 # all three parts
    .venv/bin/python bench/covariates.py --only retail   # retail | taylor | levels

- retail: the generated retail panel (lstmkit datasets retail: 50 stores x 730 days, promotions and US
  federal holidays known in advance), horizon 14, the last 56 days held out. The same model with and without
  ``future_features=promo,holiday``: 14-step MAE on promotion/holiday days and on the others, MASE overall
  next to seasonal naive.
- taylor: taylor_halfhourly (../shared) at the MANIFEST split, default settings with and without
  ``calendar="auto"``; and a 336-step forecast past H with the calendar model.
- levels: seattle_weather and macrodata (../shared) with their covariates as past features, the features
  normalised per window like the target (``window_norm_features`` = all of them, lstmkit 0.1's behaviour),
  keeping their level (None), and the default "auto" (only those that trend over the training rows).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "forecasting"


def fit_eval(data, fit: dict, **params):
    from lstmkit import Forecaster

    began = time.perf_counter()
    model = Forecaster(verbose=0, device="cpu", **params).fit(data, **fit)
    return model, model.evaluate(data), time.perf_counter() - began


def retail(quick: bool) -> list[str]:
    from lstmkit.datasets import make_retail_panel

    data = make_retail_panel(n_series=10 if quick else 50, days=730)
    fit = dict(target="sales", time_col="date", id_col="store", test_size=56)
    kw = dict(horizon=14, lookback=56, max_epochs=3 if quick else 100)
    lines = ["| model | MAE on promo/holiday days | MAE on other days | 14-step MASE | seasonal naive MASE | fit s |",
             "|---|---|---|---|---|---|"]
    special = data.set_index(["store", "date"])[["promo", "holiday"]].max(axis=1)
    results = {}
    for name, extra in (("without covariates", {}), ("future_features=promo,holiday", {"future_features": "promo,holiday"})):
        _, ev, seconds = fit_eval(data, fit | extra, **kw)
        points = ev.multistep
        flag = special.reindex(list(zip(points["store"], points["date"]))).to_numpy() > 0
        error = (points["actual"] - points["lstm"]).abs().to_numpy()
        results[name] = (error[flag].mean(), error[~flag].mean())
        m = ev.metrics["multistep"]
        lines.append(f"| {name} | {results[name][0]:.2f} | {results[name][1]:.2f} | {m['lstm']['mase']:.3f} | "
                     f"{m['seasonal_naive']['mase']:.3f} | {seconds:.0f} |")
        print(lines[-1], flush=True)
    a, b = results["without covariates"][0], results["future_features=promo,holiday"][0]
    lines.append(f"\nMAE on promotion/holiday days: {100 * (1 - b / a):.0f} % lower with the known-future covariates.")
    return lines


def taylor(quick: bool) -> list[str]:
    path = DATA / "taylor_halfhourly.csv"
    fit = dict(target="demand_mw", time_col="timestamp", test_size=672)
    kw = dict(max_epochs=2) if quick else {}
    lines = ["| model | rolling MASE | 48-step MASE | seasonal naive MASE | fit s |", "|---|---|---|---|---|"]
    for name, extra in (("default", {}), ('calendar="auto"', {"calendar": "auto"})):
        model, ev, seconds = fit_eval(path, fit | extra, **kw)
        m = ev.metrics
        lines.append(f"| {name} | {m['rolling']['lstm']['mase']:.3f} | {m['multistep']['lstm']['mase']:.3f} | "
                     f"{m['multistep']['seasonal_naive']['mase']:.3f} | {seconds:.0f} |")
        print(lines[-1], flush=True)
    began = time.perf_counter()
    forecast = model.predict(path, steps=336)
    lines.append(f"\n`predict(steps=336)` with the calendar model (H = 48, recursive): {len(forecast)} rows, "
                 f"all finite: {bool(np.isfinite(forecast['forecast']).all())}, {time.perf_counter() - began:.2f} s.")
    return lines


def levels(quick: bool) -> list[str]:
    sets = {
        "seattle_weather": ("seattle_weather.csv", "temp_max", 365, 7, ["temp_min", "precipitation", "wind"]),
        "macrodata": ("macrodata_quarterly.csv", "realgdp", 12, 4, ["realcons", "realinv", "unemp", "cpi"]),
    }
    lines = ["| dataset | covariates | rolling MASE | multi-step MASE | seasonal naive MASE |", "|---|---|---|---|---|"]
    for name, (file, target, test, horizon, features) in sets.items():
        fit = dict(target=target, time_col="timestamp", test_size=test, features=features)
        for label, normed in (("all normalised per window (0.1)", features), ("all keep their level", None),
                              ("auto: the trending ones normalised (default)", "auto")):
            _, ev, _ = fit_eval(DATA / file, fit, horizon=horizon, window_norm_features=normed,
                                **(dict(max_epochs=2) if quick else {}))
            m = ev.metrics
            lines.append(f"| {name} | {label} | {m['rolling']['lstm']['mase']:.3f} | {m['multistep']['lstm']['mase']:.3f} "
                         f"| {m['multistep']['seasonal_naive']['mase']:.3f} |")
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="retail,taylor,levels")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check that the script runs")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    parts = {"retail": retail, "taylor": taylor, "levels": levels}
    for name in args.only.split(","):
        if name != "retail" and not DATA.exists():
            print(f"skipping {name}: it needs ../shared/datasets")
            continue
        lines = parts[name](args.quick)
        command = f"`.venv/bin/python bench/covariates.py --only {name}`"
        title = {"retail": "Known-future covariates (retail panel)", "taylor": "Calendar features (taylor)",
                 "levels": "Covariates keep their level"}[name]
        if not args.quick:
            update_section(title, f"Reproduce: {command}\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
