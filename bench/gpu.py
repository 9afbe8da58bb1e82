"""The CUDA path, on a GPU: checks first, then speed against the bare loop on the same GPU.

Checks: training batches are gathered on the device (host-to-device copies counted by the profiler over a
whole fit, against its number of steps); nn.LSTM runs cuDNN's kernels; bf16 autocast runs the LSTM in
bfloat16 while the weights stay float32; a model trained on the GPU forecasts on the CPU (where ``fit``
leaves it) as its weights do on the GPU.

Speed (median of --repeats, systems interleaved, each timed with the GPU synchronised):
- the protocol datasets (airline, co2, taylor; ../shared/benchmarks/peers/common.py): fit time over the floor,
  the bare nn.LSTM + head + Adam loop over pre-built batches already on the GPU, at equal steps (batch 32);
- the 2,000,000 x 8 long series (lookback 128, batch 256, 200 steps) and a batch of 2,048;
- the 10,000 x 1,000 panel (--id-col, lookback 48, horizon 12, batch 256 and 2,048, 200 steps an epoch), and
  the forecast of all 10,000 series in one call.

    python bench/gpu.py [--quick] [--repeats 3]      # writes the section "GPU" of bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
from results import update_section  # noqa: E402
from systems import _data, floor_loop, floor_setup, protocol_forecaster  # noqa: E402

DEVICE = torch.device("cuda")  # --device cpu only to try the script where there is no GPU


def sync() -> None:
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def timed(fn) -> float:
    sync()
    began = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - began


def reset_peak() -> None:
    if DEVICE.type == "cuda":
        torch.cuda.reset_peak_memory_stats()


def peak_mb() -> float:
    return torch.cuda.max_memory_allocated() / 2**20 if DEVICE.type == "cuda" else float("nan")


# ---- protocol datasets: lstmkit vs the bare loop on the GPU -------------------------------------------


def floor_fit(d: dict) -> tuple[float, int]:
    """The bare loop over batches built beforehand on the GPU; returns (seconds, steps)."""
    batches, *network = floor_setup(d, DEVICE)
    steps = []
    return timed(lambda: steps.append(floor_loop(d["epochs"], batches, *network))), steps[0]


def lstmkit_fit(d: dict, precision: str) -> float:
    frame = pd.DataFrame({"timestamp": d["ts"][: d["train_end"]], "y": d["y"][: d["train_end"]]})
    model = protocol_forecaster(d, d["epochs"]).set_params(device=DEVICE.type, precision=precision)
    return timed(lambda: model.fit(frame, target="y", time_col="timestamp"))


def protocol(repeats: int, names: list[str]) -> list[str]:
    rows = ["| dataset | steps | floor (bare loop, GPU) | lstmkit fp32 | ratio | lstmkit bf16 | ratio |", "|---|---|---|---|---|---|---|"]
    for name in names:
        d = _data(name)
        floor_fit(d), lstmkit_fit(d, "fp32")  # warm-up: cuDNN handles, kernels
        runs = {"floor": [], "fp32": [], "bf16": []}
        for _ in range(repeats):
            seconds, steps = floor_fit(d)
            runs["floor"].append(seconds)
            runs["fp32"].append(lstmkit_fit(d, "fp32"))
            runs["bf16"].append(lstmkit_fit(d, "bf16"))
        f, a, b = (statistics.median(runs[k]) for k in ("floor", "fp32", "bf16"))
        rows.append(f"| {name} | {steps:,} | {f:.2f} s | {a:.2f} s | {a / f:.2f} | {b:.2f} s | {b / f:.2f} |")
        print(rows[-1], flush=True)
    return rows


# ---- long series and many series -------------------------------------------------------------------------


FEATURES = [f"f{i}" for i in range(1, 8)]  # with the target f0: 8 inputs, as the floor's


def long_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(rows, dtype=np.float32)[:, None]
    periods = np.array([24, 168, 50, 500, 7, 1000, 12, 365], dtype=np.float32)
    data = (np.sin(2 * np.pi * t / periods) + rng.normal(0, 0.1, (rows, 8))).astype(np.float32)
    return pd.DataFrame(data, columns=[f"f{i}" for i in range(8)])


def long_floor(frame: pd.DataFrame, batch: int, steps: int, lookback: int = 128) -> tuple[float, float]:
    """The bare loop over `steps` batches gathered beforehand on the GPU: (seconds, peak GPU MB)."""
    torch.manual_seed(0)
    series = torch.tensor(frame.to_numpy(), device=DEVICE)
    starts = torch.randint(len(series) - lookback, (steps, batch), device=DEVICE)
    arange = torch.arange(lookback, device=DEVICE)
    batches = [(series[s[:, None] + arange], series[s + lookback, 0:1]) for s in starts]
    lstm, head = torch.nn.LSTM(8, 64, 2, batch_first=True).to(DEVICE), torch.nn.Linear(64, 1).to(DEVICE)
    opt = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=1e-3)
    reset_peak()

    def loop():
        for x, y in batches:
            out, _ = lstm(x)
            loss = torch.nn.functional.mse_loss(head(out[:, -1]), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    return timed(loop), peak_mb()


def long_lstmkit(frame: pd.DataFrame, batch: int, steps: int, precision: str) -> tuple[float, float]:
    """One epoch of `steps` batches (no validation, so the work equals the floor's): (train seconds, peak GPU MB)."""
    from lstmkit import Forecaster

    model = Forecaster(
        lookback=128, horizon=1, num_layers=2, batch_size=batch, steps_per_epoch=steps, max_epochs=1, patience=None,
        val_size=0,
        device=DEVICE.type, precision=precision, verbose=0,
    )
    reset_peak()
    model.fit(frame, target="f0", features=FEATURES)
    return model.history_[0]["seconds"], peak_mb()


def long_series(rows: int, repeats: int, steps: int = 200) -> list[str]:
    frame = long_frame(rows)
    out = ["| batch | floor (bare loop, GPU) | lstmkit fp32 | ratio | lstmkit bf16 | ratio | peak GPU memory floor / fp32 / bf16 |",
           "|---|---|---|---|---|---|---|"]
    for batch in (256, 2048):
        long_floor(frame, batch, 5), long_lstmkit(frame, batch, 5, "fp32"), long_lstmkit(frame, batch, 5, "bf16")
        runs = {"floor": [], "fp32": [], "bf16": []}
        for _ in range(repeats):
            runs["floor"].append(long_floor(frame, batch, steps))
            runs["fp32"].append(long_lstmkit(frame, batch, steps, "fp32"))
            runs["bf16"].append(long_lstmkit(frame, batch, steps, "bf16"))
        f, a, b = (statistics.median(s for s, _ in runs[k]) for k in ("floor", "fp32", "bf16"))
        mf, ma, mb = (max(m for _, m in runs[k]) for k in ("floor", "fp32", "bf16"))
        out.append(f"| {batch} | {f:.3f} s | {a:.3f} s | {a / f:.2f} | {b:.3f} s | {b / f:.2f} | {mf:.0f} / {ma:.0f} / {mb:.0f} MB |")
        print(out[-1], flush=True)
    return out


def panel_frame(series: int, length: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(length)
    level = rng.uniform(10, 1000, series)[:, None]
    period = rng.choice([7, 12, 24, 52], series)[:, None]
    values = level * (1 + 0.2 * np.sin(2 * np.pi * t / period)) + rng.normal(0, 0.05, (series, length)) * level
    ids = pd.Categorical(np.repeat([f"s{i:05d}" for i in range(series)], length))
    return pd.DataFrame({"series": ids, "value": values.ravel().astype("float32")})


def many_series(series: int, length: int, steps: int = 200) -> list[str]:
    from lstmkit import Forecaster

    frame = panel_frame(series, length)
    out = ["| batch | precision | s / epoch (200 steps + validation) | fit wall (3 epochs, preparation included) | predict all series (CPU) |",
           "|---|---|---|---|---|"]
    for batch, precision in ((256, "fp32"), (256, "bf16"), (2048, "fp32"), (2048, "bf16")):
        model = Forecaster(
            lookback=48, horizon=12, batch_size=batch, steps_per_epoch=steps, max_epochs=3, patience=None,
            device=DEVICE.type, precision=precision, verbose=0,
        )
        wall = timed(lambda m=model: m.fit(frame, target="value", id_col="series"))
        epoch = statistics.median(r["seconds"] for r in model.history_[1:])
        began = time.perf_counter()
        forecast = model.predict(frame)
        predict = time.perf_counter() - began
        n = forecast["series"].nunique()
        out.append(f"| {batch} | {precision} | {epoch:.2f} s | {wall:.1f} s | {n:,} series in {predict:.2f} s |")
        print(out[-1], flush=True)
    return out


# ---- checks ------------------------------------------------------------------------------------------------


def checks(rows: int = 200_000, steps: int = 100) -> list[str]:
    from torch.profiler import ProfilerActivity, profile

    from lstmkit import Forecaster

    lines = []
    frame = long_frame(rows)
    model = Forecaster(
        lookback=96, horizon=24, batch_size=256, steps_per_epoch=steps, max_epochs=2, patience=None,
        device=DEVICE.type, verbose=0,
    )
    model.fit(frame.head(20_000), target="f0", features=FEATURES)  # warm-up
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        model.fit(frame, target="f0", features=FEATURES)
    events = prof.key_averages()
    count = {e.key: e.count for e in events}
    h2d = sum(c for k, c in count.items() if "HtoD" in k or "Host to Device" in k)
    total = len(model.history_) * steps
    cudnn = count.get("aten::_cudnn_rnn", 0)
    kernels = [k for k in count if "RNN" in k or "cudnn" in k.lower() or "LSTM" in k]
    lines.append(
        f"- Host-to-device copies over a whole `fit` (2 epochs x {steps} steps + validation + the buffer upload): "
        f"**{h2d}** for {total} training steps; `aten::_cudnn_rnn` called {cudnn} times; cuDNN/RNN kernels seen: "
        f"{', '.join(sorted(kernels)[:4]) or 'none'}."
    )
    lstm = torch.nn.LSTM(8, 64, 2, batch_first=True).to(DEVICE)
    x = torch.randn(32, 96, 8, device=DEVICE)
    with torch.autocast(DEVICE.type, dtype=torch.bfloat16):
        out, _ = lstm(x)
    lines.append(
        f"- Under bf16 autocast `nn.LSTM` returns {out.dtype} (cuDNN's autocast rule; weights stay "
        f"{lstm.weight_ih_l0.dtype}), so lstmkit scales the loss with a GradScaler on CUDA."
    )
    inputs = torch.randn(64, 96, model.n_features_in_)
    with torch.inference_mode():
        on_cpu = model.net_(inputs)  # fit leaves the network on the CPU
        on_gpu = model.net_.to(DEVICE)(inputs.to(DEVICE)).cpu()
    model.net_.cpu()
    rel = float((on_cpu - on_gpu).norm() / on_cpu.norm())
    lines.append(f"- A GPU-trained model's forecasts, CPU vs GPU on the same 64 windows: relative difference {rel:.1e}.")
    print("\n".join(lines), flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the script works")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cuda", help="cpu: try the script without a GPU (with --quick)")
    args = parser.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    if DEVICE.type == "cpu":
        print(f"trying the script on the CPU: {'ok' if args.quick else 'use --quick'}")
        args.quick = True
    elif not torch.cuda.is_available():
        sys.exit("bench/gpu.py needs a CUDA GPU (torch.cuda.is_available() is False here).")
    name = torch.cuda.get_device_name() if DEVICE.type == "cuda" else "CPU"
    print(f"{name}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}", flush=True)
    check = checks(*((30_000, 5) if args.quick else (200_000, 100)))
    repeats = 1 if args.quick else args.repeats
    proto = protocol(repeats, ["airline"] if args.quick else ["airline", "co2", "taylor"])
    long = long_series(*((200_000, 1, 5) if args.quick else (2_000_000, repeats)))
    many = many_series(*((500, 300, 5) if args.quick else (10_000, 1_000)))
    if args.quick:
        return
    body = "\n".join([
        f"Device: **{name}**, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, `--device cuda`. "
        f"Median of {repeats} runs per figure; every time is taken with the GPU synchronised.",
        "", *check, "",
        "Protocol datasets (the configuration of bench/fit_overhead.py: lookback L, horizon 1, LSTM 64 x 2, batch 32, "
        "Adam 1e-3, fixed epochs, no validation), whole `Forecaster.fit` against the bare loop over batches already on "
        "the GPU:", "", *proto, "",
        "Long series, 2,000,000 x 8, lookback 128, 200 steps, no validation; lstmkit's training seconds from its "
        "history (the epoch), the floor's loop over batches gathered beforehand; peak GPU memory is "
        "`torch.cuda.max_memory_allocated`:", "", *long, "",
        "Many series, 10,000 x 1,000 (`--id-col`, lookback 48, horizon 12, 200 steps an epoch, default validation); "
        "per-epoch figures are medians over epochs 2-3; `predict` runs on the CPU, where `fit` leaves the model:", "",
        *many, "",
        "Reproduce on a CUDA machine: `python bench/gpu.py`.",
    ])
    update_section(f"GPU ({name})", body)


if __name__ == "__main__":
    main()
