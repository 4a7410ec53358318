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


class Matched(Protocol):
    """A match as the matcher reads it: an `re.Match` of the word lists, or a `Found`."""

    @property
    def lastgroup(self) -> str | None: ...
    def span(self) -> tuple[int, int]: ...
    def end(self) -> int: ...
    def group(self) -> str: ...


class Scanner(Protocol):
    """What the prefilter needs of a matcher's expression: an anchored match at a position."""

    def match(self, text: str, pos: int) -> Matched | None: ...


class Words:
    """Word lists of one or more languages in one `re` expression the checker generated, each in a
    group named after its language ("L_lv"), so one call tries them all, in order."""

    __slots__ = ("regex",)

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex

    def search(self, text: str, pos: int) -> Span | None:
        m = self.regex.search(text, pos)
        return None if m is None else m.span()


def words(groups: Sequence[tuple[str, str]], flags: int) -> Words:
    """The word-list expressions (group name, expression) as one `Words`."""
    return Words(re.compile("|".join(f"(?P<{g}>{body})" for g, body in groups), flags))


Alternative = Words | LinearPattern


class Alternation:
    """Alternatives, each with the name of its group (the language: "L_lv"), tried in order; word
    lists next to each other are joined into one `re` expression, as they were before RE2."""

    def __init__(self, alternatives: Sequence[tuple[str, Alternative]]) -> None:
        joined: list[tuple[str, Alternative]] = []
        for group, alternative in alternatives:
            last = joined[-1][1] if joined else None
            if isinstance(alternative, Words) and isinstance(last, Words):
                body = f"{last.regex.pattern}|{alternative.regex.pattern}"
                joined[-1] = ("", Words(re.compile(body, last.regex.flags)))
            else:
                joined.append((group, alternative))
        self.alternatives = tuple(joined)
        only = self.alternatives[0][1] if len(self.alternatives) == 1 else None
        self._words = only.regex if isinstance(only, Words) else None

    def match(self, text: str, pos: int) -> Matched | None:
        if self._words is not None:  # word lists only, most matchers: one `re` call, as before
            return self._words.match(text, pos)
        for group, alternative in self.alternatives:
            if isinstance(alternative, Words):
                m = alternative.regex.match(text, pos)
                if m is not None:
                    return m
            else:
                span = alternative.match(text, pos)
                if span is not None:
                    return Found(text, span, group)
        return None

    def finditer(self, text: str) -> Iterator[Matched]:
        """The matches of the alternation, left to right, none overlapping: at the leftmost start any
        alternative matches, the first of those that match there."""
        if self._words is not None:
            yield from self._words.finditer(text)
            return
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
            group, alternative = self.alternatives[best]
            if isinstance(alternative, Words):  # which language's list: the expression's own group
                m = alternative.regex.match(text, span[0])
                assert m is not None
                yield m
            else:
                yield Found(text, span, group)
            pos = span[1]
