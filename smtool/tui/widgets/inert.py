"""Untrusted text as Rich Text objects: never parsed as markup, control and bidi characters made visible."""

from __future__ import annotations

from rich.text import Text

from smtool.domain.text import collapse_spaces
from smtool.services.text import strip_unsafe


def inert_text(value: str | None, style: str = "") -> Text:
    """Text that shows `value` literally: `Text(...)` never parses markup; strip_unsafe defuses the rest."""
    return Text(strip_unsafe(value or ""), style=style)


def one_line(value: str | None, width: int) -> Text:
    """The first `width` cells of `value` on one line (newlines and runs of spaces folded), inert."""
    folded = collapse_spaces(strip_unsafe(value or ""))
    shown = folded if len(folded) <= width else folded[: width - 1] + "…"
    return Text(shown)
