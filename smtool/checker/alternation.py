"""A matcher's words and patterns tried in order at each position, as one `re` alternation `A|B|C` is.

A matcher's word lists are compiled by the checker's own code into one `re` expression per language
(escaped words, `\\s+` between them, `\\w*` after a stem: a fixed, reviewed shape that cannot
backtrack badly), and `re` runs those fastest. Its policy patterns run on RE2 (smtool.checker.linear).
An `Alternation` puts them back together: at each position the first alternative that matches wins,
and a scan goes on after each match, exactly as `finditer` over the joined expression did.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from smtool.checker.linear import LinearPattern, Span


class Found:
    """One match, read as an `re.Match` is (`span()`, `group()`, `lastgroup`)."""

    __slots__ = ("_end", "_start", "_text", "lastgroup")

    def __init__(self, text: str, span: Span, lastgroup: str) -> None:
        self._text = text
        self._start, self._end = span
        self.lastgroup = lastgroup

    def span(self) -> Span:
        return self._start, self._end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self) -> str:
        return self._text[self._start : self._end]


class Scanner(Protocol):
    """What the prefilter needs of a matcher's expression: an anchored match at a position."""

    def match(self, text: str, pos: int) -> Found | None: ...


class _Words:
    """The word-list alternative (an `re` expression the checker generated)."""

    __slots__ = ("regex",)

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex

    def match(self, text: str, pos: int) -> Span | None:
        m = self.regex.match(text, pos)
        return None if m is None else m.span()

    def search(self, text: str, pos: int) -> Span | None:
        m = self.regex.search(text, pos)
        return None if m is None else m.span()


Alternative = _Words | LinearPattern


def words(regex: re.Pattern[str]) -> Alternative:
    return _Words(regex)


class Alternation:
    """Alternatives, each with the name of its group (the language: "L_lv"), tried in order."""

    def __init__(self, alternatives: Sequence[tuple[str, Alternative]]) -> None:
        self.alternatives = tuple(alternatives)

    def match(self, text: str, pos: int) -> Found | None:
        for group, alternative in self.alternatives:
            span = alternative.match(text, pos)
            if span is not None:
                return Found(text, span, group)
        return None

    def finditer(self, text: str) -> Iterator[Found]:
        """The matches of the alternation, left to right, none overlapping: at the leftmost start any
        alternative matches, the first of those that match there."""
        upcoming: list[Span | None] = [a.search(text, 0) for _, a in self.alternatives]
        pos = 0
        while True:
            best: int | None = None
            for k, (_, alternative) in enumerate(self.alternatives):
                span = upcoming[k]
                if span is not None and span[0] < pos:  # passed over by a match: look again from here
                    span = upcoming[k] = alternative.search(text, pos)
                if span is not None and (best is None or span[0] < upcoming[best][0]):  # type: ignore[index]
                    best = k
            if best is None:
                return
            span = upcoming[best]
            assert span is not None
            yield Found(text, span, self.alternatives[best][0])
            pos = span[1]
