"""What result objects share: score tables that print whole, and their HTML for notebooks.

``ScoreTable`` is a DataFrame whose text form is ``to_string()``: ``print(evaluation.table())`` shows every
row and every column (MAPE and sMAPE included) at any terminal width, never ``...`` or ``[6 rows x 6 columns]``.
"""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["ScoreTable", "html_table", "html_section"]


class ScoreTable(pd.DataFrame):
    """A DataFrame that prints in full (``to_string``), with 4 significant digits."""

    @property
    def _constructor(self):
        return ScoreTable

    def __repr__(self) -> str:
        return self.to_string(float_format=lambda v: f"{v:.4g}")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return html_table(self)


def html_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A compact HTML table: one header row (index names folded in), numbers to ``digits`` significant digits."""
    flat = frame.reset_index() if any(n is not None for n in frame.index.names) else frame
    flat = flat.copy()
    flat.columns = [" ".join(map(str, c)).strip() if isinstance(c, tuple) else str(c) for c in flat.columns]
    return flat.to_html(index=False, border=0, na_rep="-", float_format=lambda v: f"{v:.{digits}g}")


def html_section(title: str, *parts: str) -> str:
    return f"<div><b>{html.escape(title)}</b>{''.join(parts)}</div>"
