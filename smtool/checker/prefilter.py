"""Where a matcher's regular expression could start matching, found without trying every position.

A matcher compiles all its words and patterns into one case-insensitive expression; scanning a post
with it tries every alternative at every position, which is most of the checker's time. Yet a word
from a word list can only match where a text word, case-folded, equals it (or starts with it, for a
stem such as "ministrij*"), and most patterns need some literal text ("āj", "@", "%"). A `Prefilter`
keeps those facts from load time; `matches` then runs the matcher's own expression only at the
positions they allow, in order, continuing after each match as `finditer` does. Every position where
the expression could match is among them, so the matches are exactly those of a full scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from smtool.checker.text import Words, fold

_WORD_START = re.compile(r"\w+")
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)}
_NOWHERE = 1 << 62  # beyond any text
# Stems are looked up by at most their first few characters: a handful of lengths to index per text
# instead of one per stem length; the matcher's expression then checks the rest.
_STEM_KEY = 4


@dataclass(frozen=True)
class Prefilter:
    """What a matcher's expression needs in order to match at a position.

    `words`: folded words a word-list match can start with; `stems`: by length, folded beginnings
    of words ("ministrij*" as "mini"); `chars`: folded first characters of listed phrases that start
    with a non-word character ("#safety"); `patterns`: each pattern with literals one of which any
    match contains (None when nothing is known: the pattern is always searched).
    """

    words: frozenset[str]
    stems: Mapping[int, frozenset[str]]
    chars: frozenset[str]
    patterns: tuple[tuple[re.Pattern[str], frozenset[str] | None], ...]

    def matches(self, regex: re.Pattern[str], text: str, words: Words) -> Iterator[re.Match[str]]:
        """The matches `regex.finditer(text)` would give (`words` are those of `text`)."""
        fixed = self._word_starts(words)
        searched = [p for p, needs in self.patterns if needs is None or _any_in(needs, words.folded)]
        if not fixed and not searched:
            return
        upcoming = [_search(p, text, 0) for p in searched]
        pos = 0
        i = 0
        while True:
            while i < len(fixed) and fixed[i] < pos:
                i += 1
            for k, at in enumerate(upcoming):
                if at < pos:  # that search result was passed over; look again from here
                    upcoming[k] = _search(searched[k], text, pos)
            start = min(fixed[i] if i < len(fixed) else _NOWHERE, *upcoming, _NOWHERE)
            if start == _NOWHERE:
                return
            m = regex.match(text, start)
            if m is None:
                pos = start + 1
                continue
            yield m
            pos = m.end()

    def _word_starts(self, words: Words) -> list[int]:
        starts: list[int] = []
        for key in self.words & words.all:
            starts.extend(words.starts(key))
        for length, stems in self.stems.items():
            for key in stems & words.beginnings(length):
                starts.extend(words.starts(key, length))
        for c in self.chars:
            at = words.folded.find(c)
            while at >= 0:
                starts.append(at)
                at = words.folded.find(c, at + 1)
        return sorted(set(starts))


def _any_in(needles: frozenset[str], haystack: str) -> bool:
    return any(n in haystack for n in needles)


def _search(pattern: re.Pattern[str], text: str, pos: int) -> int:
    m = pattern.search(text, pos)
    return _NOWHERE if m is None else m.start()


def build_prefilter(tokens: Sequence[str], patterns: Sequence[str], flags: int) -> Prefilter | None:
    """The prefilter of a matcher with these tokens and patterns (all languages), or None when the
    expression cannot be narrowed safely (a pattern that can match the empty string, a character
    whose folded forms differ in being a word character)."""
    words: set[str] = set()
    stems: dict[int, set[str]] = {}
    chars: set[str] = set()
    for token in tokens:
        if "\u0345" in token:
            return None
        stem = token.endswith("*")
        parts = (token[:-1] if stem else token).split()
        lead = _WORD_START.match(parts[0])
        if lead is None:
            chars.add(fold(parts[0][0]))
        elif stem and len(parts) == 1 and lead.end() == len(parts[0]):
            # A stem of word characters: any word starting with it.
            key = fold(lead.group())[:_STEM_KEY]
            stems.setdefault(len(key), set()).add(key)
        else:
            # Whole word, or the word before a space or a non-word character ("re-elect", "dati:").
            words.add(fold(lead.group()))
    compiled: list[tuple[re.Pattern[str], frozenset[str] | None]] = []
    for pattern in patterns:
        tree = sre_parse.parse(pattern, flags)
        if tree.getwidth()[0] == 0:
            return None
        compiled.append((re.compile(pattern, flags), _needs(list(tree))))
    return Prefilter(
        frozenset(words), {k: frozenset(v) for k, v in stems.items()}, frozenset(chars), tuple(compiled)
    )


# --- literals a pattern cannot match without ------------------------------------------------------------


def _needs(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Folded strings, one of which every match of this sequence contains; None if none is known."""
    options: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre_c.LITERAL:
            run += fold(chr(av))
            continue
        if run:
            options.append(frozenset({run}))
            run = ""
        found = _item_needs(op, av)
        if found:
            options.append(found)
    if run:
        options.append(frozenset({run}))
    # The most selective: the longest shortest string, then the fewest strings.
    return max(options, key=lambda o: (min(map(len, o)), -len(o)), default=None)


def _item_needs(op: Any, av: Any) -> frozenset[str] | None:
    if op is sre_c.SUBPATTERN:
        return _needs(list(av[-1]))
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return _needs(list(av))
    if op in _REPEATS and av[0] >= 1:
        return _needs(list(av[2]))
    if op is sre_c.BRANCH:
        return _branch_needs(av[1])
    if op is sre_c.IN and all(o is sre_c.LITERAL for o, _ in av):
        return frozenset(fold(chr(c)) for _, c in av)
    return None  # lookarounds, classes, anchors: nothing certain to be in the match itself


def _branch_needs(alternatives: list[Any]) -> frozenset[str] | None:
    """Any match contains one of the strings of the alternative it took."""
    found = [_needs(list(alt)) for alt in alternatives]
    if any(a is None for a in found):
        return None
    return frozenset(s for a in found if a is not None for s in a)
