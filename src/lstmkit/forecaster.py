"""``Forecaster``: the forecasting estimator. Glue only: read -> prepare -> window -> fit -> forecast.

    >>> from lstmkit import Forecaster, load_airline
    >>> model = Forecaster(max_epochs=50).fit(load_airline(), target="passengers", time_col="timestamp",
    ...                                       test_size=24)
    >>> model.evaluate(load_airline()).metrics["rolling"]["lstm"]["mase"]   # doctest: +SKIP
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import forecast as fc
from . import intervals as iv
from .artifact import load_model, save_model
from .baselines import resolve_baselines
from .evaluation import Evaluation, evaluate_panel
from .exceptions import ConfigError, DataError, NotFittedError
from .io import Columns, checked_names, find_gaps, infer_freq, read_table, season_length
from .metrics import seasonal_scale
from .networks import WINDOW_NORMS, ForecastNet, NetConfig, PinballLoss
from .params import Params
from .prep import Panel, Preparer, PrepConfig
from .progress import Reporter, make_reporter
from .training import TrainConfig, fit, resolve_device
from .windows import WindowBatches, inference_chunk, window_starts

__all__ = ["Forecaster", "Evaluation"]  # Evaluation lives in evaluation.py; importable from here too

log = logging.getLogger(__name__)

MAX_VAL_WINDOWS = 8192  # validation windows scored per epoch, evenly spaced over the validation part


class Forecaster(Params):
    """An LSTM that forecasts the next ``horizon`` steps from the last ``lookback`` steps.

    Parameters are stored as given; they are checked and defaults resolved in ``fit``. ``lookback`` and
    ``horizon`` default to two seasons and one season of the data's frequency (e.g. 24 and 12 for monthly
    data), ``season`` to the frequency's natural season.

    ``quantiles`` (e.g. ``[0.05, 0.95]``) trains a quantile head with the pinball loss instead of ``loss``; the
    median is added and is the point forecast, and ``interval_method="quantile"`` gives its intervals.

    Fitted attributes: ``lookback_``, ``horizon_``, ``season_``, ``freq_``, ``history_`` (loss per epoch),
    ``columns_``, ``n_features_in_``, ``feature_names_in_``, ``test_size_``, ``calibration_`` (validation
    errors for conformal intervals; None without a validation part), ``train_end_`` (the last training time
    of each series).
    """

    def __init__(
        self,
        *,
        lookback: int | None = None,
        horizon: int | None = None,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        window_norm: str = "last",
        scaling: str = "standard",
        impute: str = "interpolate",
        missing_indicator: bool = False,
        loss: str = "mse",
        batch_size: int | None = None,
        lr: float = 3e-3,
        max_epochs: int = 100,
        patience: int | None = 10,
        steps_per_epoch: int | None = None,
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
        self.scaling = scaling
        self.impute = impute
        self.missing_indicator = missing_indicator
        self.loss = loss
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.patience = patience
        self.steps_per_epoch = steps_per_epoch
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
        test_size: int = 0,
        reporter: Reporter | None = None,
        checkpoint_dir: str | Path | None = None,
        resume: bool = False,
    ) -> Forecaster:
        """Fit on ``data`` (a path, DataFrame or array), holding out the last ``test_size`` rows of each
        series from everything: preparation statistics, training and validation.

        For an array, the target is column 0 (named ``y``) unless ``target`` names another.
        """
        columns = Columns(
            target=target or _default_target(data),
            time_col=time_col,
            id_col=id_col,
            features=checked_names(features),
            categorical=checked_names(categorical),
        )
        frame = read_table(data, columns)
        self._resolve(frame, columns, test_size)
        frame = self._drop_short_series(frame, columns)
        self.prep_ = Preparer(PrepConfig(self.impute, self.scaling, self.missing_indicator), columns).fit(
            frame, test_size
        )
        panel = self.prep_.transform(frame)
        del frame  # the panel holds what training needs; free the table before the buffers are made
        self.feature_names_in_ = panel.feature_names
        self.n_features_in_ = len(panel.feature_names)
        self.mase_scale_ = self._mase_scales(panel, test_size)
        self.batch_size_ = self.batch_size or self._auto_batch_size(panel)
        self.train_config_ = TrainConfig(
            batch_size=self.batch_size_,
            lr=self.lr,
            max_epochs=self.max_epochs,
            patience=self.patience,
            steps_per_epoch=self.steps_per_epoch,
            loss=self.loss,
            seed=self.random_state,
            device=self.device,
            precision=self.precision,
        )
        device = resolve_device(self.device)
        self.net_config_ = NetConfig(
            input_size=self.n_features_in_,
            horizon=self.horizon_,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout,
            window_norm=self.window_norm,
            n_normalised=len(self.prep_.continuous),
            quantiles=self._quantile_levels(),
        )
        torch.manual_seed(self.random_state)  # weight init and dropout
        self.net_ = ForecastNet(self.net_config_).to(device)
        train, val = self._batches(panel, device)
        quantiles = self.net_config_.quantiles
        self.history_ = fit(
            self.net_,
            train,
            val,
            self.train_config_,
            reporter=reporter or make_reporter(self.verbose),
            checkpoint_dir=Path(checkpoint_dir) if checkpoint_dir else None,
            resume=resume,
            loss_fn=PinballLoss(quantiles).to(device) if quantiles else None,
        )
        self.net_.cpu().eval()
        self.calibration_ = self._calibrate(panel)
        self.train_end_ = [_jsonable(panel.times[i][n - 1]) for i, n in enumerate(panel.lengths - self.test_size_)]
        return self

    def _quantile_levels(self) -> tuple[float, ...]:
        if self.quantiles is None:
            return ()
        qs = sorted({float(q) for q in self.quantiles} | {0.5})
        if not all(0 < q < 1 for q in qs):
            raise ConfigError(f"quantiles must lie strictly between 0 and 1 (e.g. 0.05,0.95); got {self.quantiles!r}.")
        if self.loss != "mse":
            warnings.warn(f"loss={self.loss!r} is not used: a quantile head trains with the pinball loss.", stacklevel=3)
        return tuple(qs)

    def _calibrate(self, panel: Panel) -> iv.Calibration | None:
        """Validation errors per step ahead for conformal intervals (None when there is no validation part)."""
        test_cut = panel.lengths - self.test_size_
        val_cut = test_cut - self._val_size(pd.Series(test_cut)).to_numpy()
        if not (test_cut > val_cut).any():
            return None
        row_series = np.repeat(panel.series, panel.lengths)
        target = (panel.target - self.prep_.loc_[row_series, 0]) / self.prep_.scale_[row_series, 0]
        buffer = torch.from_numpy(panel.values)
        calibration = iv.calibrate(self.net_, buffer, panel.offsets, target, self.lookback_, val_cut, test_cut)
        return calibration if all(len(s) for s in calibration.scores) else None

    def _resolve(self, frame: pd.DataFrame, columns: Columns, test_size: int) -> None:
        """Turn the parameters into checked, frozen configs (defaults that depend on the data too)."""
        if self.window_norm not in WINDOW_NORMS:
            raise ConfigError(f"window_norm={self.window_norm!r} is not one of {', '.join(WINDOW_NORMS)}.")
        if not isinstance(test_size, (int, np.integer)) or test_size < 0:
            raise ConfigError(f"test_size must be an integer >= 0; got {test_size!r}.")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1); got {self.dropout!r}.")
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn("dropout applies between LSTM layers; with num_layers=1 it has no effect.", stacklevel=3)
        self.columns_ = columns
        first = frame[columns.time_col] if columns.time_col else pd.Series(dtype="float64")
        if columns.id_col and columns.time_col:
            first = frame.loc[frame[columns.id_col] == frame[columns.id_col].iloc[0], columns.time_col]
        self.freq_ = infer_freq(first)
        gaps, first_gap = find_gaps(frame, columns, self.freq_)
        if gaps:
            warnings.warn(
                f"{gaps} gap(s) in the {self.freq_} clock of {columns.time_col!r}: the first between {first_gap[0]} "
                f"and {first_gap[1]}. Rows on either side of a gap are treated as consecutive steps, which blurs "
                f"the season. To keep the calendar, insert the missing timestamps as empty rows (impute fills "
                f"them): df.set_index({columns.time_col!r}).asfreq({self.freq_!r}).reset_index().",
                UserWarning,
                stacklevel=3,
            )
        self.season_ = int(self.season or season_length(self.freq_))
        if self.season_ <= 0:
            raise ConfigError(f"season must be a positive integer; got {self.season!r}.")
        self.horizon_ = int(self.horizon if self.horizon is not None else max(self.season_, 1))
        self.lookback_ = int(self.lookback if self.lookback is not None else max(2 * self.season_, 24))
        for name, value in (("lookback", self.lookback_), ("horizon", self.horizon_)):
            if value <= 0:
                raise ConfigError(f"{name} must be a positive integer; got {value}.")
        self.test_size_ = int(test_size)

    def _drop_short_series(self, frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
        """Skip series too short for one training window (with one summary warning)."""
        lengths = frame.groupby(columns.id_col, sort=False).size() if columns.id_col else pd.Series({"0": len(frame)})
        train_len = lengths - self.test_size_
        val = self._val_size(train_len)
        need = self.lookback_ + self.horizon_ + val
        short = train_len < need
        if short.all():
            sid = lengths.index[0]
            where = f"series {sid!r}" if columns.id_col else "the series"
            raise DataError(
                f"{where} has {lengths.iloc[0]} time steps, but lookback={self.lookback_} + horizon="
                f"{self.horizon_} + validation={int(val.iloc[0])} + test_size={self.test_size_} needs at least "
                f"{int(need.iloc[0]) + self.test_size_}. Use a shorter --lookback or --horizon, or a smaller "
                "--test-size."
            )
        if short.any():
            warnings.warn(
                f"{int(short.sum())} of {len(lengths)} series are too short for one training window "
                f"(e.g. {list(lengths.index[short][:3])}) and were skipped.",
                UserWarning,
                stacklevel=3,
            )
            frame = frame[~frame[columns.id_col].isin(lengths.index[short])].reset_index(drop=True)
        return frame

    def _val_size(self, train_len: pd.Series) -> pd.Series:
        if self.val_size is not None:
            return pd.Series(int(self.val_size), index=train_len.index)
        return np.maximum(self.horizon_, (0.1 * train_len).round().astype(int))

    def _mase_scales(self, panel: Panel, test_size: int) -> np.ndarray:
        """(n_fitted_series,) seasonal-naive in-sample MAE of each series' training part."""
        scales = np.ones(len(self.prep_.ids_))
        for i, (start, end) in enumerate(zip(panel.offsets[:-1], panel.offsets[1:])):
            scales[panel.series[i]] = seasonal_scale(panel.target[start : end - test_size], self.season_)
        return scales

    def _auto_batch_size(self, panel: Panel) -> int:
        """64 windows, or fewer (down to 16) so that a small series still gets about 8 steps an epoch: on
        airline (73 training windows) batches of 64 leave 2 steps an epoch and rolling MASE 1.45; 16 gives 0.75."""
        windows = int(np.maximum(panel.lengths - self.test_size_ - self.lookback_ - self.horizon_ + 1, 0).sum())
        return int(min(64, max(16, windows // 8)))

    def _batches(self, panel: Panel, device: torch.device) -> tuple[WindowBatches, WindowBatches]:
        train_len = pd.Series(panel.lengths - self.test_size_)
        test_cut = train_len.to_numpy()
        val_cut = test_cut - self._val_size(train_len).to_numpy()
        valid = panel.valid_rows
        lb, h = self.lookback_, self.horizon_
        train_starts = window_starts(panel.offsets, lb, h, last_target=val_cut, valid_rows=valid)
        val_starts = window_starts(panel.offsets, lb, h, first_target=val_cut, last_target=test_cut, valid_rows=valid)
        if len(val_starts) > MAX_VAL_WINDOWS:  # long data: an even sample keeps validation cheap
            val_starts = val_starts[np.linspace(0, len(val_starts) - 1, MAX_VAL_WINDOWS).astype(np.int64)]
        if len(train_starts) == 0:
            raise DataError(
                "no complete training window: every window of lookback + horizon rows contains a gap "
                "(impute='drop'). Use --impute interpolate, or a shorter --lookback."
            )
        buffer = torch.from_numpy(panel.values).to(device)
        bs, spe = self.batch_size_, self.steps_per_epoch
        chunk = inference_chunk(lb, self.hidden_size)
        train = WindowBatches(buffer, torch.from_numpy(train_starts).to(device), lb, h, bs, spe, chunk)
        val = WindowBatches(buffer, torch.from_numpy(val_starts).to(device), lb, h, bs, eval_size=chunk)
        log.info("%d training windows, %d validation windows", len(train_starts), len(val_starts))
        return train, val

    # ---- forecasting -------------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(...) first, or Forecaster.load(dir).")

    def _panel(self, data) -> tuple[pd.DataFrame, Panel, torch.Tensor]:
        frame = read_table(data, self.columns_)
        panel = self.prep_.transform(frame)
        return frame, panel, torch.from_numpy(panel.values)

    @property
    def _recursive_ok(self) -> bool:
        return not self.columns_.features and not self.columns_.categorical

    def predict(
        self, data, steps: int | None = None, *, intervals=None, interval_method: str = "conformal"
    ) -> pd.DataFrame:
        """Forecast the ``steps`` (default: horizon) rows after the end of each series in ``data``.

        Returns one row per (series, step): the id column (if any), the time column (continued at the
        inferred frequency; ``step`` without a time column) and ``forecast``, on the original scale; with
        ``intervals`` (e.g. ``[0.8, 0.95]``) also ``lower_<level>`` and ``upper_<level>`` for each level.
        """
        self._check_fitted()
        levels = iv.check_levels(intervals)
        steps = self.horizon_ if steps is None else steps
        if not isinstance(steps, (int, np.integer)) or steps <= 0:
            raise ConfigError(f"steps must be a positive integer; got {steps!r}.")
        _, panel, buffer = self._panel(data)
        self._check_length(panel, 0)
        scaled = fc.future(self.net_, buffer, panel, self.lookback_, steps, recursive_ok=self._recursive_ok)
        values = self.prep_.inverse_target(scaled, panel.series)  # (S, K)
        bands = {}
        if levels:
            origin = np.repeat(panel.offsets[1:], steps)
            step = np.tile(np.arange(steps), len(panel.ids))
            series = np.repeat(panel.series, steps)
            bands = iv.bounds(self, buffer, origin, step, series, values.ravel(), levels, interval_method)
        out = {self._time_name: self._future_time_block(panel, steps), "forecast": values.ravel()}
        for key, (lower, upper) in bands.items():
            out |= {f"lower_{key}": lower, f"upper_{key}": upper}
        if self.columns_.id_col:
            out = {self.columns_.id_col: np.repeat(np.array(panel.ids, dtype=object), steps), **out}
        return pd.DataFrame(out)

    def _future_time_block(self, panel: Panel, steps: int):
        """(S * K,) the K times after each series' end, flat in series order; series that end at the same
        time share one computed block (a panel of 10,000 aligned series computes it once)."""
        blocks: dict = {}
        parts = []
        for times in panel.times:
            key = (len(times), times[-1]) if isinstance(times, pd.RangeIndex) else times[-1]
            if key not in blocks:
                blocks[key] = np.asarray(self._future_times(times, steps))
            parts.append(blocks[key])
        return np.concatenate(parts)

    def predict_values(self, values: np.ndarray, steps: int | None = None, *, series: Sequence[str] | None = None) -> np.ndarray:
        """Fast path without pandas: forecasts from raw history arrays, for serving one or many series.

        values: (T, C) or (S, T, C), the last T >= lookback rows of the continuous columns in training order
        (target, then numeric features), original scale, no NaN. series: the ids of the S series (needed
        only for a model trained on several). Returns (K,) or (S, K) forecasts on the original scale.
        """
        self._check_fitted()
        if self.columns_.categorical or self.missing_indicator:
            raise ConfigError(
                "predict_values takes the continuous columns only; this model also uses categorical columns or "
                "a missing indicator. Use predict(DataFrame) instead."
            )
        values = np.asarray(values, dtype=np.float64)
        single = values.ndim == 2
        batch = values[None] if single else values  # (S, T, C)
        n_cont = len(self.prep_.continuous)
        if batch.ndim != 3 or batch.shape[2] != n_cont or batch.shape[1] < self.lookback_:
            raise DataError(
                f"values must be (T, {n_cont}) or (S, T, {n_cont}) with T >= lookback={self.lookback_} (columns "
                f"{', '.join(self.prep_.continuous)}); got shape {values.shape}."
            )
        if series is None:
            if len(self.prep_.ids_) > 1:
                raise ConfigError(f"this model knows {len(self.prep_.ids_)} series; pass series=[ids] for the rows.")
            index = np.zeros(len(batch), dtype=np.int64)
        else:
            known = {sid: i for i, sid in enumerate(self.prep_.ids_)}
            unknown = [s for s in series if str(s) not in known]
            if unknown:
                raise DataError(f"series {unknown[:3]} were not in the training data; the model knows {len(known)}.")
            index = np.array([known[str(s)] for s in series], dtype=np.int64)
        window = batch[:, -self.lookback_ :]  # (S, L, C)
        if not np.isfinite(window).all():
            raise DataError("values hold NaN or inf in the last lookback rows; fill them or use predict(DataFrame).")
        scaled = (window - self.prep_.loc_[index][:, None]) / self.prep_.scale_[index][:, None]
        x = torch.from_numpy(scaled.astype(np.float32))
        out = fc.predict_inputs(self.net_, x, steps or self.horizon_, recursive_ok=self._recursive_ok).numpy()
        out = self.prep_.inverse_target(out, index)  # (S, K)
        return out[0] if single else out

    @property
    def _time_name(self) -> str:
        return self.columns_.time_col or "step"

    def _future_times(self, times: pd.Index, steps: int):
        if isinstance(times, pd.RangeIndex):
            return np.arange(len(times), len(times) + steps)
        last = times[-1]
        if isinstance(last, pd.Timestamp) or np.issubdtype(np.asarray(times).dtype, np.datetime64):
            if self.freq_:
                return pd.date_range(last, periods=steps + 1, freq=self.freq_)[1:]
            step = pd.Series(times).diff().median()
            return pd.DatetimeIndex([last + step * (k + 1) for k in range(steps)])
        step = np.median(np.diff(np.asarray(times, dtype="float64"))) if len(times) > 1 else 1
        return np.asarray(last) + step * np.arange(1, steps + 1)

    def _check_length(self, panel: Panel, test_size: int, end_gap: int = 0) -> None:
        need = self.lookback_ + test_size + end_gap
        short = panel.lengths < max(need, 1) + (1 if test_size else 0)
        if short.any():
            i = int(np.flatnonzero(short)[0])
            where = f"series {panel.ids[i]!r}" if self.columns_.id_col else "the series"
            raise DataError(
                f"{where} has {panel.lengths[i]} rows, but the model needs lookback={self.lookback_}"
                f"{f' + test_size={test_size}' if test_size else ''}{f' + {end_gap} later rows' if end_gap else ''}"
                f" = {need} rows"
                f"{' (plus one to forecast from)' if test_size else ''}. Give a longer history."
            )

    def evaluate(
        self, data, test_size: int | None = None, *, intervals=None, interval_method: str = "adaptive", baselines=None
    ) -> Evaluation:
        """Rolling one-step and multi-step forecasts over the last ``test_size`` rows of each series
        (default: the size the model was trained with), scored next to baselines on exactly the same points
        (default naive and seasonal_naive; ``baselines="all"`` adds drift and mean). With ``intervals``
        (e.g. ``0.9`` or ``[0.8, 0.95]``) the LSTM's intervals are scored too (coverage, width, ...); by default
        adaptive conformal ones, which follow the outcomes as the rolling evaluation reveals them."""
        self._check_fitted()
        test_size = self.test_size_ if test_size is None else test_size
        if not isinstance(test_size, (int, np.integer)) or test_size <= 0:
            raise ConfigError(
                f"test_size must be a positive integer; got {test_size!r}"
                + (" (the model was trained without --test-size; pass --test-size N)." if test_size == 0 else ".")
            )
        levels, methods = iv.check_levels(intervals), resolve_baselines(baselines)
        iv.check_method(interval_method)
        _, panel, buffer = self._panel(data)
        return evaluate_panel(self, panel, buffer, test_size, 0, levels, interval_method, methods)


    def backtest(self, data, **options):
        """Rolling-origin backtest of this model (see ``lstmkit.backtest``): ``folds=5``, ``refit=False``, ..."""
        from .backtest import backtest

        return backtest(self, data, **options)

    # ---- persistence -------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the model to ``directory`` (config.json + weights.safetensors), atomically."""
        self._check_fitted()
        config = {
            "kind": "forecaster",
            "params": self.get_params(),
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
            },
            "network": asdict(self.net_config_),
            "training": asdict(self.train_config_),
            "preparation": self.prep_.to_dict(),
            "history": self.history_,
        }
        return save_model(directory, config, self.net_.state_dict())

    @classmethod
    def load(cls, directory: str | Path) -> Forecaster:
        """Rebuild a model saved with ``save``; its predictions are bit-identical."""
        from .exceptions import ModelFileError

        config, tensors = load_model(directory, "forecaster")
        try:
            params = {k: v for k, v in config["params"].items() if k in {f for f in cls().get_params()}}
            model = cls(**params)
            fitted = config["fitted"]
            model.lookback_, model.horizon_ = fitted["lookback"], fitted["horizon"]
            model.season_, model.freq_, model.test_size_ = fitted["season"], fitted["freq"], fitted["test_size"]
            model.mase_scale_ = np.array(fitted["mase_scale"], dtype="float64")
            model.feature_names_in_ = fitted["feature_names"]
            model.train_end_ = fitted.get("train_end")
            calibration = fitted.get("calibration")
            model.calibration_ = iv.Calibration.from_dict(calibration) if calibration else None
            model.n_features_in_ = len(model.feature_names_in_)
            model.net_config_ = NetConfig(**config["network"])
            model.train_config_ = TrainConfig(**config["training"])
            model.prep_ = Preparer.from_dict(config["preparation"])
            model.columns_ = model.prep_.columns
            model.history_ = config["history"]
            model.net_ = ForecastNet(model.net_config_)
            model.net_.load_state_dict(tensors)
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise ModelFileError(f"the model in {str(directory)!r} is incomplete or inconsistent: {err}") from err
        model.net_.eval()
        return model


def _jsonable(value):
    """A time value as JSON can hold it: ISO text for timestamps, a number otherwise."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    return value.item() if isinstance(value, np.generic) else value


def _default_target(data) -> str:
    if isinstance(data, np.ndarray):
        return "y"
    raise ConfigError("name the target column: fit(data, target='sales') (CLI: --target sales).")

