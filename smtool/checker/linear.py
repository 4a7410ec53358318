"""Policy authors' regular expressions, run in linear time by RE2 with the meaning Python's `re` gives them.

A policy pack is data that people edit, and the checker runs on every keystroke. Python's `re`
backtracks, so a pattern such as `(?:\\w{1,50}\\s?){1,50}[.?!]{3}` can take seconds on a short text,
and no list of refused shapes catches every such pattern. RE2 (google-re2) runs every pattern it
accepts in time linear in the text, so each pattern a policy author writes is translated for RE2 here,
and one that cannot be translated is refused with the reason.

The translation keeps `re`'s meaning, which is what the packs were written and tested against:

- Characters. `re` reads `\\w`, `\\d`, `\\s` as Unicode classes (Latvian ā, č, ē, ģ, ī, ķ, ļ, ņ, š, ū, ž
  are word characters) where RE2's are ASCII, and `re`'s case-insensitive matching has its own rules.
  Each character test of a pattern (a literal, a class, `.`) is therefore computed here as the set of
  code points `re` accepts, and the code points are divided into the few groups no test of the pack
  tells apart (an alphabet of at most 256, as RE2 itself does with bytes). A text is read as one byte
  per character (its group), and RE2 runs in its Latin-1 mode over those bytes, with each test a class
  of groups: every test stays a single small class however many code points it holds, so bounded
  repeats of `\\w` stay small programs, and byte offsets are character offsets.
- Look-around. RE2 has none. A look-around is accepted at the edges of a pattern only, where it is a
  condition on the text around the match: `(?<!\\w)`, `(?<=[.!?]\\s)`, `^`, `\\b` before the first
  character; `(?!\\w)`, `(?=\\s\\d)`, `$`, `\\b` after the last. A one-character look-behind before the
  match, and a positive or a lone one-character negative look-ahead after it, are written into the
  RE2 expression as context that is matched but not reported, so RE2 itself picks the match `re`
  would. The others are checked on the text around a candidate; when one fails, the search goes on
  from the next position, so matches next to each other are not lost (`re` would first try shorter
  matches at the same start, which gives the same result whenever the match's end is fixed, as at a
  word's end; tests/checker/test_linear.py compares every shipped pattern with `re`).
- Refused: a look-around in the middle of a pattern (rewrite it into the pattern's structure:
  `\\w+(?<!t)āj` is `\\w*[^\\Wt]āj`), backreferences, possessive repeats, atomic groups, and a pattern
  that can match the empty text (the checker skips empty matches, so such a pattern could only hide
  the alternatives after it).
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import array
import codecs
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from re import _casefix  # type: ignore[attr-defined]
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import re2

from smtool.checker import unicode_tables

MAX_PATTERN_LENGTH = 4000
_TOP = 0x10FFFF
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT}
_ZERO_WIDTH = (sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT)
_CASE = re.IGNORECASE
_MIDDLE = (
    "a look-around or anchor in the middle of a pattern cannot run in linear time; only the pattern's "
    "edges may have them ((?<!\\w) before the match, (?!\\w) after it): rewrite it into the pattern's "
    "structure or split the pattern"
)


class UnsafePattern(ValueError):
    """The pattern is refused; the message says why and what to write instead."""


def _options() -> Any:
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # type: ignore[attr-defined]  # one byte per character: its group
    options.log_errors = False
    return options


_OPTIONS = _options()
_FIND_OPTIONS = _options()
_FIND_OPTIONS.never_capture = True

# --- sets of code points, as `re` reads a character test ------------------------------------------------

Ranges = tuple[tuple[int, int], ...]
"""Sorted, disjoint, inclusive code point ranges."""


def computed_tables() -> tuple[dict[str, Ranges], dict[int, int]]:
    """What `re` itself gives for `\\w`, `\\d`, `\\s` and for lower case, over every code point
    (about 0.3 s): smtool/checker/unicode_tables.py holds them written out (regenerated with
    `python -m smtool.checker.unicode_tables`), and the tests compare the two, so that a Python with
    another Unicode version is noticed."""
    everything = array.array("I", range(_TOP + 1)).tobytes().decode("utf-32-le", "surrogatepass")
    classes = {
        name: tuple((m.start(), m.end() - 1) for m in re.finditer(f"\\{name}+", everything)) for name in "wds"
    }
    lowered = map(_sre.unicode_tolower, range(_TOP + 1))
    return classes, {c: low for c, low in enumerate(lowered) if c != low}


@cache
def _category(name: str) -> Ranges:
    """The code points `re` matches with `\\w`, `\\d` or `\\s` in a str pattern."""
    return unicode_tables.classes()[name]


@cache
def _lower_table() -> dict[int, int]:
    """Code point -> its lower case as `re` folds it, for the code points it changes."""
    return unicode_tables.lower()


def _normal(ranges: Sequence[tuple[int, int]]) -> Ranges:
    out: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if out and low <= out[-1][1] + 1:
            if high > out[-1][1]:
                out[-1] = (out[-1][0], high)
        else:
            out.append((low, high))
    return tuple(out)


def _complement(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    at = 0
    for low, high in ranges:
        if low > at:
            out.append((at, low - 1))
        at = high + 1
    if at <= _TOP:
        out.append((at, _TOP))
    return tuple(out)


def _contains(ranges: Ranges, c: int) -> bool:
    k = bisect_right(ranges, (c, _TOP + 1)) - 1
    return k >= 0 and ranges[k][0] <= c <= ranges[k][1]


@cache
def _upper_sets() -> dict[int, tuple[int, ...]]:
    """Lower case -> the other code points `re` lowers to it."""
    inverse: dict[int, list[int]] = {}
    for c, low in _lower_table().items():
        inverse.setdefault(low, []).append(c)
    return {low: tuple(cs) for low, cs in inverse.items()}


def _folded(lowered: Ranges) -> Ranges:
    """The code points whose lower case is in `lowered` (how `re` matches ignoring case)."""
    table = _lower_table()
    if sum(high - low + 1 for low, high in lowered) <= 64:  # a few letters: look each one up
        inverse = _upper_sets()
        points = [c for low, high in lowered for p in range(low, high + 1) for c in inverse.get(p, ())]
    else:
        points = [c for c, low in table.items() if _contains(lowered, low)]
    kept: list[tuple[int, int]] = []
    changed = _changed()
    for low, high in lowered:  # the members themselves, less those whose lower case is another
        start = low
        k = bisect_right(changed, low - 1)
        while k < len(changed) and changed[k] <= high:
            if changed[k] > start:
                kept.append((start, changed[k] - 1))
            start = changed[k] + 1
            k += 1
        if start <= high:
            kept.append((start, high))
    return _normal(kept + [(p, p) for p in points])


@cache
def _changed() -> list[int]:
    return sorted(_lower_table())


def _lowered(plain: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The members' lower cases, with the other lower cases `re` treats as the same (re._casefix)."""
    out = list(plain)  # a member whose lower case is another is dropped again by _folded
    out += [(low, low) for c, low in _lower_table().items() if any(lo <= c <= hi for lo, hi in plain)]
    merged = _normal(out)
    fixes = [k for c, ks in _casefix._EXTRA_CASES.items() if _contains(merged, c) for k in ks]
    return out + [(k, k) for k in fixes]


def _literal_set(c: int, flags: int) -> Ranges:
    return _literal(c, bool(flags & _CASE))


@cache
def _literal(c: int, ignorecase: bool) -> Ranges:
    if not ignorecase or not _sre.unicode_iscased(c):
        return ((c, c),)
    low = _sre.unicode_tolower(c)
    lowered = [(low, low)] + [(k, k) for k in _casefix._EXTRA_CASES.get(low, ())]
    return _folded(_normal(lowered))


def _class_set(members: Sequence[tuple[Any, Any]], flags: int) -> Ranges:
    return _class(tuple((op, av) for op, av in members), bool(flags & _CASE))


@cache
def _class(members: tuple[tuple[Any, Any], ...], ignorecase: bool) -> Ranges:
    negate = False
    plain: list[tuple[int, int]] = []  # literals and ranges
    categories: list[tuple[int, int]] = []
    for op, av in members:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            plain.append((av, av))
        elif op is sre_c.RANGE:
            plain.append(av)
        elif op is sre_c.CATEGORY and av in _CATEGORIES:
            name, negated = _CATEGORIES[av]
            found = _category(name)
            categories.extend(_complement(found) if negated else found)
        else:
            raise UnsafePattern(f"a character class member RE2 cannot run ({op})")
    cased = ignorecase and any(_sre.unicode_iscased(c) for lo, hi in plain for c in range(lo, hi + 1))
    # With a cased member `re` tests each character's lower case against the lowered members and classes.
    result = _folded(_normal(_lowered(plain) + categories)) if cased else _normal(plain + categories)
    return _complement(result) if negate else result


_CATEGORIES: dict[Any, tuple[str, bool]] = {
    sre_c.CATEGORY_WORD: ("w", False),
    sre_c.CATEGORY_NOT_WORD: ("w", True),
    sre_c.CATEGORY_DIGIT: ("d", False),
    sre_c.CATEGORY_NOT_DIGIT: ("d", True),
    sre_c.CATEGORY_SPACE: ("s", False),
    sre_c.CATEGORY_NOT_SPACE: ("s", True),
}


# --- the alphabet: groups of code points no test tells apart --------------------------------------------


class Alphabet:
    """Code points grouped by which character tests accept them; each group is one byte for RE2."""

    def __init__(self, tests: Sequence[Ranges]) -> None:
        tests = list(dict.fromkeys(tests))
        toggles: dict[int, int] = {}
        for k, ranges in enumerate(tests):
            for low, high in ranges:
                toggles[low] = toggles.get(low, 0) ^ (1 << k)
                toggles[high + 1] = toggles.get(high + 1, 0) ^ (1 << k)
        toggles.setdefault(0, 0)
        groups: dict[int, int] = {}
        pieces: list[str] = []
        members: list[list[int]] = [[] for _ in tests]
        signature = 0
        bounds = sorted(p for p in toggles if p <= _TOP)
        for i, at in enumerate(bounds):
            signature ^= toggles[at]
            group = groups.get(signature)
            if group is None:
                group = groups[signature] = len(groups)
                if group > 255:
                    raise UnsafePattern(
                        "the patterns tell apart more than 256 kinds of characters; use fewer "
                        "distinct letters and classes"
                    )
                for k in range(len(tests)):
                    if signature >> k & 1:
                        members[k].append(group)
            end = bounds[i + 1] if i + 1 < len(bounds) else _TOP + 1
            pieces.append(chr(group) * (end - at))
        self._table = self.table = "".join(pieces)
        """Code point -> its group, as a character (read directly on the hot paths)."""
        self._classes = {t: _byte_class(m) for t, m in zip(tests, members, strict=True)}
        self._members = {t: frozenset(m) for t, m in zip(tests, members, strict=True)}
        # The characters of most posts as a codec's map, each to its place in _COMMON, and those places
        # to their groups: both steps run in C (str.translate calls back into Python per character).
        self._common_groups = _COMMON.translate(self._table).encode("latin-1")

    def klass(self, test: Ranges) -> str:
        return self._classes[test]

    def groups(self, test: Ranges) -> frozenset[int]:
        """The bytes (groups) of the characters `test` accepts."""
        return self._members[test]

    def encode(self, text: str) -> bytes:
        """The text as RE2 reads it: one byte per character, its group."""
        try:
            places: bytes = codecs.charmap_encode(text, "strict", _COMMON_MAP)[0]
        except UnicodeEncodeError:  # a character beyond _COMMON (an emoji, a rare letter)
            return text.translate(self._table).encode("latin-1")
        return places.translate(self._common_groups)

    def group_of(self, char: str) -> int:
        """The byte (group) of one character."""
        return ord(self._table[ord(char)])


def _common_characters() -> str:
    """256 characters that make up most posts (a codec's map holds 256): ASCII, the Latvian letters,
    typographic punctuation, Cyrillic, and Latin-1's letters and signs for the rest."""
    wanted = (
        [chr(c) for c in range(128)]
        + list("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ")
        + list("\u00a0–—‐‑…„“”‘’«»•€°§×·№")
        + [chr(c) for c in range(0x430, 0x450)]
        + [chr(c) for c in range(0x410, 0x430)]
        + ["ё", "Ё"]
        + [chr(c) for c in range(0xA1, 0x100)]
    )
    return "".join(dict.fromkeys(wanted))[:256]


_COMMON = _common_characters()
_COMMON_MAP = codecs.charmap_build(_COMMON)


def _byte_class(groups: list[int]) -> str:
    if not groups:
        return "[^\\x00-\\xff]"
    return "[" + "".join(f"\\x{g:02x}" for g in groups) + "]"


_ENCODED: dict[tuple[int, int], tuple[Alphabet, str, bytes]] = {}


def _encoded(alphabet: Alphabet, text: str) -> bytes:
    # Every pattern of a pack reads the same few texts (the post, its masked copy): encode each once.
    # The entry holds the alphabet and the text themselves, so their ids cannot be reused meanwhile.
    key = (id(alphabet), id(text))
    found = _ENCODED.get(key)
    if found is not None and found[0] is alphabet and found[1] is text:
        return found[2]
    if len(_ENCODED) >= 16:
        _ENCODED.clear()
    data = alphabet.encode(text)
    _ENCODED[key] = (alphabet, text, data)
    return data


# --- translation into RE2 syntax with character tests as placeholders -----------------------------------


class _Template:
    """RE2 syntax where each character test is a placeholder, filled in once the alphabet is known."""

    def __init__(self) -> None:
        self.tests: list[Ranges] = []

    def test(self, ranges: Ranges) -> str:
        self.tests.append(ranges)
        return f"\x00{len(self.tests) - 1}\x00"

    def fill(self, text: str, alphabet: Alphabet) -> str:
        return re.sub("\x00(\\d+)\x00", lambda m: alphabet.klass(self.tests[int(m[1])]), text)


def _emit(t: _Template, items: Sequence[tuple[Any, Any]], flags: int) -> str:
    return "".join(_emit_item(t, op, av, flags) for op, av in items)


def _emit_item(t: _Template, op: Any, av: Any, flags: int) -> str:  # noqa: PLR0911 - one per kind
    if op is sre_c.LITERAL:
        return t.test(_literal_set(av, flags))
    if op is sre_c.NOT_LITERAL:
        return t.test(_complement(_literal_set(av, flags)))
    if op is sre_c.IN:
        return t.test(_class_set(av, flags))
    if op is sre_c.ANY:
        return t.test(((0, _TOP),) if flags & re.DOTALL else _complement(((10, 10),)))
    if op in _REPEATS:
        low, high, body = av
        top = "" if high == sre_c.MAXREPEAT else str(high)
        lazy = "?" if op is sre_c.MIN_REPEAT else ""
        return f"(?:{_emit(t, list(body), flags)}){{{low},{top}}}{lazy}"
    if op is sre_c.SUBPATTERN:
        _group, add, remove, body = av
        return f"(?:{_emit(t, list(body), (flags | add) & ~remove)})"
    if op is sre_c.BRANCH:
        return "(?:" + "|".join(_emit(t, list(alt), flags) for alt in av[1]) + ")"
    if op in _ZERO_WIDTH:
        raise UnsafePattern(_MIDDLE)
    if op is sre_c.GROUPREF or op is sre_c.GROUPREF_EXISTS:
        raise UnsafePattern("backreferences cannot run in linear time")
    raise UnsafePattern("possessive repeats and atomic groups cannot run with RE2; use a plain repeat")


def _flatten(items: Sequence[tuple[Any, Any]], flags: int) -> list[tuple[Any, Any, int]]:
    """The top-level sequence with groups opened up, each item with the flags in force on it: the
    edges of `(?-i:(?<!\\w)NA(?!\\w))` are then its first and last items."""
    out: list[tuple[Any, Any, int]] = []
    for op, av in items:
        if op is sre_c.SUBPATTERN:
            _group, add, remove, body = av
            out.extend(_flatten(list(body), (flags | add) & ~remove))
        else:
            out.append((op, av, flags))
    return out


def _zero_width(op: Any, av: Any) -> bool:
    """An assertion, or an alternation of single assertions (`(?:^|(?<=\\n)|(?<=[.!?]\\s))`)."""
    if op in _ZERO_WIDTH:
        return True
    return op is sre_c.BRANCH and all(len(alt) == 1 and _zero_width(*_only(alt)) for alt in av[1])


def _only(alternative: Any) -> tuple[Any, Any]:
    """The one item of a one-item alternative."""
    op, av = next(iter(alternative))
    return op, av


def _single(t: _Template, body: Sequence[tuple[Any, Any]], flags: int) -> tuple[Ranges, Ranges] | None:
    """For a look-around body of one character (`\\w`, `[\\w.]`, `t`): the set it tests and the rest."""
    flat = _flatten(body, flags)
    if len(flat) != 1:
        return None
    op, av, f = flat[0]
    if op is sre_c.LITERAL:
        found = _literal_set(av, f)
    elif op is sre_c.NOT_LITERAL:
        found = _complement(_literal_set(av, f))
    elif op is sre_c.IN:
        found = _class_set(av, f)
    else:
        return None
    return found, _complement(found)


def _existence(t: _Template, body: Sequence[tuple[Any, Any]], flags: int) -> str:
    """RE2 syntax matching where a look-ahead's body matches: only whether it matches counts, so its
    own trailing look-aheads become matched context too."""
    flat = _flatten(body, flags)
    end = len(flat)
    while end and _zero_width(flat[end - 1][0], flat[end - 1][1]):
        end -= 1
    core = "".join(_emit_item(t, op, av, f) for op, av, f in flat[:end])
    tail = ""
    for op, av, f in flat[end:]:
        consumed = _consumed_ahead(t, op, av, f)
        if consumed is None or tail:
            raise UnsafePattern(_MIDDLE)
        tail = consumed
    return core + tail


def _consumed_ahead(t: _Template, op: Any, av: Any, flags: int) -> str | None:
    """A look-ahead (or `$`) after the match as matched context; None when it cannot be one."""
    if op is sre_c.AT and av is sre_c.AT_END:
        return f"(?:{t.test(((10, 10),))}?\\z)"
    if op is sre_c.AT and av is sre_c.AT_END_STRING:
        return "\\z"
    if op not in (sre_c.ASSERT, sre_c.ASSERT_NOT) or av[0] != 1:
        return None
    if op is sre_c.ASSERT:
        return "(?:" + _existence(t, list(av[1]), flags) + ")"
    single = _single(t, list(av[1]), flags)
    return None if single is None else f"(?:{t.test(single[1])}|\\z)"


# --- conditions checked around a candidate --------------------------------------------------------------


@dataclass
class _Check:
    """A condition on the text at one position: a look-around, an anchor, or any of several."""

    kind: str  # "behind", "ahead", "at", "any"
    negate: bool = False
    source: str = ""  # behind: fullmatched on the `width` characters before; ahead: matched at
    width: int = 0
    at: Any = None
    options: tuple[_Check, ...] = ()
    regex: Any = None

    def compile(self, t: _Template, alphabet: Alphabet) -> None:
        if self.source:
            self.regex = _compile(t.fill(self.source, alphabet))
        for o in self.options:
            o.compile(t, alphabet)

    def holds(self, text: str, data: bytes, at: int) -> bool:
        if self.kind == "any":
            return any(o.holds(text, data, at) for o in self.options)
        if self.kind == "at":
            return _anchor(self.at, text, at)
        if self.kind == "behind":
            found = at >= self.width and self.regex.fullmatch(data, at - self.width, at)
        else:
            found = self.regex.matches(data, at)
        return found != self.negate


_WORD_CHAR = re.compile(r"\w")  # the checker's own: whether one character is a word character


def _anchor(code: Any, text: str, at: int) -> bool:
    if code is sre_c.AT_BEGINNING or code is sre_c.AT_BEGINNING_STRING:
        return at == 0
    if code is sre_c.AT_END:
        return at == len(text) or (at == len(text) - 1 and text[at] == "\n")
    if code is sre_c.AT_END_STRING:
        return at == len(text)
    boundary = bool(_WORD_CHAR.match(text[at - 1 : at])) != bool(_WORD_CHAR.match(text[at : at + 1]))
    return boundary if code is sre_c.AT_BOUNDARY else not boundary


_ANCHORS = (
    sre_c.AT_BEGINNING,
    sre_c.AT_BEGINNING_STRING,
    sre_c.AT_END,
    sre_c.AT_END_STRING,
    sre_c.AT_BOUNDARY,
    sre_c.AT_NON_BOUNDARY,
)


def _check(t: _Template, op: Any, av: Any, flags: int) -> _Check:
    if op is sre_c.AT:
        if av not in _ANCHORS:
            raise UnsafePattern(f"an anchor RE2 cannot run ({av})")
        return _Check("at", at=av)
    if op is sre_c.BRANCH:
        return _Check("any", options=tuple(_check(t, *_only(alt), flags) for alt in av[1]))
    direction, body = av
    negate = op is sre_c.ASSERT_NOT
    if direction == -1:
        width = sre_parse.SubPattern(sre_parse.State(), list(body)).getwidth()[0]
        return _Check("behind", negate, _emit(t, list(body), flags), width)
    return _Check("ahead", negate, _existence(t, list(body), flags))


# --- compiled patterns ---------------------------------------------------------------------------------


_ANCHOR: Any = re2._Anchor  # type: ignore[attr-defined]  # the binding names RE2::Anchor privately
_UNANCHORED, _ANCHORED, _BOTH = _ANCHOR.UNANCHORED, _ANCHOR.ANCHOR_START, _ANCHOR.ANCHOR_BOTH
_NO_MATCH = (-1, -1)


class _Program:
    """One RE2 program over encoded text, compiled twice: without groups, which RE2 runs with its DFA
    alone, to find where a match is; with them, run only over that match, to find where its parts are
    (run over the rest of the text, RE2's group matching cost about 10 us a call). It calls the
    binding's RE2 objects directly: the module's match() wraps each call in a generator and a match
    object, which cost more than a match on a post."""

    __slots__ = ("_find", "_lead", "_parts")

    def __init__(self, text: str, lead: int | None = None) -> None:
        # lead: for a program whose group 1 is the whole match less `lead` characters before it (0 or
        # 1) and nothing after, where the group is known without running the grouped program.
        self._lead = lead
        try:
            self._parts = _binding(text, _OPTIONS)
            self._find = _binding(text, _FIND_OPTIONS)
        except re2.error as e:
            detail = e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else str(e)
            if "repetition" in detail:
                raise UnsafePattern(
                    "a repeat count is too large (nested repeats multiply); keep the product under 1000"
                ) from None
            if "too large" in detail or "too big" in detail:
                raise UnsafePattern("the pattern is too large to run in linear time; simplify it") from None
            raise UnsafePattern(f"RE2 cannot run it: {detail}") from None

    def _spans(self, data: bytes, pos: int, anchored: bool) -> list[Span] | None:
        whole = self._find(_ANCHORED if anchored else _UNANCHORED, data, pos, len(data))[0]
        if whole == _NO_MATCH:
            return None
        spans: list[Span] = self._parts(_BOTH, data, whole[0], whole[1])
        return spans

    def _group(self, data: bytes, pos: int, anchored: bool) -> Span | None:
        if self._lead is None:
            spans = self._spans(data, pos, anchored)
            return None if spans is None else spans[1]
        whole = self._find(_ANCHORED if anchored else _UNANCHORED, data, pos, len(data))[0]
        return None if whole == _NO_MATCH else (whole[0] + self._lead, whole[1])

    def search(self, data: bytes, pos: int) -> Span | None:
        """The span of group 1 of the first match at or after `pos`."""
        return self._group(data, pos, anchored=False)

    def match(self, data: bytes, pos: int) -> Span | None:
        """The span of group 1 of the match starting at `pos`."""
        return self._group(data, pos, anchored=True)

    def which(self, data: bytes, pos: int, anchored: bool) -> tuple[Span, int] | None:
        """The match at or after `pos` (at `pos` when anchored): the span of the first group that took
        part, and its number counted from 0."""
        spans = self._spans(data, pos, anchored)
        if spans is None:
            return None
        for k in range(1, len(spans)):
            if spans[k] != _NO_MATCH:
                return spans[k], k - 1
        return None

    def matches(self, data: bytes, pos: int) -> bool:
        return self._find(_ANCHORED, data, pos, len(data))[0] != _NO_MATCH  # type: ignore[no-any-return]

    def fullmatch(self, data: bytes, start: int, end: int) -> bool:
        return self._find(_BOTH, data, start, end)[0] != _NO_MATCH  # type: ignore[no-any-return]


def _binding(text: str, options: Any) -> Any:
    return re2.compile(text.encode("latin-1"), options)._regexp.Match  # type: ignore[attr-defined]


def _compile(text: str, lead: int | None = None) -> _Program:
    return _Program(text, lead)


_ALL_BYTES = frozenset(range(256))


def _first_set(items: list[tuple[Any, Any, int]]) -> Ranges | None:
    """The characters a match can start with, when known: an anchored match is tried only where the
    text has one of them."""
    found: list[tuple[int, int]] = []
    for op, av, f in items:
        first = _first_of(op, av, f)
        if first is None:
            return None
        ranges, optional = first
        found.extend(ranges)
        if not optional:
            return _normal(found)
    return None  # everything optional: the pattern can match the empty text (refused before this)


def _first_of(op: Any, av: Any, flags: int) -> tuple[Ranges, bool] | None:  # noqa: PLR0911
    """(first characters, whether the item can match nothing) of one item; None when unknown."""
    if op is sre_c.LITERAL:
        return _literal_set(av, flags), False
    if op is sre_c.NOT_LITERAL:
        return _complement(_literal_set(av, flags)), False
    if op is sre_c.IN:
        return _class_set(av, flags), False
    if op is sre_c.ANY:
        return ((0, _TOP),), False
    if op in _REPEATS:
        inner = _first_set(_flatten(list(av[2]), flags))
        return None if inner is None else (inner, av[0] == 0)
    if op is sre_c.SUBPATTERN:
        _group, add, remove, body = av
        inner = _first_set(_flatten(list(body), (flags | add) & ~remove))
        return None if inner is None else (inner, False)
    if op is sre_c.BRANCH:
        alternatives = [_first_set(_flatten(list(alt), flags)) for alt in av[1]]
        if any(a is None for a in alternatives):
            return None
        return _normal([r for a in alternatives if a is not None for r in a]), False
    return None


def _conditioned_branch(op: Any, av: Any, flags: int) -> bool:
    """An alternation some of whose alternatives open with a look-around or anchor (or with such an
    alternation)."""
    if op is not sre_c.BRANCH:
        return False
    for alt in av[1]:
        items = _flatten(list(alt), flags)
        if items and (_zero_width(items[0][0], items[0][1]) or _conditioned_branch(*items[0])):
            return True
    return False


def _leading(t: _Template, items: list[tuple[Any, Any, int]]) -> tuple[str, bool, tuple[_Check, ...]]:
    """The conditions before the match: the first one-character look-behind becomes matched context
    (then RE2 finds only the right starts, however long the text: the lead and whether it is
    negative), the others are checked."""
    lead, negative = "", False
    checks: list[_Check] = []
    for op, av, f in items:
        single = None
        if not lead and op in (sre_c.ASSERT, sre_c.ASSERT_NOT) and av[0] == -1:
            single = _single(t, list(av[1]), f)
        if single is not None:
            negative = op is sre_c.ASSERT_NOT
            lead = t.test(single[1] if negative else single[0])
        else:
            checks.append(_check(t, op, av, f))
    return lead, negative, tuple(checks)


def _trailing(t: _Template, items: list[tuple[Any, Any, int]]) -> tuple[str, tuple[_Check, ...]]:
    """The conditions after the match: a positive look-ahead (or `$`), else a lone one-character
    negative one, becomes matched context, so RE2 chooses the end `re` would; the others are checked."""
    positive = [k for k, (op, _av, _f) in enumerate(items) if op is sre_c.ASSERT or op is sre_c.AT]
    chosen = positive[0] if positive else (0 if len(items) == 1 else None)
    tail = ""
    if chosen is not None:
        op, av, f = items[chosen]
        consumed = _consumed_ahead(t, op, av, f)
        if consumed is not None:
            tail = consumed
            items = items[:chosen] + items[chosen + 1 :]
    return tail, tuple(_check(t, op, av, f) for op, av, f in items)


Span = tuple[int, int]


class LinearPattern:
    """A policy pattern run by RE2 with `re`'s meaning. Offsets are character offsets, as with `re`.

    Made in two steps: the translation (here, refusing what cannot run) and the compilation against
    the alphabet of every pattern of the pack (`finish`), so that a text is encoded once for all.
    """

    def __init__(self, pattern: str, flags: int = 0) -> None:
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise UnsafePattern(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
        try:
            tree = sre_parse.parse(pattern, flags)
        except re.error as e:
            raise UnsafePattern(f"not a valid regular expression: {e}") from None
        except OverflowError:  # a{99999999999}: sre refuses a count past its own limit this way
            raise UnsafePattern("a repeat count is too large; keep it under 1000") from None
        flags = tree.state.flags
        if flags & (re.ASCII | re.MULTILINE | re.LOCALE):
            raise UnsafePattern("the ASCII, LOCALE and MULTILINE flags are not supported")
        if tree.getwidth()[0] == 0:
            raise UnsafePattern("it can match an empty text; make it need at least one character")
        self.pattern = pattern
        self.flags = flags
        self._setup(_flatten(list(tree), flags))

    @classmethod
    def _variant(cls, pattern: str, flags: int, items: list[tuple[Any, Any, int]]) -> LinearPattern:
        made = cls.__new__(cls)
        made.pattern, made.flags = pattern, flags
        made._setup(items)
        return made

    def _setup(self, flat: list[tuple[Any, Any, int]]) -> None:
        t = self._template = _Template()
        self._alphabet: Alphabet | None = None
        self.variants: tuple[LinearPattern, ...] = ()
        first = 0
        while first < len(flat) and _zero_width(flat[first][0], flat[first][1]):
            first += 1
        if first < len(flat) and _conditioned_branch(*flat[first]):
            # `(?<!\w)(?:[a-z]|(?<=\n)\w)\w+`: a condition at the start of an alternative. Each
            # alternative becomes a variant of its own, with the condition at its edge; the variants
            # are tried in order at each position, as `re` tries the alternatives.
            _op, av, f = flat[first]
            rest = flat[first + 1 :]
            self.variants = tuple(
                LinearPattern._variant(self.pattern, self.flags, flat[:first] + _flatten(list(alt), f) + rest)
                for alt in av[1]
            )
            return
        end = len(flat)
        while end > first and _zero_width(flat[end - 1][0], flat[end - 1][1]):
            end -= 1
        self._core = "".join(_emit_item(t, op, av, f) for op, av, f in flat[first:end])
        self._first_test = _first_set(flat[first:end])
        if self._first_test is not None:
            t.tests.append(self._first_test)  # the alphabet must tell its characters apart too
        self._lead, self._lead_negative, self._before = _leading(t, flat[:first])
        self._tail, self._after = _trailing(t, flat[end:])
        # RE2's own limits (repeat counts, program size) are known without the alphabet: try now, so
        # that the refusal names the rule.
        _compile(re.sub("\x00\\d+\x00", "a", f"{self._lead}({self._core}){self._tail}"))

    def leaves(self) -> tuple[LinearPattern, ...]:
        """The pattern's variants, theirs in turn, in order; or the pattern itself."""
        return tuple(leaf for v in self.variants for leaf in v.leaves()) if self.variants else (self,)

    @property
    def tests(self) -> list[Ranges]:
        if self.variants:
            return [test for v in self.variants for test in v.tests]
        return self._template.tests

    def finish(self, alphabet: Alphabet) -> None:
        """Compile against the pack's alphabet (which knows every test of this pattern)."""
        self._alphabet = alphabet
        if self.variants:
            for v in self.variants:
                v.finish(alphabet)
            self._group = PatternGroup(self.variants)
            return
        fill = self._template.fill
        # Without matched context after it, where the match is tells where its parts are (the
        # context before it is one character).
        plain = None if self._tail else 0
        self._bare = _compile(fill(f"({self._core}){self._tail}", alphabet), plain)
        self._led = (
            _compile(fill(f"{self._lead}({self._core}){self._tail}", alphabet), None if self._tail else 1)
            if self._lead
            else None
        )
        for c in (*self._before, *self._after):
            c.compile(self._template, alphabet)
        self._first = _ALL_BYTES if self._first_test is None else alphabet.groups(self._first_test)
        self._alphabet = alphabet
        self._table = alphabet.table
        self._checks = bool(self._before or self._after)  # most patterns: none to check in Python

    def _data(self, text: str) -> bytes:
        if self._alphabet is None:
            raise RuntimeError("LinearPattern used before finish()")
        return _encoded(self._alphabet, text)

    encode = _data

    @property
    def alphabet(self) -> Alphabet:
        assert self._alphabet is not None
        return self._alphabet

    @property
    def first(self) -> frozenset[int]:
        """The bytes a match can start with."""
        return self._first

    def alternative(self, after_start: bool) -> str:
        """This pattern as one alternative of a PatternGroup's program: after the text's start, with
        the character before it matched (by the look-behind, or any); at the start, without."""
        if after_start:
            lead = self._lead or "[\\x00-\\xff]"
        else:
            lead = "" if not self._lead or self._lead_negative else "[^\\x00-\\xff]"
        assert self._alphabet is not None
        return self._template.fill(f"(?:{lead}({self._core}){self._tail})", self._alphabet)

    def holds(self, text: str, data: bytes, s: int, e: int) -> bool:
        """Whether the conditions checked in Python hold for a match at s..e."""
        return not self._checks or self._holds(text, data, s, e)

    def _holds(self, text: str, data: bytes, s: int, e: int) -> bool:
        return all(c.holds(text, data, s) for c in self._before) and all(
            c.holds(text, data, e) for c in self._after
        )

    def search(self, text: str, pos: int = 0) -> Span | None:
        """The first match starting at or after `pos`, as `re`'s search(text, pos) finds it."""
        if self.variants:
            found = self._group.search(text, pos)
            return None if found is None else found[0]
        data = self._data(text)
        while pos <= len(data):
            if self._led is None:
                span = self._bare.search(data, pos)
            else:
                # Nothing before the text's start: a match there is tried without the look-behind,
                # only when the first character can start one (most searches start at 0).
                if pos == 0 and self._lead_negative and data and data[0] in self._first:
                    span = self._bare.match(data, 0)
                    if span is not None and self._holds(text, data, *span):
                        return span
                span = self._led.search(data, max(pos - 1, 0))
            if span is None:
                return None
            if self._holds(text, data, *span):
                return span
            pos = span[0] + 1
        return None

    def match(self, text: str, pos: int = 0) -> Span | None:
        """The match starting at `pos`, as `re`'s match(text, pos) finds it."""
        if self.variants:
            found = self._group.match(text, pos)
            return None if found is None else found[0]
        if pos < len(text) and ord(self._table[ord(text[pos])]) not in self._first:
            return None  # most candidate positions: decided without encoding the text or calling RE2
        data = self._data(text)
        if self._led is None:
            span = self._bare.match(data, pos)
        elif pos == 0:
            span = self._bare.match(data, 0) if self._lead_negative else None
        else:
            span = self._led.match(data, pos - 1)
        if span is None:
            return None
        return span if not self._checks or self._holds(text, data, *span) else None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Span]:
        """The matches `re`'s finditer gives (none is empty), ending by `endpos`."""
        stop = len(text) if endpos is None else endpos
        while True:
            found = self.search(text, pos)
            if found is None or found[1] > stop:
                return
            yield found
            pos = found[1]


class PatternGroup:
    """Patterns tried in order at each position, as `re` tries the alternatives of `A|B|C`, with one RE2
    call: each pattern is an alternative of one program, with its own group. Every alternative matches
    the character before its match too (its look-behind, or any character), so the leftmost start RE2
    finds is the leftmost match's, and the first alternative there is the one `re` would take."""

    def __init__(self, patterns: Sequence[LinearPattern]) -> None:
        # A pattern split into variants (see LinearPattern._setup) is its variants, in order.
        self._owners = [k for k, p in enumerate(patterns) for _ in p.leaves()]
        self.patterns = tuple(leaf for p in patterns for leaf in p.leaves())
        self._programs: tuple[_Program, _Program, frozenset[int]] | None = None
        self._table = ""  # the alphabet's table, once compiled

    def _compiled(self) -> tuple[_Program, _Program, frozenset[int]]:
        # Compiled at first use: the patterns are finished (have the pack's alphabet) only after the load.
        if self._programs is None:
            led = "|".join(p.alternative(after_start=True) for p in self.patterns)
            start = "|".join(p.alternative(after_start=False) for p in self.patterns)
            first = frozenset().union(*(p.first for p in self.patterns))
            self._programs = (_Program(led), _Program(start), first)
            self._table = self.patterns[0].alphabet.table
        return self._programs

    def _data(self, text: str) -> bytes:
        return self.patterns[0].encode(text)

    def match(self, text: str, pos: int) -> tuple[Span, int] | None:
        """The match at `pos` and which pattern made it."""
        led, start, first = self._programs or self._compiled()
        if pos < len(text) and ord(self._table[ord(text[pos])]) not in first:
            return None  # most candidate positions: decided without encoding the text or calling RE2
        data = self._data(text)
        found = start.which(data, 0, anchored=True) if pos == 0 else led.which(data, pos - 1, anchored=True)
        return None if found is None else self._checked(text, data, pos, *found)

    def _checked(self, text: str, data: bytes, pos: int, span: Span, k: int) -> tuple[Span, int] | None:
        if self.patterns[k].holds(text, data, *span):
            return span, self._owners[k]
        # A condition checked in Python failed: `re` would go on with the next alternatives here.
        for j in range(k + 1, len(self.patterns)):
            other = self.patterns[j].match(text, pos)
            if other is not None:
                return other, self._owners[j]
        return None

    def search(self, text: str, pos: int) -> tuple[Span, int] | None:
        """The first match at or after `pos` and which pattern made it."""
        led, _start, _first = self._compiled()
        data = self._data(text)
        if pos == 0:
            found = self.match(text, 0)
            if found is not None:
                return found
        while pos <= len(data):
            candidate = led.which(data, max(pos - 1, 0), anchored=False)
            if candidate is None:
                return None
            span, k = candidate
            found = self._checked(text, data, span[0], span, k)
            if found is not None:
                return found
            pos = span[0] + 1
        return None


_BATCH: ContextVar[list[LinearPattern] | None] = ContextVar("linear_batch", default=None)


@contextmanager
def pack_patterns() -> Iterator[None]:
    """Patterns compiled inside share one alphabet, made when the block ends (a pack's load)."""
    batch: list[LinearPattern] = []
    token = _BATCH.set(batch)
    try:
        yield
    finally:
        _BATCH.reset(token)
    alphabet = Alphabet([test for p in batch for test in p.tests])
    for p in batch:
        p.finish(alphabet)


def compile_linear(pattern: str, flags: int = 0) -> LinearPattern:
    """The pattern for RE2 (finished with the pack's alphabet when inside pack_patterns(), else at
    once). Raises UnsafePattern saying why it cannot run."""
    compiled = LinearPattern(pattern, flags)
    batch = _BATCH.get()
    if batch is None:
        compiled.finish(Alphabet(compiled.tests))
    else:
        batch.append(compiled)
    return compiled
