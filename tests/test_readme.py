"""Every shell block of the README runs as written, in a fresh folder without ../shared (as a user's), so the
README cannot drift from the code. Training runs one epoch of a small network (the only change made to the
commands); the first block (the setup CI itself runs) and blocks marked ``<!-- readme-test: skip ... -->`` are
left out."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAST = " --max-epochs 1 --hidden-size 8"


def shell_blocks() -> list[tuple[int, str]]:
    text = (ROOT / "README.md").read_text()
    blocks = []
    for match in re.finditer(r"(<!-- readme-test: skip[^>]*-->\n)?```bash\n(.*?)```", text, re.S):
        if not match.group(1):
            blocks.append((text[: match.start()].count("\n") + 1, match.group(2)))
    return blocks[1:]  # the first: the setup and test commands, what CI runs


def fast(block: str) -> str:
    """Join continued lines; make every training run one epoch of a small network."""
    lines = block.replace("\\\n", " ").splitlines()
    return "\n".join(line.split("  #")[0] + FAST if " lstmkit train " in f" {line}" else line for line in lines)


@pytest.mark.slow
def test_every_shell_block_runs_as_written(tmp_path):
    if not (ROOT / ".venv" / "bin" / "activate").exists():
        pytest.skip("the README's commands use .venv (bash scripts/setup.sh)")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env |= {"COLUMNS": "100", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    blocks = shell_blocks()
    assert len(blocks) >= 6
    for line, block in blocks:  # one folder for all: later blocks use what earlier ones wrote, as a reader would
        script = "set -euo pipefail\nsource .venv/bin/activate\n" + fast(block)
        run = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, f"README block at line {line} failed:\n{block}\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    assert (tmp_path / "airline-model" / "config.json").exists() and (tmp_path / "report.html").exists()
