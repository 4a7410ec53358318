"""Counting words for people: "1 post", "2 posts", never "post(s)" or "1 posts"; in English and
Latvian, whose plural rule differs (21 ieraksts, 11 ierakstu).

One place for the rule, used by the CLI, the TUI and the checker's messages (a rule pack writes
`{count:link|links}`; see `PluralFormatter`).
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from functools import cache
from typing import Any

from smtool.i18n import format_decimal, ngettext

__all__ = ["PluralFormatter", "clause", "counted", "forms", "is_singular", "noun"]


@cache
def _plural_rule(lang: str) -> Any:
    from babel import Locale

    return Locale.parse(lang).plural_form


def is_singular(n: int, lang: str = "en") -> bool:
    """Whether `n` takes the singular form in `lang`, by CLDR's plural rule (Babel's locale data):
    English only 1; Latvian 1, 21, 101 but not 11 or 111."""
    return bool(_plural_rule(lang)(n) == "one")


def noun(n: int, one: str, other: str) -> str:
    """The form a word takes after the number `n` in the reader's language (the catalog's plural
    forms, three in Latvian): noun(2, "column", "columns") is "columns"; a verb too
    (noun(n, "blocks", "block"))."""
    return ngettext(one, other, n)


def counted(n: int, one: str, other: str) -> str:
    """`n` and the noun in the form it takes, in the reader's language: counted(1, "post", "posts")
    is "1 post", in Latvian "1 ieraksts"; 21 is "21 ieraksts", 11 "11 ierakstu"."""
    return f"{format_decimal(n, 0)} {noun(n, one, other)}"


def forms(one: str, other: str) -> tuple[str, str]:
    """Marks a noun's two English forms for extraction where they sit in a table; `counted(n,
    *forms(...))` translates them where they are shown."""
    return one, other


def clause(text: str) -> str:
    """`text` without its closing full stop, to be followed by "; ..." or ": ...": a message
    quoted from elsewhere (a platform, an exception) must not read "failed.; nothing changed"."""
    return text.rstrip().removesuffix(".").rstrip()


def _number(value: object) -> float | None:
    """The number a message value stands for (rules pass figures already formatted, "12")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


class PluralFormatter(string.Formatter):
    """str.format with one addition: `{count:link|links}` is the count and the noun in the form
    the number takes in the formatter's language ("1 link", "3 links"; Latvian: "21 saite").

    Any other format spec behaves as in str.format.
    """

    def __init__(self, lang: str = "en") -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" not in format_spec:
            return str(super().format_field(value, format_spec))
        number = _number(value)
        if number is None:
            return str(value)  # a value the rule did not supply: no noun to agree with
        one, other = format_spec.split("|", 1)
        whole = int(number) == number
        shown = value if isinstance(value, str) else (int(number) if whole else number)
        return f"{shown} {one if whole and is_singular(int(number), self.lang) else other}"

    def fill(self, template: str, values: Mapping[str, Any]) -> str:
        """`template` filled from `values` (a mapping that may supply missing keys itself)."""
        if "|" not in template:
            # No plural field: str.format_map is the same fill, in C (the checker formats every
            # finding's message on every keystroke, and string.Formatter runs in Python).
            return template.format_map(values)
        return self.vformat(template, (), values)
