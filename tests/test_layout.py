"""The architecture, checked: imports point down (import-linter's contracts in pyproject.toml), modules stay
small enough to read at a sitting, and the two tasks live in their own packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "lstmkit"


def test_imports_point_down():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    run = subprocess.run([lint, "--no-cache"], cwd=PACKAGE.parents[1], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_modules_are_small_enough_to_read():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert max(sizes.values()) <= 420, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]


def test_the_two_tasks_and_the_cli_are_packages():
    for package in ("forecasting", "sequences", "cli"):
        assert (PACKAGE / package / "__init__.py").exists()
    flat = {p.stem for p in PACKAGE.glob("*.py")}
    assert not flat & {"forecaster", "classifier", "arrays", "backtest", "windows"}  # no task code in the core
