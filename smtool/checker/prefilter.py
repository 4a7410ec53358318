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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Protocol

from smtool.checker.alternation import Matched, Scanner
from smtool.checker.linear import LinearPattern, Span
from smtool.checker.text import Words, fold, lazy

_WORD_START = re.compile(r"\w+")


class Searcher(Protocol):
    """A pattern searched for where nothing cheaper says where it could match (RE2 for a policy's)."""

    def search(self, text: str, pos: int) -> Span | None: ...


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
    patterns: tuple[PatternFacts, ...]

    @lazy
    def unconditional(self) -> bool:
        """True when some pattern needs no known literal: it may match in any text. (Searching the
        runs of such patterns here, "\\d{5}", saved nothing: the one run in most posts, "\\d{2}", was
        then searched twice.)"""
        return any(not facts.needs for facts in self.patterns)

    @lazy
    def literals(self) -> tuple[str, ...]:
        """Folded strings, one of which is in the text wherever some pattern can match (no patterns:
        none). `_candidates` skips each pattern none of whose own literals is there. A literal holding
        another is left out, since the shorter is there whenever it is; the shortest, likeliest to be
        there, come first."""
        needs = {n for facts in self.patterns for n in facts.needs or ()}
        kept = [n for n in needs if not any(o != n and o in n for o in needs)]
        return tuple(sorted(kept, key=lambda n: (len(n), n)))

    def matches(self, regex: Scanner, text: str, words: Words) -> list[Matched]:
        """The matches `regex.finditer(text)` would give (`words` are those of `text`)."""
        fixed, searched = self._candidates(words, text)
        if not fixed and not searched:
            return []
        found: list[Matched] = []
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
                return found
            m = regex.match(text, start)
            if m is None:
                pos = start + 1
                continue
            found.append(m)
            pos = m.end()

    def _candidates(self, words: Words, text: str) -> tuple[list[int], list[Searcher]]:
        """Sorted positions where a match may start, and the patterns to search for (no cheaper way)."""
        fixed: list[int] = []
        for key in self.words & words.all:
            fixed.extend(words.starts(key))
        for length, stems in self.stems.items():
            for key in stems & words.beginnings(length):
                fixed.extend(words.starts(key, length))
        for c in self.chars:
            at = words.folded.find(c)
            while at >= 0:
                fixed.append(at)
                at = words.folded.find(c, at + 1)
        searched: list[Searcher] = []
        folded = words.folded
        for facts in self.patterns:
            if facts.needs is not None and not _holds_any(folded, facts.needs_in_order):
                continue  # cannot match anywhere in this text
            if facts.shape == "word" and facts.needs is not None:
                for word in facts.needs & words.all:
                    fixed.extend(words.starts(word))
            elif facts.shape == "in-word":
                fixed.extend(words.containing(facts.needed))
            elif facts.run is None or facts.run.search(text):
                searched.append(facts.pattern)
        return sorted(set(fixed)), searched


def _holds_any(folded: str, literals: tuple[str, ...]) -> bool:
    """Whether any of `literals` is in `folded`. Substring searches in C, stopping at the first found:
    `needed`'s one expression of them all tries each at every position, which cost more on a post
    than these few searches (see Gate.admits)."""
    for literal in literals:  # noqa: SIM110 - a loop costs less than any() over a generator
        if literal in folded:
            return True
    return False


def _search(pattern: Searcher, text: str, pos: int) -> int:
    span = pattern.search(text, pos)
    return _NOWHERE if span is None else span[0]


def build_prefilter(tokens: Sequence[str], patterns: Sequence[LinearPattern], flags: int) -> Prefilter | None:
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
    compiled: list[PatternFacts] = []
    for pattern in patterns:
        facts = pattern_facts(pattern.pattern, flags, pattern)
        if facts is None:
            return None
        compiled.append(facts)
    return Prefilter(
        frozenset(words), {k: frozenset(v) for k, v in stems.items()}, frozenset(chars), tuple(compiled)
    )


# --- what a pattern cannot match without ---------------------------------------------------------------

_MAX_STRINGS = 64  # literal alternatives multiply ("[Ee]s" is "es"); beyond this, stop combining


@dataclass(frozen=True)
class PatternFacts:
    """A pattern on its own, with `needs` (folded strings one of which is in every match; None when
    none is known) and its `shape`: "word" when every match is a whole word among `needs`
    ('(?<!\\w)[Ee]s(?!\\w)'), "in-word" when every match starts at a word's start and stays inside
    that word ('(?<!\\w)\\w{2,}āj(?:u|os)(?!\\w)'): then only the words holding `needs` are
    candidates; "any" otherwise, and the pattern is searched for."""

    pattern: Searcher
    needs: frozenset[str] | None
    shape: str
    run: re.Pattern[str] | None = None  # a repeated class every match holds, such as \d{6}

    @lazy
    def needs_in_order(self) -> tuple[str, ...]:
        """`needs`, shortest (likeliest to be in a text) first; a literal holding another is left out,
        since the shorter is there whenever it is."""
        needs = self.needs or frozenset()
        kept = [n for n in needs if not any(o != n and o in n for o in needs)]
        return tuple(sorted(kept, key=lambda n: (len(n), n)))

    @lazy
    def needed(self) -> re.Pattern[str] | None:
        """Finds any of `needs` in a folded text in one scan."""
        if self.needs is None:
            return None
        return re.compile("|".join(re.escape(n) for n in sorted(self.needs, key=len, reverse=True)))


def pattern_facts(pattern: str, flags: int, searcher: Searcher) -> PatternFacts | None:
    """The facts of one pattern, or None when it can match the empty string (finditer then behaves
    differently after an empty match, so the matcher keeps scanning)."""
    tree = sre_parse.parse(pattern, flags)
    if tree.getwidth()[0] == 0:
        return None
    items = list(tree)
    run = _longest_run(items, bool(tree.state.flags & re.IGNORECASE))
    return PatternFacts(searcher, _needs(items), _shape(items), run)


def _needs(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Folded strings, one of which every match of this sequence contains; None if none is known."""
    options: list[frozenset[str]] = []
    run: set[str] = {""}  # what the text matched by the latest exact items can be
    for op, av in items:
        exact = _exact(op, av)
        if exact is not None and len(run) * len(exact) <= _MAX_STRINGS:
            run = {a + b for a in run for b in exact}
            continue
        options.append(frozenset(run))
        run = {""}
        if exact is not None:
            run = set(exact)
        else:
            options.append(_item_needs(op, av) or frozenset({""}))
    options.append(frozenset(run))
    useful = [o for o in options if "" not in o]
    # The most selective: the longest shortest string, then the fewest strings.
    return max(useful, key=lambda o: (min(map(len, o)), -len(o)), default=None)


def _exact(op: Any, av: Any) -> set[str] | None:
    """The folded strings this item can match, when they are few and certain; zero-width items ""."""
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT):
        return {""}
    if op is sre_c.LITERAL or (op is sre_c.IN and all(o is sre_c.LITERAL for o, _ in av)):
        return {fold(chr(c)) for c in ([av] if op is sre_c.LITERAL else [c for _, c in av])}
    if op is sre_c.SUBPATTERN:
        return _exact_sequence(list(av[-1]))
    if op is sre_c.BRANCH:
        found = [_exact_sequence(list(alt)) for alt in av[1]]
        return None if any(f is None for f in found) else {s for f in found if f for s in f}
    return None


def _exact_sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    run: set[str] = {""}
    for op, av in items:
        exact = _exact(op, av)
        if exact is None or len(run) * len(exact) > _MAX_STRINGS:
            return None
        run = {a + b for a in run for b in exact}
    return run


def _item_needs(op: Any, av: Any) -> frozenset[str] | None:
    if op is sre_c.SUBPATTERN:
        return _needs(list(av[-1]))
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return _needs(list(av))
    if op in _REPEATS and av[0] >= 1:
        return _needs(list(av[2]))
    if op is sre_c.BRANCH:
        found = [_needs(list(alt)) for alt in av[1]]
        if any(a is None for a in found):
            return None
        return frozenset(s for a in found if a is not None for s in a)
    return None  # classes, lookarounds: nothing certain to be in the match itself


# --- patterns that match inside one word ----------------------------------------------------------------

_WORD_CHAR = re.compile(r"\w")
_ZERO_WIDTH = (sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT)
_WORD_CLASS = [(sre_c.IN, [(sre_c.CATEGORY, sre_c.CATEGORY_WORD)])]  # \\w


def _shape(items: list[tuple[Any, Any]]) -> str:
    """ "word", "in-word" or "any" (see PatternFacts)."""
    items = _flatten(items)
    if len(items) < 2 or not _is_word_bound(items[0], -1):
        return "any"
    if not all(_word_only(op, av) for op, av in items[1:]):
        return "any"
    consuming = [k for k, (op, _) in enumerate(items) if op not in _ZERO_WIDTH]
    ends_word = any(_is_word_bound(item, 1) for item in items[consuming[-1] + 1 :]) if consuming else False
    if ends_word and _exact_sequence(items) is not None:
        return "word"
    return "in-word"


def _flatten(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The sequence with top-level groups opened up: "(?-i:(?<!\\w)NA(?!\\w))(?=...)" is a sequence of
    five items. (A group's flags only change case, which folding already covers.)"""
    out: list[tuple[Any, Any]] = []
    for op, av in items:
        if op is sre_c.SUBPATTERN:
            out.extend(_flatten(list(av[-1])))
        else:
            out.append((op, av))
    return out


def _is_word_bound(item: tuple[Any, Any], direction: int) -> bool:
    """(?<!\\w) for direction -1, (?!\\w) for 1."""
    op, av = item
    return op is sre_c.ASSERT_NOT and av[0] == direction and list(av[1]) == _WORD_CLASS


def _word_only(op: Any, av: Any) -> bool:
    """True when the item consumes word characters only (zero-width items consume none)."""
    if op in _ZERO_WIDTH:
        return True
    if op is sre_c.LITERAL:
        return _WORD_CHAR.match(chr(av)) is not None
    if op is sre_c.IN:
        return all(_word_class_member(o, a) for o, a in av)
    inner = _inner_sequences(op, av)
    return inner is not None and all(_word_only(o, a) for seq in inner for o, a in seq)


def _inner_sequences(op: Any, av: Any) -> list[list[tuple[Any, Any]]] | None:
    """The sequences inside a repeat, group or alternation; None for other items."""
    if op in _REPEATS:
        return [list(av[2])]
    if op is sre_c.SUBPATTERN:
        return [list(av[-1])]
    if op is sre_c.BRANCH:
        return [list(alt) for alt in av[1]]
    return None


def _word_class_member(op: Any, av: Any) -> bool:
    if op is sre_c.CATEGORY:
        return av in (sre_c.CATEGORY_WORD, sre_c.CATEGORY_DIGIT)
    if op is sre_c.LITERAL:
        return _WORD_CHAR.match(chr(av)) is not None
    if op is sre_c.RANGE:
        low, high = av
        return high - low < 5000 and all(_WORD_CHAR.match(chr(c)) for c in range(low, high + 1))
    return False  # NEGATE and anything else


# --- a repeated character class every match holds -------------------------------------------------------

_CATEGORY_SOURCE = {
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
}


def _longest_run(items: list[tuple[Any, Any]], ignorecase: bool) -> re.Pattern[str] | None:
    """For a top-level repeat of one character class at least twice ("\\d{6}", "[A-Z]{4,30}"), that
    class repeated its minimum number of times, with the case rule in force there. Patterns without
    literals (personal codes, capitals) are searched only in texts that hold such a run; the run's
    own search is fast, having no look-behind to check at every position."""
    found = _run(items, ignorecase)
    if found is None:
        return None
    times, source, case = found
    return re.compile(f"{source}{{{times}}}", re.IGNORECASE if case else 0)


def _run(items: list[tuple[Any, Any]], ignorecase: bool) -> tuple[int, str, bool] | None:
    """(minimum repeats, class, ignore case) of the longest such run; None when there is none."""
    best: tuple[int, str, bool] | None = None
    for op, av in items:
        found: tuple[int, str, bool] | None = None
        if op is sre_c.SUBPATTERN:
            _group, add, remove, body = av
            case = (ignorecase or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            found = _run(list(body), case)
        elif op in _REPEATS and av[0] >= 2 and len(av[2]) == 1 and av[2][0][0] is sre_c.IN:
            source = _class_source(av[2][0][1])
            found = None if source is None else (av[0], source, ignorecase)
        if found is not None and (best is None or found[0] > best[0]):
            best = found
    return best


def _class_source(members: list[tuple[Any, Any]]) -> str | None:
    """The class written back as a regular expression; None for anything unusual."""
    parts: list[str] = []
    for op, av in members:
        if op is sre_c.NEGATE and not parts:
            parts.append("^")
        elif op is sre_c.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is sre_c.RANGE:
            parts.append(re.escape(chr(av[0])) + "-" + re.escape(chr(av[1])))
        elif op is sre_c.CATEGORY and av in _CATEGORY_SOURCE:
            parts.append(_CATEGORY_SOURCE[av])
        else:
            return None
    return "[" + "".join(parts) + "]"
