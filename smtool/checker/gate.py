"""Which of a pack's matchers could match a text at all, found from the text's words in one pass.

A check asks some twenty matchers for their matches and most find nothing. Each matcher's prefilter
(smtool.checker.prefilter) could tell, but asking it costs a few set operations and regular
expression searches per matcher on every keystroke. A `Gate` is an inverted index of every matcher
in a pack: each folded word, word beginning ("mini" of "ministrij*") and leading character ("#")
that some matcher lists, with the matchers that list it. One pass over a text's few words then opens
the matchers that have a word there; a matcher left closed, and without a literal its patterns need
("@", "iela", "%"), is skipped without running. A matcher is skipped only when its prefilter would
find no position to try its expression at, so the matches are exactly those of a full scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smtool.checker.prefilter import Prefilter
from smtool.checker.text import Words


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, as each text's cache key
class Gate:
    """The matchers' words, beginnings and characters, each with the bits of the matchers listing it
    (the matcher at index i of `build_gate`'s list holds bit 1 << i)."""

    words: Mapping[str, int]
    word_keys: frozenset[str]
    stems: Mapping[int, Mapping[str, int]]
    stem_keys: Mapping[int, frozenset[str]]
    chars: Mapping[str, int]

    def opened(self, words: Words) -> int:
        """The bits of the matchers with a listed word, beginning or character in `words` (worked out
        once per text: every matcher of the pack reads the same answer)."""
        found = words.gates.get(self)
        if found is None:
            found = words.gates[self] = self._open(words)
        return found

    def _open(self, words: Words) -> int:
        bits = 0
        # Intersections run in C over the smaller side: the text's few words, not the index.
        for word in self.word_keys & words.all:
            bits |= self.words[word]
        for length, keys in self.stem_keys.items():
            table = self.stems[length]
            for key in keys & words.beginnings(length):
                bits |= table[key]
        for char, held in self.chars.items():
            if char in words.folded:
                bits |= held
        return bits

    def admits(self, bit: int, prefilter: Prefilter, words: Words) -> bool:
        """False only when `prefilter`, the matcher's with this bit, would find no candidate in `words`:
        none of its words, beginnings or characters is there, and no pattern's literal is."""
        opened = words.gates.get(self)  # opened(), without a call: admits runs for every matcher
        if opened is None:
            opened = words.gates[self] = self._open(words)
        if opened & bit:
            return True
        if prefilter.unconditional:
            return True
        # Substring searches in C, stopping at the first found: one expression of all the literals would
        # try each of them at every position of the text. A loop: any() over a generator took half as
        # long again on bench_checker's posts, its own overhead costing more than the searches.
        folded = words.folded
        for literal in prefilter.literals:  # noqa: SIM110 - see above
            if literal in folded:
                return True
        return False


def build_gate(prefilters: Sequence[Prefilter]) -> Gate:
    """The gate of these prefilters; the one at index i gets bit 1 << i."""
    words: dict[str, int] = {}
    stems: dict[int, dict[str, int]] = {}
    chars: dict[str, int] = {}
    for i, prefilter in enumerate(prefilters):
        bit = 1 << i
        for word in prefilter.words:
            words[word] = words.get(word, 0) | bit
        for length, keys in prefilter.stems.items():
            table = stems.setdefault(length, {})
            for key in keys:
                table[key] = table.get(key, 0) | bit
        for char in prefilter.chars:
            chars[char] = chars.get(char, 0) | bit
    return Gate(
        words=words,
        word_keys=frozenset(words),
        stems=stems,
        stem_keys={length: frozenset(table) for length, table in stems.items()},
        chars=chars,
    )
