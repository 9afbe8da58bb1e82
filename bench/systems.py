"""One training system per process, under the shared peer protocol (../shared/benchmarks/PROTOCOL.md).

    python bench/systems.py SYSTEM DATASET     # prints one JSON line: fit_s, steps, ...

SYSTEM: floor (bare nn.LSTM + head + Adam over pre-built batches; only the loop is timed), raw (the
tutorial's loop: materialised windows, TensorDataset + DataLoader(shuffle=True)), lstmkit (Forecaster.fit
with the protocol's network and step count: lookback L, horizon 1, hidden 64 x 2, batch 32, Adam 1e-3,
fixed epochs, no validation). The data, splits and scaling come from the peers' own common.py, so all
three see the same training windows.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PEERS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "peers"
if not (PEERS / "common.py").exists():
    raise SystemExit(
        f"this benchmark follows the shared peer protocol, but {PEERS} is missing: clone lstmkit beside the "
        "project's shared/ folder (as CI does) to run it."
    )
sys.path.insert(0, str(PEERS))


def _data(name: str) -> dict:
    import common  # the peers' loader: identical data and splits

    return common.load(name)


def _network(width: int = 1):
    """The protocol's nn.LSTM(width, 64, 2) + linear head, Adam and MSE, as the peers' scripts build them."""
    import common
    import torch

    lstm = torch.nn.LSTM(width, common.HIDDEN, common.LAYERS, batch_first=True)
    head = torch.nn.Linear(common.HIDDEN, 1)
    opt = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=common.LR)
    return lstm, head, opt, torch.nn.MSELoss()


def protocol_forecaster(d: dict, max_epochs: int):
    """A Forecaster with the protocol's network and training settings: lookback L, horizon 1, LSTM 64 x 2,
    batch 32, Adam 1e-3, fixed epochs, no validation."""
    import common

    from lstmkit import Forecaster

    return Forecaster(
        lookback=d["L"], horizon=1, hidden_size=common.HIDDEN, num_layers=common.LAYERS,
        batch_size=common.BATCH, lr=common.LR, max_epochs=max_epochs, patience=None, val_size=0,
        device="cpu", verbose=0,
    )


CALENDAR = ("month",)  # the covariate runs: two known-future inputs (sin, cos of the month) beside the target


def _calendar(d: dict):
    """(T, 2) the calendar columns of the training rows."""
    import pandas as pd

    from lstmkit.calendar import calendar_features

    return calendar_features(pd.DatetimeIndex(d["ts"][: d["train_end"]]), CALENDAR)


def floor_setup(d: dict, device: str = "cpu", covariates: bool = False):
    """The floor's batches (built beforehand from the training windows) and network, on ``device``; with
    ``covariates`` the inputs are the target and the two calendar columns (the same input width as lstmkit's)."""
    import common
    import numpy as np
    import torch

    torch.manual_seed(0)
    z = common.scale(d, d["y"])[: d["train_end"]][:, None]
    if covariates:
        z = np.concatenate([z, _calendar(d)], axis=1)
    windows = np.lib.stride_tricks.sliding_window_view(z, d["L"] + 1, axis=0).transpose(0, 2, 1)  # (N, L + 1, F)
    x = torch.tensor(windows[:, :-1], dtype=torch.float32, device=device)
    y = torch.tensor(windows[:, -1, :1], dtype=torch.float32, device=device)
    batches = [(x[i].contiguous(), y[i].contiguous()) for i in torch.randperm(len(x)).split(common.BATCH)]
    lstm, head, opt, loss_fn = _network(z.shape[1])
    return batches, lstm.to(device), head.to(device), opt, loss_fn  # .to keeps the Parameters opt holds


def floor_loop(epochs: int, batches, lstm, head, opt, loss_fn) -> int:
    """The bare training loop; returns the number of steps."""
    steps = 0
    for _ in range(epochs):
        for xb, yb in batches:
            opt.zero_grad(set_to_none=True)
            out, _ = lstm(xb)
            loss = loss_fn(head(out[:, -1]), yb)
            loss.backward()
            opt.step()
            steps += 1
    return steps


def floor(d: dict, covariates: bool = False) -> dict:
    batches, *network = floor_setup(d, covariates=covariates)
    began = time.perf_counter()
    steps = floor_loop(d["epochs"], batches, *network)
    return {"fit_s": time.perf_counter() - began, "steps": steps, "windows": sum(len(x) for x, _ in batches)}


def raw(d: dict) -> dict:
    import common
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    began = time.perf_counter()
    z = common.scale(d, d["y"])[: d["train_end"]]
    xs, ys = [], []
    for i in range(len(z) - d["L"]):  # the tutorial's Python list of windows
        xs.append(z[i : i + d["L"]])
        ys.append(z[i + d["L"]])
    x = torch.tensor(np.array(xs), dtype=torch.float32).unsqueeze(-1)
    y = torch.tensor(np.array(ys), dtype=torch.float32).unsqueeze(-1)
    loader = DataLoader(TensorDataset(x, y), batch_size=common.BATCH, shuffle=True)
    lstm, head, opt, loss_fn = _network()
    steps = 0
    for _ in range(d["epochs"]):
        for xb, yb in loader:
            opt.zero_grad()
            out, _ = lstm(xb)
            loss = loss_fn(head(out[:, -1]), yb)
            loss.backward()
            opt.step()
            steps += 1
    return {"fit_s": time.perf_counter() - began, "steps": steps, "windows": len(x)}


def lstmkit(d: dict, covariates: bool = False) -> dict:
    import common
    import pandas as pd

    frame = pd.DataFrame({"timestamp": d["ts"][: d["train_end"]], "y": d["y"][: d["train_end"]]})
    model = protocol_forecaster(d, d["epochs"])
    began = time.perf_counter()
    model.fit(frame, target="y", time_col="timestamp", calendar=CALENDAR if covariates else None)
    seconds = time.perf_counter() - began
    steps = d["epochs"] * -(-(d["train_end"] - d["L"]) // common.BATCH)
    outside = seconds - sum(h["seconds"] for h in model.history_)  # checks, preparation, set-up
    return {"fit_s": seconds, "outside_s": outside, "steps": steps, "windows": d["train_end"] - d["L"]}


SYSTEMS = {"floor": floor, "raw": raw, "lstmkit": lstmkit}

if __name__ == "__main__":
    import torch

    torch.set_num_threads(2)
    # torch imports torch._dynamo (~1.2 s, once per process) when the first optimizer is built; the floor
    # builds its optimizer before its timer, so every system pays that import before timing.
    import torch._dynamo  # noqa: F401

    system, dataset = sys.argv[1], sys.argv[2]
    print(json.dumps({"system": system, "dataset": dataset, **SYSTEMS[system](_data(dataset))}))
