"""Keep bench/RESULTS.md as named sections that each benchmark script rewrites on its own."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

RESULTS = Path(os.environ.get("LSTMKIT_BENCH_RESULTS", Path(__file__).with_name("RESULTS.md")))
HEADER = "# lstmkit benchmark results\n\nEvery figure below was written by the script named in its section.\n"


def update_section(title: str, body: str) -> None:
    """Replace (or append) the section '## title' with ``body``, stamped with date and machine."""
    import torch

    stamp = (
        f"_{dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}_"
    )
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    section = f"## {title}\n\n{stamp}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(RESULTS)
