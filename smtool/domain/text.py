"""Whitespace in text that is compared, hashed or shown on one line.

One definition for the checker, the services and the interfaces, so that two places never disagree
about whether two texts differ only in spacing.
"""

from __future__ import annotations


def collapse_spaces(text: str) -> str:
    """`text` with each run of whitespace made one space, and none at either end.

    Whitespace is what `str.split()` splits on (`str.isspace()`, the same set as `\\s` in `re`):
    space, tab, newline, carriage return, vertical tab, form feed, no-break space U+00A0, narrow
    no-break space U+202F, the other Unicode spaces (U+1680, U+2000..U+200A, U+205F, U+3000), line
    and paragraph separators U+2028/U+2029, NEL U+0085 and the ASCII separators U+001C..U+001F.
    Zero-width characters (U+200B zero width space, U+200C/U+200D joiners, U+2060 word joiner,
    U+FEFF) are not whitespace and are kept: some scripts and emoji need the joiners, and a text
    hiding one must neither compare equal to the text without it nor lose it before the inert
    display shows it as <U+...>.
    """
    return " ".join(text.split())
