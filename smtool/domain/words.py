"""Counting words for people: "1 post", "2 posts", never "post(s)" or "1 posts"; in English and
Latvian, whose plural rule differs (21 ieraksts, 11 ierakstu).

One place for the rule, used by the CLI, the TUI and the checker's messages (a rule pack writes
`{count:link|links}`; see `PluralFormatter`).
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from typing import Any

__all__ = ["PluralFormatter", "clause", "counted", "is_singular", "noun"]


def is_singular(n: int, lang: str = "en") -> bool:
    """Whether `n` takes the singular form in `lang`: English only for 1; Latvian for numbers
    ending in 1 except those ending in 11 (CLDR's rule: 1, 21, 101 but not 11, 111)."""
    if lang == "lv":
        return n % 10 == 1 and n % 100 != 11
    return n == 1


def noun(n: int, one: str, other: str | None = None, lang: str = "en") -> str:
    """The form a word takes after the number `n`: noun(1, "column") is "column", noun(2, "column")
    "columns"; `other` where the plural is not `one` + "s" (a verb: noun(n, "blocks", "block"))."""
    return one if is_singular(n, lang) else (other or one + "s")


def counted(n: int, one: str, other: str | None = None, lang: str = "en") -> str:
    """`n` and the noun in the form it takes: counted(1, "post") is "1 post", counted(3, "post")
    "3 posts"; give `other` where the plural is not `one` + "s" (counted(2, "reply", "replies"))."""
    return f"{n} {noun(n, one, other, lang)}"


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
        return self.vformat(template, (), values)
