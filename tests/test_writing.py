"""Nothing lost: outputs are written atomically, an interrupted swap is recovered, writers are serialised,
what lstmkit did not write is never deleted, and a failed write is one line (issue 13)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lstmkit
from conftest import seasonal_frame
from lstmkit import ConfigError, Forecaster
from lstmkit.checkpoints import checkpoint_path
from lstmkit.cli import app
from lstmkit.exceptions import WriteError

runner = CliRunner()
FAST = ["--hidden-size", "8", "--max-epochs", "2", "-q"]


@pytest.fixture
def csv(tmp_path) -> Path:
    seasonal_frame(72).to_csv(tmp_path / "data.csv", index=False)
    return tmp_path / "data.csv"


def train_args(csv: Path, out: Path | str) -> list[str]:
    return ["train", str(csv), "--target", "y", "--time-col", "timestamp", "--test-size", "12", *FAST, "--out", str(out)]


def one_line_exit_2(result, text: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1, result.output
    assert text in " ".join(result.output.split()), result.output


@contextlib.contextmanager
def mounted(path: Path, options: str):
    """A small tmpfs at ``path`` (root on Linux only; the test is skipped elsewhere)."""
    path.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root on Linux)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_a_full_disk_is_one_line_and_leaves_nothing(csv, tmp_path):
    with mounted(tmp_path / "small", "size=12k") as small:
        result = runner.invoke(app, train_args(csv, small / "model"))
        one_line_exit_2(result, "no space left on the device")  # the checkpoint (its first write) or the model
        assert f"cannot write '{small}/" in result.output
        assert [p.name for p in small.iterdir()] == []


def test_a_read_only_folder_is_one_line(csv, tmp_path):
    runner.invoke(app, train_args(csv, tmp_path / "m"))
    with mounted(tmp_path / "ro", "ro,size=64k") as ro:
        for command in (["predict", str(tmp_path / "m"), str(csv), "--out", str(ro / "f.csv")],
                        ["evaluate", str(tmp_path / "m"), str(csv), "--plot", str(ro / "f.png")],
                        ["report", str(tmp_path / "m"), str(csv), "--out", str(ro / "r.html"), "--folds", "0"]):
            one_line_exit_2(runner.invoke(app, command), "Read-only file system")


@pytest.mark.parametrize("out", [".", "/", ""])
def test_an_out_without_a_name_is_refused(csv, out):
    one_line_exit_2(runner.invoke(app, train_args(csv, out)), "names no file or folder of its own")


def test_predict_out_an_existing_folder_is_refused(csv, tmp_path):
    runner.invoke(app, train_args(csv, tmp_path / "m"))
    (tmp_path / "folder").mkdir()
    result = runner.invoke(app, ["predict", str(tmp_path / "m"), str(csv), "--out", str(tmp_path / "folder")])
    one_line_exit_2(result, "is a folder; give a file path")


def test_a_users_folder_where_the_checkpoint_goes_is_never_deleted(csv, tmp_path):
    mine = checkpoint_path(tmp_path / "m")
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    one_line_exit_2(runner.invoke(app, train_args(csv, tmp_path / "m")), "was not written by lstmkit")
    assert (mine / "notes.txt").read_text() == "mine" and not (tmp_path / "m").exists()


def test_a_users_file_in_the_model_folder_is_never_deleted(csv, tmp_path):
    assert runner.invoke(app, train_args(csv, tmp_path / "m")).exit_code == 0
    (tmp_path / "m" / "notes.txt").write_text("mine")
    result = runner.invoke(app, train_args(csv, tmp_path / "m"))
    one_line_exit_2(result, "also holds files lstmkit did not write (notes.txt)")
    assert (tmp_path / "m" / "notes.txt").read_text() == "mine"


def test_a_crash_between_the_renames_is_recovered(monkeypatch, tmp_path, fast):
    data = seasonal_frame(72)
    model = Forecaster(**fast).fit(data, target="y", time_col="timestamp", test_size=12)
    model.save(tmp_path / "m")
    before = model.predict(data)
    real, calls = os.replace, []

    def crash_on_the_last_rename(src, dst):
        calls.append(dst)
        if Path(dst) == tmp_path / "m" and Path(src).name.startswith(".m.ready-"):
            raise KeyboardInterrupt  # the process dies between moving the old folder aside and the new into place
        return real(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_the_last_rename)
    with pytest.raises(KeyboardInterrupt):
        model.save(tmp_path / "m")
    monkeypatch.setattr(os, "replace", real)
    # the handler put the old folder back; a hard kill would not have: simulate it by moving it aside again
    shutil.move(tmp_path / "m", tmp_path / f".m.old-{os.getpid()}")
    assert not (tmp_path / "m").exists()
    with pytest.warns(UserWarning, match="restored the folder an interrupted save had moved aside"):
        again = lstmkit.load(tmp_path / "m")
    pd.testing.assert_frame_equal(again.predict(data), before)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".m.")) == []


def test_a_complete_new_folder_wins_over_the_old_one(tmp_path, fast):
    data = seasonal_frame(72)
    Forecaster(**fast).fit(data, target="y", time_col="timestamp", test_size=12).save(tmp_path / "m")
    newer = Forecaster(**fast | {"random_state": 1}).fit(data, target="y", time_col="timestamp", test_size=12)
    newer.save(tmp_path / "new")
    shutil.move(tmp_path / "m", tmp_path / ".m.old-1")
    shutil.move(tmp_path / "new", tmp_path / ".m.ready-1")  # killed after step 3: the new one is complete
    with pytest.warns(UserWarning, match="completed an interrupted save"):
        again = lstmkit.load(tmp_path / "m")
    pd.testing.assert_frame_equal(again.predict(data), newer.predict(data))
    assert not (tmp_path / ".m.old-1").exists()


def _save_many(folder: str, seed: int) -> None:
    import torch

    torch.set_num_threads(1)
    model = Forecaster(hidden_size=4, max_epochs=1, verbose=0, device="cpu", random_state=seed)
    model.fit(seasonal_frame(60), target="y", time_col="timestamp")
    for _ in range(8):
        model.save(folder)


def test_two_processes_saving_one_folder_take_turns(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_save_many, args=(str(tmp_path / "m"), seed)) for seed in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]
    assert isinstance(lstmkit.load(tmp_path / "m"), Forecaster)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_resume_refuses_another_run_and_a_damaged_checkpoint(tmp_path, fast):
    data = seasonal_frame(72)
    fit = dict(target="y", time_col="timestamp", test_size=12, checkpoint_dir=tmp_path / "ckpt")
    Forecaster(**fast).fit(data, **fit)
    with pytest.raises(ConfigError, match="written with network hidden_size = 16, this run has 8"):
        Forecaster(**fast | {"hidden_size": 8}).fit(data, **fit, resume=True)
    with pytest.raises(ConfigError, match="written for other training data|written with network anchors"):
        Forecaster(**fast).fit(seasonal_frame(72, seed=5), **fit, resume=True)  # other data: other anchors, too
    Forecaster(**fast | {"max_epochs": 4}).fit(data, **fit, resume=True)  # a longer budget is the same run
    loop = tmp_path / "ckpt" / "loop.json"
    loop.write_text(loop.read_text()[:50])
    with pytest.raises(ConfigError, match="checkpoint in .* is damaged.*without --resume"):
        Forecaster(**fast).fit(data, **fit, resume=True)
    shutil.rmtree(tmp_path / "ckpt")
    with pytest.warns(UserWarning, match="no checkpoint at .*starts at epoch 1"):
        Forecaster(**fast).fit(data, **fit, resume=True)


def test_an_interrupted_checkpoint_write_is_resumed_from(monkeypatch, tmp_path, fast):
    data = seasonal_frame(72)
    fit = dict(target="y", time_col="timestamp", test_size=12, checkpoint_dir=tmp_path / "ckpt")
    full = Forecaster(**fast | {"max_epochs": 4, "patience": None}).fit(data, target="y", time_col="timestamp", test_size=12)
    Forecaster(**fast | {"max_epochs": 2, "patience": None}).fit(data, **fit)
    shutil.move(tmp_path / "ckpt", tmp_path / ".ckpt.old-7")  # killed mid-swap after epoch 2
    with pytest.warns(UserWarning, match="restored"):
        resumed = Forecaster(**fast | {"max_epochs": 4, "patience": None}).fit(data, **fit, resume=True)
    assert [r["epoch"] for r in resumed.history_] == [1, 2, 3, 4]
    for a, b in zip(full.net_.parameters(), resumed.net_.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_a_failed_write_names_the_path(monkeypatch, tmp_path):
    from lstmkit.files import write_atomic

    def full(tmp: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(WriteError, match=r"cannot write '.*f.csv': no space left on the device"):
        write_atomic(tmp_path / "f.csv", full)
    assert list(tmp_path.iterdir()) == []
