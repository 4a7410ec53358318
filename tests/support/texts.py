"""Citizens' text that would do harm if a display interpreted it: markup, escape sequences, bidi
overrides, zero-width characters, NUL, long emoji sequences. Stored exactly, always shown inert."""

from __future__ import annotations

# One line of markup, escapes and a bidi override: what the TUI and CLI lists must show literally.
HOSTILE_LINE = "[bold]loud[/bold] [link=https://evil.example]click[/link] \x1b[31mred\x1b[0m \u202etxet"

# Each a separate comment: markup, escape sequences, bidi and zero-width, NUL, emoji sequences.
BAD_INPUT = [
    "[bold]Svarīgi[/bold] [link=https://evil.example]klikšķini[/link]",
    "\x1b[31mred\x1b[0m \x1b]8;;https://x.example\x07link\x1b]8;;\x07 \x1b[2J",
    "abc\u202edcba\u2066x\u2069 zero\u200bwidth\u200d",
    "NUL here:\x00 and a backslash \\0 too",
    "👩‍👩‍👧‍👦 🇱🇻 👍🏽 " * 10,
]
