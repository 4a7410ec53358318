"""A text area that underlines what the checker found, in the finding's level colour.

Textual's TextArea draws highlights from a per-line map that syntax highlighting fills; without a
language that map is empty, so this widget fills it with the findings' spans instead. Spans are
code-point offsets into the text (the checker's contract); the map wants UTF-8 byte columns.
"""

from __future__ import annotations

from dataclasses import replace

from rich.style import Style
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

THEME = "smtool-findings"
STYLES = {
    "finding.error": Style(underline=True, color="red"),
    "finding.warning": Style(underline=True, color="yellow"),
    "finding.suggestion": Style(underline=True, color="cyan"),
}


class CheckedTextArea(TextArea):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False)
        self.spans: list[tuple[int, int, str]] = []  # (start, end, level)

    def on_mount(self) -> None:
        base = TextAreaTheme.get_builtin_theme("css")
        assert base is not None
        self.register_theme(replace(base, name=THEME, syntax_styles={**base.syntax_styles, **STYLES}))
        self.theme = THEME

    def underline(self, spans: list[tuple[int, int, str]]) -> None:
        """Underline these spans of the current text (the spans of a text since edited are dropped
        at the next check)."""
        self.spans = spans
        self._build_highlight_map()
        self.refresh()

    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        self._highlights.clear()
        spans = getattr(self, "spans", None)  # the base class builds a map before __init__ ends
        if not spans:
            return
        newline = len(self.document.newline)
        starts, offset = [], 0
        for line in self.document.lines:
            starts.append(offset)
            offset += len(line) + newline
        for start, end, level in spans:
            if end <= start:
                continue
            for row, line in enumerate(self.document.lines):
                first, last = max(start - starts[row], 0), min(end - starts[row], len(line))
                if first < last:
                    columns = (len(line[:first].encode()), len(line[:last].encode()))
                    self._highlights[row].append((*columns, f"finding.{level}"))
