"""DataTable columns: fixed widths, and the last column taking what is left of the line."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable


def set_columns(table: DataTable[object], fixed: Sequence[tuple[str, int]], last: str) -> int:
    """Replace the table's columns; returns the last column's width. DataTable does not redraw rows
    already drawn when an auto-width column grows, so every width is set here, up front."""
    table.clear(columns=True)
    for label, width in fixed:
        table.add_column(label, key=label, width=width)
    # Each column has one cell of padding on either side; keep one more for the scrollbar.
    rest = max(20, table.scrollable_content_region.width - sum(w + 2 for _, w in fixed) - 3)
    table.add_column(last, key=last, width=rest)
    return rest
