"""Forecasting: windows over series, a network that forecasts H steps, and the scores around it.

Modules, in the order they import each other (each only those before it):

    windows       windows as index arithmetic over one buffer; batches gathered in one indexing operation
    inference     batched forecasts from a trained network: rolling, multi-step, future
    calibration   validation errors for conformal intervals
    fitted        FittedForecaster, the frozen fitted object everything below reads; the file schema
    intervals     conformal, adaptive and quantile bounds
    metrics       MAE, RMSE, MAPE, sMAPE, MASE, interval scores
    classical     statsforecast's ETS and ARIMA as baselines (the optional ``classical`` extra)
    baselines     naive, seasonal naive, drift, mean, on exactly the LSTM's points
    auto          anchors and their smoothing weights chosen on the training windows; the ensemble's size
    ensemble      training an ensemble's members
    plan          the sizes a fit uses, resolved from the parameters and the data
    evaluation    rolling and multi-step scores next to the baselines: Evaluation
    backtest      rolling-origin folds: Backtest
    selection     the lookback chosen on the validation part
    forecaster    the estimator, glue only: Forecaster
    configured    backtest() of a Forecaster, a model folder or a config
    tuning        Optuna search over a config's parameters
"""
