"""Small terminal charts drawn with block characters: one labelled bar per line."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: float, largest: float, width: int) -> str:
    """A horizontal bar `width` cells long at `largest`, in eighths of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = round(value / largest * width * 8)
    full, part = divmod(max(eighths, 1), 8)
    return "█" * full + (BLOCKS[part] if part else "")


def bar_chart(
    rows: Sequence[tuple[str, float, str]], *, width: int = 30, label_width: int = 14, style: str = "cyan"
) -> Text:
    """`rows` of (label, value, shown value) as labelled bars scaled to the largest value."""
    largest = max((value for _, value, _ in rows), default=0.0)
    chart = Text()
    for n, (label, value, shown) in enumerate(rows):
        if n:
            chart.append("\n")
        name = label if len(label) <= label_width else label[: label_width - 1] + "…"
        chart.append(f"{name:<{label_width}} ", style="dim")
        chart.append(f"{bar(value, largest, width):<{width}}", style=style)
        chart.append(f" {shown}")
    return chart
