"""Citizens' text: kept exactly, shown inert.

Citizens' comments, names and platform error texts are kept byte-for-byte in the store. On screen they
must be inert: no Rich/Textual markup, no terminal escape sequences, no bidi overrides that reorder
what a press officer reads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

# Only a type here: the CLI imports this module for every command, and the tables pull in SQLAlchemy.
if TYPE_CHECKING:
    from typing import Any

    from sqlalchemy import Row

    from smtool.store.tables import InboxItem

# C0/C1 controls except tab and newline, DEL, the bidi embedding/override/isolate controls, and the
# zero-width characters that only hide things (a space, a word joiner, invisible operators, a BOM:
# "admin\u200b" looks like "admin"), and the line and paragraph separators, which some terminals and
# viewers break lines at while others show nothing. The zero-width joiner and non-joiner stay: emoji
# sequences and some scripts need them.
_UNSAFE_CHARS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u2060-\u2064\ufeff"
    "\u2028\u2029"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
# In JSON the same characters, and lone surrogates (undecodable bytes of a command line), which no
# UTF-8 output can carry.
_JSON_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}\ud800-\udfff]")
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _visible(char: str) -> str:
    if char == "\x1b":
        return "␛"
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀, ␁, ...
    return f"<U+{code:04X}>"


def strip_unsafe(text: str) -> str:
    """Replace control, escape and bidi characters with visible stand-ins; keep everything else."""
    text = _ESCAPE_SEQUENCE.sub(lambda m: "␛" + m.group(0)[1:], text)
    return _UNSAFE.sub(lambda m: _visible(m.group(0)), text)


def json_inert(dumped: str) -> str:
    """JSON text (from json.dumps) with every unsafe character written as a \\uXXXX escape: the same
    data for whoever parses it, nothing a terminal acts on or hides for whoever reads it. Valid
    because outside strings JSON text holds only ASCII punctuation, digits, letters and whitespace."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)


def inert(text: str) -> str:
    """Text safe to print through Rich markup: unsafe characters made visible, markup escaped."""
    from rich.markup import escape

    return escape(strip_unsafe(text))


# PostgreSQL text cannot hold NUL, so on both databases an item whose text, name or handle contains
# NUL is stored with backslash and NUL escaped and `escaped` set; these give back the exact text.
def escape_nul(value: str) -> str:
    """Reversible escape for text with NUL: backslash -> two backslashes, NUL -> backslash 0."""
    return value.replace("\\", "\\\\").replace("\x00", "\\0")


def unescape_nul(value: str) -> str:
    """Undo `escape_nul`."""
    out: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            out.append("\x00" if following == "0" else following)
        else:
            out.append(ch)
    return "".join(out)


def item_text(item: InboxItem | Row[Any]) -> str:
    """The exact text the platform sent."""
    return unescape_nul(item.text) if item.escaped else item.text


def item_field(item: InboxItem | Row[Any], value: str | None) -> str | None:
    """One of the item's stored strings (author name, handle) exactly as the platform sent it."""
    return unescape_nul(value) if value is not None and item.escaped else value
