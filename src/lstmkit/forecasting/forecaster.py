"""``Forecaster``: the forecasting estimator. Glue only: read -> plan -> prepare -> window -> train -> the
frozen ``FittedForecaster`` that evaluates, forecasts and backtests.

    >>> from lstmkit import Forecaster, load_airline
    >>> model = Forecaster(max_epochs=50).fit(load_airline(), target="passengers", time_col="timestamp",
    ...                                       test_size=24)
    >>> model.evaluate(load_airline()).metrics["rolling"]["lstm"]["mase"]   # doctest: +SKIP

Shape symbols:  S series   T history rows   C continuous columns   K steps forecast
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .._validation import build, fraction, names, one_of, positive_int, to_builtin
from ..calendar import resolve_calendar
from ..estimator import Estimator
from ..exceptions import ConfigError
from ..io import Columns, load_frame, read_table, split_by_kind
from ..networks import WINDOW_NORMS, ForecastNet, NetConfig, PinballLoss
from ..prep import Preparer, PrepConfig
from ..progress import Reporter
from ..training import TrainConfig, resolve_device
from . import intervals as iv
from .auto import ensemble_size, resolve_window_norm, window_norm_fits
from .backtest import Backtest, fit_columns, run_backtest
from .baselines import resolve_baselines
from .ensemble import member_weights
from .evaluation import Evaluation, evaluate_panel
from .fitted import FittedForecaster, ForecasterFile, restore
from .future_rows import split_future
from .plan import Plan, check_normalised, make_plan, trending_first
from .prediction import predict_arrays, predict_frame
from .selection import Selection, candidate_plans, train_and_choose

__all__ = ["Forecaster"]

log = logging.getLogger(__name__)


class Forecaster(Estimator):
    """An LSTM that forecasts the next ``horizon`` steps from the last ``lookback`` steps.

    Parameters are stored as given; they are checked and defaults resolved in ``fit``. ``horizon`` defaults to
    one season of the data's frequency, ``season`` to the frequency's natural season, ``lookback`` to two
    seasons (e.g. 24 for monthly data); on small data the lookback is then chosen on the validation part among
    0.5 to 2 times that (``forecasting.selection``; ``selection_`` says what was tried). A given ``lookback``
    is used as it is, and so is the lookback of an ``init_from`` model.

    ``window_norm`` expresses the target of each window relative to the window itself; the past numeric
    features in ``window_norm_features`` too (``"auto"``: those that trend over the training rows), the others keep
    their level (scaled). With an anchor (``auto``, the default: per step, the one with the smallest
    training-window error; ``forecasting.auto``) the network forecasts what the anchor misses. ``ensemble`` networks (seeds random_state, +1, ...) forecast
    by their median; ``"auto"``: 3 on small data, else 1. Lookback, validation and batch sizes follow the
    series' lengths (``plan.default_lookback``, ``plan.default_val_sizes``).

    ``quantiles`` (e.g. ``[0.05, 0.95]``) trains a quantile head with the pinball loss instead of ``loss``; the
    median is added and is the point forecast, and ``interval_method="quantile"`` gives its intervals.

    Fitted attributes: ``lookback_``, ``horizon_``, ``season_``, ``freq_``, ``history_`` (loss per epoch),
    ``columns_``, ``n_features_in_``, ``feature_names_in_``, ``test_size_``, ``calibration_`` (validation
    errors for conformal intervals; None without a validation part), ``train_end_`` (the last training time
    of each series), ``selection_`` (the lookbacks tried and their validation scores; None when there was no choice). ``fitted()`` returns them frozen, with the network and the preparation."""

    _kind = "forecaster"
    _schema = ForecasterFile

    def __init__(
        self,
        *,
        lookback: int | None = None,
        horizon: int | None = None,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        window_norm: str = "auto",
        window_norm_features: Sequence[str] | str | None = "auto",
        scaling: str = "standard",
        impute: str = "interpolate",
        missing_indicator: bool = False,
        loss: str = "mae",
        batch_size: int | None = None,
        lr: float = 3e-3,
        max_epochs: int = 100,
        patience: int | None = 10,
        steps_per_epoch: int | None = None,
        ensemble: int | str = "auto",
        val_size: int | None = None,
        quantiles: Sequence[float] | None = None,
        season: int | None = None,
        device: str = "auto",
        precision: str = "fp32",
        random_state: int = 0,
        verbose: int = 1,
    ) -> None:
        self.lookback = lookback
        self.horizon = horizon
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.window_norm = window_norm
        self.window_norm_features = window_norm_features
        self.scaling = scaling
        self.impute = impute
        self.missing_indicator = missing_indicator
        self.loss = loss
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.steps_per_epoch = steps_per_epoch
        self.ensemble = ensemble
        self.val_size = val_size
        self.quantiles = quantiles
        self.season = season
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    # ---- fit ---------------------------------------------------------------------------------------
    def fit(
        self,
        data,
        *,
        target: str | None = None,
        time_col: str | None = None,
        id_col: str | None = None,
        features: Sequence[str] | str | None = None,
        categorical: Sequence[str] | str | None = None,
        future_features: Sequence[str] | str | None = None,
        static: Sequence[str] | str | None = None,
        calendar: Sequence[str] | str | None = None,
        holidays: str | None = None,
        test_size: int = 0,
        date_format: str | None = None,
        dayfirst: bool = False,
        init_from: Forecaster | None = None,
        reporter: Reporter | None = None,
        checkpoint_dir: str | Path | None = None,
        resume: bool = False,
    ) -> Forecaster:
        """Fit on ``data`` (a path, DataFrame or array), holding out the last ``test_size`` rows of each
        series from everything: preparation statistics, training and validation.

        Column roles: ``features`` / ``categorical`` are known up to the forecast origin only (past inputs);
        ``future_features`` (numeric or text) are known for the forecast steps too (holidays, promotions, a
        weather forecast): the network sees them over the lookback and over the H steps it forecasts;
        ``static`` are per-series attributes (constant within a series). ``calendar`` ("auto" or names such as
        "dayofweek,month") and ``holidays`` (a country code, the ``holidays`` extra) derive known-future
        inputs from the time column. Rows at the end with an empty target are future rows, not training data.

        For an array, the target is column 0 (named ``y``) unless ``target`` names another. ``date_format``
        (e.g. ``"%d/%m/%Y"``) or ``dayfirst=True`` say how text dates read where the column cannot tell; the
        model keeps them. ``init_from`` starts from a trained Forecaster's weights (same network shape).
        """
        self._check_params()
        raw = load_frame(data)
        target = target or _default_target(data)
        future, future_cats = split_by_kind(raw, names(future_features))
        statics, static_cats = split_by_kind(raw, names(static))
        auto = self.window_norm_features == "auto"
        normalised = () if auto else names(self.window_norm_features)
        past = names(features)
        check_normalised(normalised, past)
        columns = Columns(
            target=target, time_col=time_col, id_col=id_col,
            features=(*normalised, *[c for c in past if c not in normalised]), categorical=names(categorical),
            future=future, future_categorical=future_cats, static=statics, static_categorical=static_cats,
            date_format=date_format, dayfirst=dayfirst,
        )
        frame, dropped = split_future(read_table(raw, columns), columns)
        if len(dropped):
            log.info("%d rows at the end have an empty target: future rows, left out of training", len(dropped))
        lookback = _initial_model(init_from).lookback_ if self.lookback is None and init_from is not None else self.lookback
        plan = make_plan(frame, columns, lookback=lookback, horizon=self.horizon, season=self.season,
                         val_size=self.val_size, test_size=test_size)
        frame = plan.drop_short_series(frame, columns)
        plan.check_missing(frame, columns)
        if auto and past:
            columns, normalised = trending_first(frame, columns, test_size)
        derived = dict(calendar=resolve_calendar(calendar, plan.freq), holidays=holidays)
        prep = Preparer(PrepConfig(self.impute, self.scaling, self.missing_indicator, **derived), columns).fit(
            frame, test_size)
        panel = prep.transform(frame)
        del frame, raw  # the panel holds what training needs; free the table before the buffers are made
        self.batch_size_ = self.batch_size or plan.auto_batch_size(panel)
        steps = self.steps_per_epoch if self.steps_per_epoch or self.batch_size else plan.auto_steps(panel, self.batch_size_)
        self.train_config_ = build(TrainConfig, dict(
            batch_size=self.batch_size_, lr=self.lr, max_epochs=self.max_epochs, patience=self.patience,
            steps_per_epoch=steps, loss=self.loss, seed=self.random_state, device=self.device, precision=self.precision,
        ))
        device, quantiles = resolve_device(self.device), self._quantile_levels()
        self._log_params(reporter, params=self.get_params(), training=asdict(self.train_config_))

        def trainer(p: Plan) -> tuple[NetConfig, Callable]:
            """Plan ``p``'s network (anchors chosen on its training windows) and a function training one."""
            norm, anchors, smoothing = resolve_window_norm(self.window_norm, panel.values[:, 0], p.train_starts(panel),
                                                           p.lookback, p.horizon, p.season)
            config = build(NetConfig, dict(
                input_size=len(panel.feature_names), horizon=p.horizon, hidden_size=self.hidden_size,
                num_layers=self.num_layers, dropout=self.dropout, window_norm=norm, anchors=anchors, season=p.season,
                ses_alpha=smoothing.ses, holt=smoothing.holt, n_normalised=1 + len(normalised), quantiles=quantiles,
                n_future=int(np.diff(prep.blocks["future"])[0]), n_static=int(np.diff(prep.blocks["static"])[0]),
            ))
            train, val = p.batches(panel, device, self.batch_size_, steps, self.hidden_size,
                                   config.future_slice if config.n_future else None)
            fingerprinted = (panel.values, panel.offsets, np.array([p.test_size, p.val_size or -1, p.lookback]))

            def train_one(net_config: NetConfig, train_config: TrainConfig, where: Path | None, member: int,
                          label: str | None = None):
                self._train(ForecastNet, net_config, train, val, train_config, reporter=reporter, device=device, label=label,
                            loss_fn=PinballLoss(quantiles) if quantiles else None, checkpoint_dir=where, resume=resume,
                            data=fingerprinted, init=_initial_weights(init_from, member), log_params=False)
                return self.net_, self.history_

            return config, train_one

        plan, self.selection_, self.net_config_, self.net_, self.history_ = train_and_choose(
            candidate_plans(plan, panel, plan.n_windows(panel), partial(window_norm_fits, self.window_norm, season=plan.season))
            if lookback is None else [plan], trainer,
            lambda p, net: p.calibrate(net, panel, prep), lambda p: ensemble_size(self.ensemble, p.n_windows(panel)),
            self.train_config_, Path(checkpoint_dir) if checkpoint_dir else None)
        self._log_params(reporter, network=asdict(self.net_config_),  # the network kept, once it is known
                         **({"selection": self.selection_.to_dict()} if self.selection_ else {}))
        if self.selection_ is not None:
            log.info(self.selection_.describe())
        self._set_fitted(FittedForecaster(
            net=self.net_, prep=prep, lookback=plan.lookback, horizon=plan.horizon, season=plan.season,
            freq=plan.freq, test_size=plan.test_size, mase_scale=plan.mase_scales(panel, len(prep.ids_)),
            calibration=plan.calibrate(self.net_, panel, prep),
            train_end=[to_builtin(panel.times[i][n - 1]) for i, n in enumerate(panel.lengths - plan.test_size)],
            val_lookback=plan.val_lookback,
        ), panel.feature_names)
        return self

    def _check_params(self) -> None:
        one_of("window_norm", self.window_norm, WINDOW_NORMS)
        fraction("dropout", self.dropout)
        positive_int("hidden_size", self.hidden_size)
        positive_int("num_layers", self.num_layers)
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn("dropout applies between LSTM layers; with num_layers=1 it has no effect.", stacklevel=3)

    def _quantile_levels(self) -> tuple[float, ...]:
        if self.quantiles is None:
            return ()
        qs = sorted({float(q) for q in self.quantiles} | {0.5})
        if not all(0 < q < 1 for q in qs):
            raise ConfigError(f"quantiles must lie strictly between 0 and 1 (e.g. 0.05,0.95); got {self.quantiles!r}.")
        if self.loss != "mae":
            warnings.warn(f"loss={self.loss!r} is not used: a quantile head trains with the pinball loss.", stacklevel=3)
        return tuple(qs)

    def _set_fitted(self, fitted: FittedForecaster, feature_names: list[str]) -> None:
        """The sklearn-style fitted attributes, from the frozen object they are a view of."""
        self.net_, self.prep_, self.columns_ = fitted.net, fitted.prep, fitted.columns
        self.lookback_, self.horizon_, self.season_, self.freq_ = fitted.lookback, fitted.horizon, fitted.season, fitted.freq
        self.test_size_, self.mase_scale_, self.train_end_ = fitted.test_size, fitted.mase_scale, fitted.train_end
        self.calibration_ = fitted.calibration
        self.feature_names_in_, self.n_features_in_ = list(feature_names), len(feature_names)

    def fitted(self) -> FittedForecaster:
        """The trained network, preparation and sizes, frozen: what evaluation, intervals and backtests read."""
        self._check_fitted()
        return FittedForecaster(
            net=self.net_, prep=self.prep_, lookback=self.lookback_, horizon=self.horizon_, season=self.season_,
            freq=self.freq_, test_size=self.test_size_, mase_scale=self.mase_scale_, calibration=self.calibration_,
            train_end=self.train_end_, val_lookback=self.selection_.lookbacks[0] if self.selection_ else None,
        )

    def _summary(self) -> str:
        chosen = " (chosen on validation)" if self.selection_ is not None else ""
        return (f"lookback {self.lookback_}{chosen}, horizon {self.horizon_}, season {self.season_}, "
                f"{len(self.prep_.ids_)} series, {len(self.history_)} epochs")

    # ---- forecasting -------------------------------------------------------------------------------
    def predict(
        self, data, steps: int | None = None, *, future=None, intervals=None, interval_method: str = "conformal",
        strict: bool = False,
    ) -> pd.DataFrame:
        """Forecast the ``steps`` (default: horizon) rows after each series' last target in ``data``.

        Returns one row per (series, step): the id column (if any), the time column (continued at the
        inferred frequency; ``step`` without a time column) and ``forecast``, on the original scale; with
        ``intervals`` (e.g. ``[0.8, 0.95]``) also ``lower_<level>`` and ``upper_<level>`` for each level.
        Known-future values come from rows at the end of ``data`` with an empty target, or from ``future``
        (a path or DataFrame: time and id columns plus the known-future ones). A series never seen in training
        is forecast from its own history (with a warning), unless ``strict``.
        """
        return predict_frame(self.fitted(), data, steps, future=future, intervals=intervals,
                             interval_method=interval_method, strict=strict)

    def predict_values(self, values: np.ndarray, steps: int | None = None, *, series: Sequence[str] | None = None) -> np.ndarray:
        """Fast path without pandas: forecasts from raw history arrays, for serving one or many series.

        values: (T, C) or (S, T, C), the last T >= lookback rows of the continuous columns in training order
        (target, then numeric features), original scale, no NaN. series: the ids of the S series (needed
        only for a model trained on several). Returns (K,) or (S, K) forecasts on the original scale.
        """
        return predict_arrays(self.fitted(), values, steps, series=series)

    def evaluate(
        self, data, test_size: int | None = None, *, intervals=None, interval_method: str = "adaptive", baselines=None,
        strict: bool = False,
    ) -> Evaluation:
        """Rolling one-step and multi-step forecasts over the last ``test_size`` rows of each series
        (default: the size the model was trained with), scored next to baselines on exactly the same points
        (default naive and seasonal_naive; ``baselines="all"`` adds drift and mean). With ``intervals``
        (e.g. ``0.9`` or ``[0.8, 0.95]``) the LSTM's intervals are scored too (coverage, width, ...); by default
        adaptive conformal ones, which follow the outcomes as the rolling evaluation reveals them."""
        fitted = self.fitted()
        test_size = fitted.test_size if test_size is None else test_size
        if isinstance(test_size, bool) or not isinstance(test_size, (int, np.integer)) or test_size <= 0:
            raise ConfigError(
                f"test_size must be a positive integer; got {test_size!r}"
                + (" (the model was trained without --test-size; pass --test-size N)." if test_size == 0 else ".")
            )
        levels, methods = iv.check_levels(intervals), resolve_baselines(baselines)
        iv.check_method(interval_method)
        fitted, panel, buffer = fitted.prepared(data, holdout=int(test_size), strict=strict,
                                                need=fitted.lookback + int(test_size) + 1)
        return evaluate_panel(fitted, panel, buffer, int(test_size), 0, levels, interval_method, methods)

    def backtest(
        self, data, *, folds: int = 5, fold_size: int | None = None, refit: bool = False, baselines="all",
        allow_in_sample: bool = False, intervals=None, interval_method: str = "adaptive", verbose: int = 0,
        **fit_args,
    ) -> Backtest:
        """Rolling-origin backtest (see ``forecasting.backtest``): this trained model at ``folds`` folds at the
        end of each series, or with ``refit=True`` a new model per fold fitted on that fold's history only.
        An unfitted Forecaster backtests with ``refit=True`` and the column roles of ``fit`` as ``fit_args``."""
        if refit:
            columns = fit_args or self._fit_args()
            test_size = columns.pop("test_size", None)
            params = self.get_params() | {"verbose": verbose}

            def fit_fold(part, size: int) -> Forecaster:
                return Forecaster(**params).fit(part, **columns, test_size=size)

            default = test_size if test_size is not None else (self.test_size_ if self._fitted() else None)
            return run_backtest(None, data, fit_fold=fit_fold, columns=fit_columns(columns), folds=folds,
                                fold_size=fold_size, default_test_size=default, baselines=baselines,
                                intervals=intervals, interval_method=interval_method)
        if not self._fitted():
            raise ConfigError("an untrained model (a config) has to train one per fold: add --refit (refit=True).")
        result = run_backtest(self.fitted(), data, folds=folds, fold_size=fold_size,
                              default_test_size=self.test_size_, baselines=baselines,
                              allow_in_sample=allow_in_sample, intervals=intervals, interval_method=interval_method)
        result.models.append(self)
        return result

    def _fit_args(self) -> dict:
        """The column roles (and test size) this model was fitted with, as ``fit`` takes them."""
        if not self._fitted():
            raise ConfigError("an unfitted Forecaster has no column roles; pass them (target=..., ...) or fit it first.")
        c, prep = self.columns_, self.prep_.config
        return {"target": c.target, "time_col": c.time_col, "id_col": c.id_col, "features": list(c.features) or None,
                "categorical": list(c.categorical) or None,
                "future_features": [*c.future, *c.future_categorical] or None,
                "static": [*c.static, *c.static_categorical] or None, "calendar": list(prep.calendar) or None,
                "holidays": prep.holidays, "date_format": c.date_format, "dayfirst": c.dayfirst,
                "test_size": self.test_size_}

    # ---- model files -------------------------------------------------------------------------------
    def _state(self) -> dict:
        return {
            "fitted": {
                "lookback": self.lookback_,
                "horizon": self.horizon_,
                "season": self.season_,
                "freq": self.freq_,
                "test_size": self.test_size_,
                "mase_scale": self.mase_scale_.tolist(),
                "feature_names": self.feature_names_in_,
                "train_end": self.train_end_,
                "calibration": self.calibration_.to_dict() if self.calibration_ is not None else None,
                "selection": self.selection_.to_dict() if self.selection_ is not None else None,
            },
            "network": asdict(self.net_config_),
            "training": asdict(self.train_config_),
            "preparation": self.prep_.to_dict(),
            "history": self.history_,
        }

    def _restore(self, document, tensors: dict[str, torch.Tensor] | None) -> None:
        fitted, extra = restore(document)
        if tensors is not None:
            fitted.net.load_state_dict(tensors)
        fitted.net.eval()
        self.net_config_, self.train_config_, self.history_ = document.network, document.training, document.history
        chosen = document.fitted.selection
        self.selection_ = None if chosen is None else Selection.from_dict(chosen)
        self._set_fitted(fitted, extra["feature_names"])


def _initial_model(model) -> Forecaster:
    if not isinstance(model, Forecaster) or not model._fitted():
        raise ConfigError("init_from takes a fitted Forecaster (e.g. lstmkit.load('model')).")
    return model


def _initial_weights(model: Forecaster | None, member: int = 0) -> dict | None:
    return member_weights(_initial_model(model).net_, member) if model is not None else None


def _default_target(data) -> str:
    if not isinstance(data, np.ndarray):
        raise ConfigError("name the target column: fit(data, target='sales') (CLI: --target sales).")
    return "y"
