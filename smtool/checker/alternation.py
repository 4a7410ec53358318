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

from smtool.checker.linear import LinearPattern, PatternGroup, Span


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
    """Alternatives, each with the name of its group (the language: "L_lv"), tried in order. Word lists
    next to each other are one `re` expression, as they were before RE2, and patterns next to each
    other one RE2 program (PatternGroup): one call for each at a position."""

    def __init__(self, alternatives: Sequence[tuple[str, Alternative]]) -> None:
        runs: list[tuple[list[str], list[Alternative]]] = []
        for group, alternative in alternatives:
            if runs and isinstance(alternative, Words) is isinstance(runs[-1][1][0], Words):
                runs[-1][0].append(group)
                runs[-1][1].append(alternative)
            else:
                runs.append(([group], [alternative]))
        self.alternatives = tuple(alternatives)
        self._runs: tuple[tuple[tuple[str, ...], Words | PatternGroup], ...] = tuple(
            (tuple(groups), _joined(items)) for groups, items in runs
        )
        only = self._runs[0][1] if len(self._runs) == 1 else None
        self._words = only.regex if isinstance(only, Words) else None
        # What the prefilter calls at each candidate: for word lists only, the `re` expression itself,
        # without a call of match() around each of its calls.
        self.scanner: Scanner = self if self._words is None else self._words

    def match(self, text: str, pos: int) -> Matched | None:
        if self._words is not None:  # word lists only, most matchers: one `re` call, as before
            return self._words.match(text, pos)
        for groups, run in self._runs:
            if isinstance(run, Words):
                m = run.regex.match(text, pos)
                if m is not None:
                    return m
            else:
                found = run.match(text, pos)
                if found is not None:
                    return Found(text, found[0], groups[found[1]])
        return None

    def finditer(self, text: str) -> Iterator[Matched]:
        """The matches of the alternation, left to right, none overlapping: at the leftmost start any
        alternative matches, the first of those that match there."""
        if self._words is not None:
            yield from self._words.finditer(text)
            return
        upcoming = [_search(run, text, 0) for _, run in self._runs]
        pos = 0
        while True:
            best: int | None = None
            for k, (_, run) in enumerate(self._runs):
                found = upcoming[k]
                if found is not None and found[0][0] < pos:  # passed over by a match: look again from here
                    found = upcoming[k] = _search(run, text, pos)
                if found is not None and (best is None or found[0][0] < upcoming[best][0][0]):  # type: ignore[index]
                    best = k
            if best is None:
                return
            found = upcoming[best]
            assert found is not None
            (start, end), which = found
            groups, run = self._runs[best]
            if isinstance(run, Words):  # which language's list: the expression's own group
                m = run.regex.match(text, start)
                assert m is not None
                yield m
            else:
                yield Found(text, (start, end), groups[which])
            pos = end


def _joined(items: list[Alternative]) -> Words | PatternGroup:
    if isinstance(items[0], Words):
        words_only = [i for i in items if isinstance(i, Words)]
        body = "|".join(w.regex.pattern for w in words_only)
        return Words(re.compile(body, words_only[0].regex.flags))
    return PatternGroup([i for i in items if isinstance(i, LinearPattern)])


def _search(run: Words | PatternGroup, text: str, pos: int) -> tuple[Span, int] | None:
    if isinstance(run, Words):
        span = run.search(text, pos)
        return None if span is None else (span, 0)
    return run.search(text, pos)
