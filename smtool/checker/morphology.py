"""The "morphology" rule kind: words that can have a grammatical reading, by the lexicon.

A word fires when the Latvian lexicon (`smtool.checker.lexicon`) says it can be read as the rule's
`reading` (first person singular). A spelling that can also be something else ("uzskatu": I consider,
or the noun "views") is settled by the rule's context rules, data in the policy pack, the first that
holds deciding; none holding, it is reported at the `unsettled` level or not at all. A word the
lexicon does not know is tried against the `guess` patterns (endings) at their lower level.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from smtool.checker.context import CheckContext
from smtool.checker.findings import Level
from smtool.checker.lexicon import Lexicon, lexicon
from smtool.checker.rules import ExistenceRule, Matcher, Raw, first_person_candidates
from smtool.checker.text import Doc, Word, sentence_words

READINGS = frozenset({"first-person-singular"})
LEXICON_CLASSES = frozenset({"@adjective", "@genitive", "@finite-verb"})
"""Word classes a context rule may ask the lexicon about (for `previous`)."""
NUMBER = "@number"
"""`previous = "@number"`: a number in digits comes right before the word ("30 dienu laikā", "2.
iespēju"): in Latvian a noun's place, a verb's only when the number is a time ("plkst. 9 sāku").
Numbers are not among a sentence's words (sentence_words), so no lexicon class can say so."""
PREVIOUS_CLASSES = LEXICON_CLASSES | {NUMBER}
OUTCOMES = frozenset({"reading", "other", "unsettled"})
"""What a context rule's `then` may say: the rule's reading (it fires), another one (quiet), or that
the context cannot tell (reported at the rule's `unsettled` level)."""
CASES = frozenset({"nom", "gen", "dat", "acc", "ins", "loc", "voc", "indeclinable"})
"""Cases a context rule's `also_case` may name ("indeclinable": a word that never changes, such as
the attributive "papildu", additional)."""
# Clauses end at punctuation that Latvian puts between clauses (a comma before "ka", "lai", ...).
_CLAUSE_END = re.compile(r"[,;:()\[\]–—]|\s-\s")
# A number in digits (decimals, thousands or an ordinal's full stop), then spaces: searched between
# the word before and the word, right up to the word.
_NUMBER_BEFORE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*\.?[ \t\u00a0]+$")


@dataclass(frozen=True)
class ContextRule:
    """One context rule: when it holds for a homograph, it is read as `then` ("reading" or "other").

    `previous`: the word before it in its clause is in a lexicon class or matches a matcher, or
    (NUMBER) a number comes right before it;
    `clause`: a matcher matches elsewhere in its clause; `finite_verb_elsewhere`: true when another
    word of the clause is a finite verb that cannot itself be the reading, false when none is (the
    homograph would be the clause's only verb); `also_finite`: the spelling itself can also be a
    finite verb of another person ("ceļos": I rise, or it will travel); `also_case`: the spelling can
    also be a noun, adjective or pronoun in one of these cases ("novados": I am led, or in the
    municipalities). Every condition given must hold.
    """

    then: str
    previous_class: str | None = None
    previous: Matcher | None = None
    clause: Matcher | None = None
    finite_verb_elsewhere: bool | None = None
    also_finite: bool | None = None
    also_case: frozenset[str] = frozenset()


@dataclass(eq=False)
class MorphologyRule(ExistenceRule):
    """Existence matches (pronouns and the like) plus every word the lexicon can read as `reading`."""

    reading: str = "first-person-singular"
    context: tuple[ContextRule, ...] = ()
    unsettled: Level | None = None
    guess: Matcher | None = None
    guess_level: Level = "warning"
    not_verbs: Matcher | None = None

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        yield from super().check(doc, ctx)
        hits = {s for s, _, _ in self._own_hits(doc, ctx)}
        for start, end, level in self._readings(doc, ctx):
            if start not in hits and self._keep(doc, start):
                yield Raw(start, end, level)

    def _own_hits(self, doc: Doc, ctx: CheckContext) -> list[tuple[int, int, str | None]]:
        return [h for m in self.matchers for h in m.find(doc, ctx)]

    def _readings(self, doc: Doc, ctx: CheckContext) -> Iterator[tuple[int, int, Level]]:
        lex: Lexicon = lexicon()
        guessed: set[int] | None = None  # the guess runs only once a word is unknown: most are known
        words: dict[int, list[Word]] = {}  # each sentence's words, for the few homographs
        for start, end, _ in first_person_candidates(doc):
            text = doc.masked[start:end]
            analyses = lex.analyses(text)
            if analyses is None:
                if guessed is None:
                    guessed = {s for s, _, _ in self.guess.find(doc, ctx)} if self.guess else set()
                if start in guessed:
                    yield start, end, self.guess_level
                continue
            if not any(a.first_person_singular for a in analyses):
                continue
            level = self.effective_level(ctx)
            if any(a.pos != "verb" or a.person not in (0, 1) for a in analyses):
                sentence = doc.sentences[doc.sentence_at(start)]
                if sentence.start not in words:
                    words[sentence.start] = sentence_words(doc.masked, sentence.start, sentence.end)
                found = words[sentence.start]
                i = next((k for k, w in enumerate(found) if w.start == start), None)
                settled = None if i is None else self._settle(doc, ctx, lex, found, i, sentence.start)
                settled = None if settled == "unsettled" else settled
                if settled == "other" or (settled is None and self.unsettled is None):
                    continue
                if settled is None:
                    assert self.unsettled is not None
                    level = self.unsettled
            yield start, end, level

    def _settle(
        self, doc: Doc, ctx: CheckContext, lex: Lexicon, words: list[Word], i: int, sentence_start: int
    ) -> str | None:
        clause = _clause(doc.masked, words, i)
        before = words[i - 1] if i > 0 and words[i - 1] in clause else None
        for rule in self.context:
            if rule.previous_class == NUMBER:
                since = words[i - 1].end if i > 0 else sentence_start
                if not _NUMBER_BEFORE.search(doc.masked, since, words[i].start):
                    continue
            elif rule.previous_class is not None and (
                before is None or not lex.is_a(before.text, rule.previous_class[1:])
            ):
                continue
            if rule.previous is not None and (
                before is None or not _matches(rule.previous, doc, ctx, before)
            ):
                continue
            others = [w for w in clause if w is not words[i]]
            if rule.clause is not None and not any(_matches(rule.clause, doc, ctx, w) for w in others):
                continue
            if rule.finite_verb_elsewhere is not None and rule.finite_verb_elsewhere != any(
                _other_finite(lex, w.text) and not self._not_verb(doc, ctx, w) for w in others
            ):
                continue
            if rule.also_finite is not None and rule.also_finite != _also_finite(lex, words[i].text):
                continue
            if rule.also_case and not _also_case(lex, words[i].text, rule.also_case):
                continue
            return rule.then
        return None

    def _not_verb(self, doc: Doc, ctx: CheckContext, word: Word) -> bool:
        # Function words that a rare verb shares a spelling with ("ar": with, or ploughs).
        return self.not_verbs is not None and _matches(self.not_verbs, doc, ctx, word)


def _clause(text: str, words: list[Word], i: int) -> list[Word]:
    """The words of word i's clause: up to the nearest clause-ending punctuation either side."""
    lo = i
    while lo > 0 and not _CLAUSE_END.search(text, words[lo - 1].end, words[lo].start):
        lo -= 1
    hi = i
    while hi + 1 < len(words) and not _CLAUSE_END.search(text, words[hi].end, words[hi + 1].start):
        hi += 1
    return words[lo : hi + 1]


def _matches(matcher: Matcher, doc: Doc, ctx: CheckContext, word: Word) -> bool:
    return any(s <= word.start and word.end <= e for s, e, _ in matcher.find(doc, ctx))


def _other_finite(lex: Lexicon, word: str) -> bool:
    # A finite verb that cannot be first person singular (those spellings all have detailed analyses).
    if not lex.is_a(word, "finite-verb"):
        return False
    analyses = lex.analyses(word)
    return analyses is None or not any(a.first_person_singular for a in analyses)


def _also_finite(lex: Lexicon, word: str) -> bool:
    return any(a.pos == "verb" and a.person not in (0, 1) for a in lex.analyses(word) or ())


def _also_case(lex: Lexicon, word: str, cases: frozenset[str]) -> bool:
    return any(a.pos != "verb" and a.case in cases for a in lex.analyses(word) or ())
