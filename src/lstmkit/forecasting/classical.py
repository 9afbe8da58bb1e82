"""Classical baselines (ETS, ARIMA) through statsforecast, when the ``classical`` extra is installed.

    pip install 'lstmkit[classical]'

They have the signature of the baselines in ``baselines.py`` and are scored on the same points. Per series,
the model is fitted once on the history before the series' earliest forecast origin (so on the training
part in ``evaluate``), then frozen: one-step forecasts are its one-step fitted values over the true
history, multi-step forecasts run it forward from each origin. Nothing after an origin is read.

statsforecast's ETS fits a seasonal model only for seasons up to 24; beyond that it is non-seasonal.
AutoARIMA searches with R ``auto.arima``'s default: the likelihood approximated (conditional sum of squares)
during the search when the series is longer than 150 points or its season longer than 12, then the chosen
model refitted exactly. Without that, a weekly season of 52 over 2,000 points ran for over 25 minutes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..exceptions import ConfigError, DataError

__all__ = ["ets", "arima", "CLASSICAL", "classical_available"]


def classical_available() -> bool:
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        return False
    return True


def _models():
    try:
        from statsforecast import models
    except ImportError as err:
        raise ConfigError(
            "the ets and arima baselines need statsforecast; install it with: pip install 'lstmkit[classical]'"
        ) from err
    return models


def _fill(y: np.ndarray) -> np.ndarray:
    """statsforecast takes no NaN: gaps (impute='drop') are interpolated linearly for these baselines."""
    missing = ~np.isfinite(y)
    if not missing.any():
        return y.astype("float64")
    rows = np.arange(len(y))
    return np.interp(rows, rows[~missing], y[~missing])


def _classical(name: str, make: Callable) -> Callable:
    def baseline(y: np.ndarray, series_start: np.ndarray, origin: np.ndarray, step: np.ndarray, season: int) -> np.ndarray:
        out = np.full(len(origin), np.nan)
        models = _models()  # outside the try: a missing extra is a ConfigError, not a data problem
        starts = series_start[origin]
        for start in np.unique(starts):
            mine = np.flatnonzero(starts == start)
            o, j = origin[mine], step[mine]
            try:
                model = make(models, season, o.min() - start).fit(_fill(y[start : o.min()]))
                if (j == 0).all():  # one step ahead everywhere: the frozen model's fitted values
                    fitted = model.forward(y=_fill(y[start : o.max() + 1]), h=1, fitted=True)["fitted"]
                    out[mine] = fitted[o - start]
                    continue
                for u in np.unique(o):
                    at = o == u
                    mean = model.forward(y=_fill(y[start:u]), h=int(j[at].max()) + 1)["mean"]
                    out[mine[at]] = mean[j[at]]
            except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as err:
                raise DataError(
                    f"the {name} baseline failed on a series of {o.min() - start} training rows: {err}. Leave it out "
                    "of --baselines for this data."
                ) from err
        return out

    baseline.__name__ = name
    baseline.__doc__ = f"statsforecast {name}, fitted on the history before the series' first origin, then frozen."
    return baseline


ets = _classical("ets", lambda m, season, n: m.AutoETS(season_length=season))
arima = _classical("arima", lambda m, season, n: m.AutoARIMA(season_length=season, approximation=n > 150 or season > 12))

CLASSICAL = {"ets": ets, "arima": arima}
