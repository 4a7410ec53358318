"""The closed set of rule kinds and the matcher they share.

A policy file only ever chooses among these kinds; everything else (words, patterns, thresholds,
messages) is data. Each rule yields raw hits in analysis-text offsets; the engine turns them into
findings with original offsets, line and column, and a message in the requested language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import timedelta
from types import CodeType
from typing import Any

from smtool.checker.alternation import Alternation, Matched, Words
from smtool.checker.context import CheckContext
from smtool.checker.declension import phrase_forms
from smtool.checker.expr import evaluate
from smtool.checker.findings import Level
from smtool.checker.gate import Gate, build_gate
from smtool.checker.lexicon import FIRST_PERSON_WORD, lexicon
from smtool.checker.prefilter import Prefilter, pattern_facts
from smtool.checker.text import WORD, Doc, first_word_start, link_spans
from smtool.checker.validators import Validator
from smtool.checker.xlength import counted_text, weighted_length
from smtool.domain.text import collapse_spaces

LANGS = ("lv", "en", "ru", "lt", "any")

Hit = tuple[int, int, str | None]
"""(start, end, level override or None) in analysis-text offsets."""


@dataclass(frozen=True)
class Raw:
    """A rule's result before the engine maps offsets and formats the message."""

    start: int
    end: int
    level: Level
    values: Mapping[str, Any] = field(default_factory=dict)
    whole_post: bool = False


# --- matching ------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Matcher:
    """Words, phrases and patterns per language, compiled into one regular expression.

    Words in the `lv` group match only in sentences detected as Latvian, and so on; `any` matches
    everywhere. Matches whose text is in `exclude` are dropped, and so are those the lexicon does not
    put in `word_class` (when given: "imperative-2pl" keeps "balsojiet", not "balsojām"); a validator
    may drop or re-level them.
    """

    name: str
    regex: Alternation | None
    group_langs: Mapping[str, str]
    exclude: frozenset[str] = frozenset()
    validator: Validator | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    unmasked: bool = False
    builtin: str | None = None
    by_lang: Mapping[str, Alternation] = field(default_factory=dict)
    prefilter: Prefilter | None = None
    word_class: str | None = None
    cased: frozenset[str] = frozenset()
    """Listed forms that match only with their own capitalisation (names: "Progresīvie")."""
    gate: Gate | None = field(default=None, repr=False)
    """The gate of the matcher's pack, with `gate_bit` the matcher's place in it (see gate_matchers)."""
    gate_bit: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self._cased_folded = frozenset(c.casefold() for c in self.cased)

    def find(self, doc: Doc, ctx: CheckContext) -> list[Hit]:
        """All hits in the document (cached per document, since several rules share lexicons)."""
        key = id(self)
        cached = doc.cache.get(key)
        if cached is not None:
            return cached
        # may_match(), written out: find runs for every matcher of every rule on every keystroke.
        gate, prefilter = self.gate, self.prefilter
        admitted = True
        if gate is not None and prefilter is not None:
            words = doc.text_words if self.unmasked else doc.masked_words
            admitted = words is None or gate.admits(self.gate_bit, prefilter, words)
        hits = self._find(doc, ctx) if admitted else []
        doc.cache[key] = hits
        return hits

    def may_match(self, doc: Doc) -> bool:
        """False only when the expression cannot match anywhere in the document (see smtool.checker.gate)."""
        if self.gate is None or self.prefilter is None:
            return True
        words = doc.text_words if self.unmasked else doc.masked_words
        return words is None or self.gate.admits(self.gate_bit, self.prefilter, words)

    def _find(self, doc: Doc, ctx: CheckContext) -> list[Hit]:
        if self.builtin is not None:
            return _builtin(self.builtin, doc, ctx)
        assert self.regex is not None
        hits: list[Hit] = []
        target = doc.text if self.unmasked else doc.masked
        for found in self._scan(doc, target):
            m = found
            s, e = m.span()
            if s == e:
                continue
            lang = self.group_langs.get(m.lastgroup or "", "any")
            if lang != "any" and doc.lang_at(s) != lang:
                # An earlier language's alternative won; try the sentence's own language here.
                own = self.by_lang.get(doc.lang_at(s))
                again = own.match(target, s) if own is not None else None
                if again is None or again.end() == s:
                    continue
                m = again
                s, e = m.span()
            text = m.group()
            if self.exclude and text.casefold() in self.exclude:
                continue
            if self.word_class is not None and not lexicon().is_a(text, self.word_class):
                continue
            if self.cased and self._miscased(text):
                continue
            verdict: str | None = None
            if self.validator is not None:
                before, after = target[max(0, s - 24) : s], target[e : e + 24]
                verdict = self.validator(text, before, after, ctx, self.options)
                if verdict is None:
                    continue
                if verdict == "rule":
                    verdict = None
            hits.append((s, e, verdict))
        return hits

    def _miscased(self, text: str) -> bool:
        spaced = " ".join(text.split())
        return spaced.casefold() in self._cased_folded and spaced not in self.cased

    def _scan(self, doc: Doc, target: str) -> Iterable[Matched]:
        """The regex's matches in `target`, tried only where the prefilter says it could match."""
        assert self.regex is not None
        words = doc.text_words if self.unmasked else doc.masked_words
        if self.prefilter is None or words is None:
            return self.regex.finditer(target)
        return self.prefilter.matches(self.regex.scanner, target, words)


_NAME_CACHE: dict[str, re.Pattern[str]] = {}


def _institution_pattern(name: str) -> re.Pattern[str]:
    """The institution's name in every case ("Valsts kancelejai", "Veselības ministrijā"). A name
    the lexicon cannot decline (an abbreviation, a foreign name) matches by the stem of each word."""
    forms = phrase_forms(name)
    if len(forms) > 1:
        body = "|".join(r"\s+".join(map(re.escape, f.split())) for f in sorted(forms, key=len, reverse=True))
    else:
        body = r"\s+".join(re.escape(w[: max(3, len(w) - 2)]) + r"\w{0,4}" for w in name.split())
    return re.compile(r"(?<!\w)(?:" + body + r")(?!\w)", re.IGNORECASE)


def _builtin(name: str, doc: Doc, ctx: CheckContext) -> list[Hit]:
    if name in ("@url", "@hashtag", "@mention"):
        return [(s, e, None) for s, e in doc.masks[name[1:]]]
    if name == "@institution":
        if not ctx.institution_name:
            return []
        pattern = _NAME_CACHE.get(ctx.institution_name)
        if pattern is None:
            pattern = _institution_pattern(ctx.institution_name)
            _NAME_CACHE[ctx.institution_name] = pattern
        return [(m.start(), m.end(), None) for m in pattern.finditer(doc.masked)]
    if name == "@lv-first-person-verb":
        return _first_person_verbs(doc)
    raise AssertionError(f"unknown builtin {name}")  # the loader refuses unknown names


def first_person_candidates(doc: Doc) -> list[Hit]:
    """Words of Latvian sentences with a first person ending (FIRST_PERSON_WORD), a capitalised one
    only as its sentence's first word, since Latvian capitalises names, not verbs. Computed once per
    document for every rule that reads the lexicon."""
    key = id(first_person_candidates)
    cached = doc.cache.get(key)
    if cached is not None:
        return cached
    hits: list[Hit] = []
    for sentence in doc.sentences:
        if sentence.lang != "lv":
            continue
        for m in FIRST_PERSON_WORD.finditer(doc.masked, sentence.start, sentence.end):
            if m.group()[:1].isupper() and m.start() != first_word_start(doc.masked, m.pos, m.endpos):
                continue
            hits.append((m.start(), m.end(), None))
    doc.cache[key] = hits
    return hits


def _first_person_verbs(doc: Doc) -> list[Hit]:
    """Words the lexicon reads only as a first person singular verb (no homographs: those need a
    morphology rule's context rules)."""
    lex = lexicon()
    hits: list[Hit] = []
    for hit in first_person_candidates(doc):
        readings = lex.analyses(doc.masked[hit[0] : hit[1]])
        if readings and all(a.first_person_singular for a in readings):
            hits.append(hit)
    return hits


BUILTINS = frozenset({"@url", "@hashtag", "@mention", "@institution", "@lv-first-person-verb"})


def matchers_of(rules: Iterable[Rule]) -> list[Matcher]:
    """Every matcher the rules use, in their own fields or in those of their parts (a morphology
    rule's context rules), each once."""
    found: dict[int, Matcher] = {}
    pending: list[object] = list(rules)
    while pending:
        value = pending.pop()
        if isinstance(value, Matcher):
            found.setdefault(id(value), value)
        elif isinstance(value, tuple):
            pending.extend(value)
        elif is_dataclass(value) and not isinstance(value, type):
            pending.extend(getattr(value, f.name) for f in fields(value))
    return list(found.values())


def gate_matchers(rules: Iterable[Rule]) -> None:
    """Index every prefiltered matcher of a pack's rules in one gate and give each its place in it.
    Called once per pack, as it is loaded: a pack's matchers belong to that pack alone."""
    matchers = [m for m in matchers_of(rules) if m.prefilter is not None]
    gate = build_gate([m.prefilter for m in matchers if m.prefilter is not None])
    for i, matcher in enumerate(matchers):
        matcher.gate, matcher.gate_bit = gate, 1 << i


def _all_hits(matchers: Sequence[Matcher], doc: Doc, ctx: CheckContext) -> list[Hit]:
    if len(matchers) == 1:
        return matchers[0].find(doc, ctx)
    hits: list[Hit] = []
    for m in matchers:
        hits.extend(m.find(doc, ctx))
    hits.sort()
    return hits


# --- context predicates --------------------------------------------------------------------------------

PREDICATES: dict[str, Any] = {
    "author-known": lambda c: c.author is not None,
    "author-is-spokesperson": lambda c: c.author_is_spokesperson,
    "author-not-spokesperson": lambda c: c.author is not None and not c.author_is_spokesperson,
    "profile-disclaimer": lambda c: c.profile_disclaimer,
    "election-period": lambda c: c.in_election_period,
    "state-language-lv": lambda c: bool(c.languages) and c.languages[0] == "lv",
}


# --- the rule kinds ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Rule:
    """What every rule has, whatever its kind."""

    id: str
    kind: str
    category: str
    level: Level
    messages: Mapping[str, str]
    source: str
    account_kinds: frozenset[str]
    platforms: frozenset[str] | None = None
    languages: frozenset[str] | None = None
    suggestions: Mapping[str, str] = field(default_factory=dict)
    scope: str = "text"
    only_if: tuple[str, ...] = ()
    skip_if: tuple[str, ...] = ()
    once: bool = False
    election_level: Level | None = None
    flag: str | None = None
    examples_fire: tuple[Any, ...] = ()
    examples_pass: tuple[Any, ...] = ()
    file: str = ""

    def applies(self, ctx: CheckContext) -> bool:
        """True when the rule is relevant to this account, platform and context."""
        if ctx.account_kind not in self.account_kinds:
            return False
        if self.platforms is not None and ctx.platform not in self.platforms:
            return False
        if any(not PREDICATES[p](ctx) for p in self.only_if):
            return False
        return not any(PREDICATES[p](ctx) for p in self.skip_if)

    def effective_level(self, ctx: CheckContext) -> Level:
        if self.election_level is not None and ctx.in_election_period:
            return self.election_level
        return self.level

    def run(self, doc: Doc, ctx: CheckContext) -> list[Raw]:
        found = list(self.check(doc, ctx))
        return found[:1] if self.once else found

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _keep(self, doc: Doc, start: int) -> bool:
        if self.scope == "unquoted" and doc.in_quote(start):
            return False
        return self.languages is None or doc.lang_at(start) in self.languages

    def _raw(self, ctx: CheckContext, hit: Hit, **values: Any) -> Raw:
        level = hit[2] or self.effective_level(ctx)
        return Raw(hit[0], hit[1], level, values)  # type: ignore[arg-type]


@dataclass(eq=False)
class ExistenceRule(Rule):
    """Report every match of the rule's words and patterns (kind "existence", and "pattern" when the
    matches go through a validator)."""

    matchers: tuple[Matcher, ...] = ()
    election_matchers: tuple[Matcher, ...] = ()

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        matchers = self.matchers
        if self.election_matchers and ctx.in_election_period:
            matchers = matchers + self.election_matchers
        for hit in _all_hits(matchers, doc, ctx):
            if self._keep(doc, hit[0]):
                yield self._raw(ctx, hit)


def swap_key(phrase: str) -> str:
    """The form a swap table's phrase and a matched phrase are looked up in.

    A swap phrase matches across line breaks and runs of spaces, and in any case unless the rule is
    case-sensitive, so the table is keyed by the phrase with its spacing collapsed and case folded.
    """
    return collapse_spaces(phrase).casefold()


@dataclass(eq=False)
class SubstitutionRule(Rule):
    """Report phrases that have a plainer swap; the swap is the finding's suggestion and replacement."""

    matchers: tuple[Matcher, ...] = ()
    swaps: Mapping[str, str] = field(default_factory=dict)

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        for hit in _all_hits(self.matchers, doc, ctx):
            if self._keep(doc, hit[0]):
                swap = self.swaps.get(swap_key(doc.text[hit[0] : hit[1]]), "")
                yield self._raw(ctx, hit, suggestion=swap, replacement=swap)


@dataclass(eq=False)
class OccurrenceRule(Rule):
    """Report when the matches in the post number at least `min` (or more than `max`), unless any of
    the `unless` matchers is present; the finding points at the match that crossed the line."""

    matchers: tuple[Matcher, ...] = ()
    unless: tuple[Matcher, ...] = ()
    min: int | None = None
    max: int | None = None

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        hits = [h for h in _all_hits(self.matchers, doc, ctx) if self._keep(doc, h[0])]
        count = len(hits)
        if self.min is not None and count >= self.min:
            at = hits[self.min - 1]
        elif self.max is not None and count > self.max:
            at = hits[self.max]
        else:
            return
        if any(u.find(doc, ctx) for u in self.unless):
            return
        yield self._raw(ctx, at, count=count)


@dataclass(eq=False)
class ConditionalRule(Rule):
    """Report matches when at least one `requires` matcher also matches and no `unless` matcher does, in the
    same sentence (within = "sentence") or anywhere in the post (within = "text")."""

    matchers: tuple[Matcher, ...] = ()
    requires: tuple[Matcher, ...] = ()
    unless: tuple[Matcher, ...] = ()
    within: str = "text"

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        hits = [h for h in _all_hits(self.matchers, doc, ctx) if self._keep(doc, h[0])]
        if not hits:
            return
        if self.within == "text":
            if self._requires_met(doc, ctx, None, hits) and not any(
                self._present(u, doc, ctx, None, hits) for u in self.unless
            ):
                yield from (self._raw(ctx, h) for h in hits)
            return
        for h in hits:
            k = doc.sentence_at(h[0])
            if self._requires_met(doc, ctx, k, [h]) and not any(
                self._present(u, doc, ctx, k, [h]) for u in self.unless
            ):
                yield self._raw(ctx, h)

    def _requires_met(self, doc: Doc, ctx: CheckContext, sentence: int | None, own: list[Hit]) -> bool:
        # At least one of `requires` must be present (none listed: always met).
        return not self.requires or any(self._present(r, doc, ctx, sentence, own) for r in self.requires)

    def _present(
        self, matcher: Matcher, doc: Doc, ctx: CheckContext, sentence: int | None, own: list[Hit]
    ) -> bool:
        for s, e, _ in matcher.find(doc, ctx):
            if any(os <= s and e <= oe for os, oe, _ in own):
                continue  # the flagged words themselves do not satisfy the condition; a match reaching
                # beyond them does ("Diagnoze Ilzei Bērziņai": a name after a capitalised trigger)
            if self.scope == "unquoted" and doc.in_quote(s):
                continue
            if sentence is None or doc.sentence_at(s) == sentence:
                return True
        return False


# Metric variables: the closed set formulas may use.
_NOMINAL = re.compile(r"(?i)(?<!\w)\w{2,}šan(?:a|as|ai|u|ā|ām|ās|os|ām|ām)(?!\w)")
_PASSIVE = re.compile(
    r"(?i)(?<!\w)(?:tiek|tika|tiks|tiekot|tikt|ir\s+ticis|ir\s+tikusi)\s+\w+(?:ts|ta|ti|tas|tie|tā)(?!\w)"
)
_CAPS = re.compile(r"(?<!\w)[A-ZĀČĒĢĪĶĻŅŠŪŽ]{3,}(?!\w)")


def x_weighted_length(doc: Doc) -> int:
    """X's count of the post (twitter-text v3): each URL 23, each emoji sequence 2, CJK 2 (xlength)."""
    # The analysis text is the original whenever that was already NFC and free of controls (most posts).
    if doc.text is doc.original and "\r" not in doc.original:
        return weighted_length(doc.original, doc.masks["url"])
    text = counted_text(doc.original)
    links = doc.masks["url"] if text == doc.text else link_spans(text)
    return weighted_length(text, links)


def _count(pattern: re.Pattern[str]) -> Callable[[Doc, CheckContext, int, int], float]:
    # A text without any of the literals every match holds ("šan", "tiek" ...) has no match to count.
    facts = pattern_facts(pattern.pattern, pattern.flags, Words(pattern)) if pattern is not WORD else None
    needed = facts.needed if facts is not None else None

    def count(doc: Doc, ctx: CheckContext, s: int, e: int) -> float:
        words = doc.masked_words
        if needed is not None and words is not None and not needed.search(words.folded, s, e):
            return 0.0
        return float(len(pattern.findall(doc.masked, s, e)))

    return count


def _masked_count(kind: str) -> Callable[[Doc, CheckContext, int, int], float]:
    return lambda doc, ctx, s, e: float(sum(1 for a, _ in doc.masks[kind] if s <= a < e))


def _is_whole(doc: Doc, s: int, e: int) -> bool:
    return s == 0 and e == len(doc.text)


_count_words = _count(WORD)


def _words(doc: Doc, ctx: CheckContext, s: int, e: int) -> float:
    """Words in text[s:e]. The post's are its sentences' added up, which the per-sentence rules count
    anyway: sentences cover all but white space, and each edge has white space (or the text's end)
    beside it, which no word holds, so no word is split or left out."""
    sentences = doc.sentences
    if _is_whole(doc, s, e) and all((x.start, x.end) != (s, e) for x in sentences):
        return float(sum(_variable("words", doc, ctx, x.start, x.end) for x in sentences))
    return _count_words(doc, ctx, s, e)


_VARIABLES: dict[str, Callable[[Doc, CheckContext, int, int], float]] = {
    "words": _words,
    "sentences": lambda doc, ctx, s, e: float(len(doc.sentences)) if _is_whole(doc, s, e) else 1.0,
    "letters": lambda doc, ctx, s, e: float(doc.letters(s, e)),
    "chars": lambda doc, ctx, s, e: float(len(doc.original) if _is_whole(doc, s, e) else e - s),
    "urls": _masked_count("url"),
    "hashtags": _masked_count("hashtag"),
    "mentions": _masked_count("mention"),
    "nominalisations": _count(_NOMINAL),
    "passives": _count(_PASSIVE),
    "platform_length": lambda doc, ctx, s, e: float(
        x_weighted_length(doc) if ctx.platform == "x" else len(doc.original)
    ),
    "exclamations": lambda doc, ctx, s, e: float(doc.masked.count("!", s, e)),
    "caps_words": _count(_CAPS),
}
METRIC_VARIABLES = frozenset(_VARIABLES)


def _variable(name: str, doc: Doc, ctx: CheckContext, s: int, e: int) -> float:
    # Several metric rules read the same counts (words above all): each is computed once per span.
    key = (name, s, e)
    value = doc.values.get(key)
    if value is None:
        value = doc.values[key] = _VARIABLES[name](doc, ctx, s, e)
    return value


@dataclass(eq=False)
class MetricRule(Rule):
    """Compute a formula over the post (per = "text") or each sentence (per = "sentence") and report
    values below `min` or above `max`; limits may differ by language or platform."""

    formula: CodeType | None = None
    formula_vars: frozenset[str] = frozenset()
    when: CodeType | None = None
    when_vars: frozenset[str] = frozenset()
    min: Mapping[str, float] = field(default_factory=dict)
    max: Mapping[str, float] = field(default_factory=dict)
    per: str = "text"

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        if self.per == "sentence":
            spans = [(s.start, s.end, s.lang) for s in doc.sentences]
        else:
            spans = [(0, len(doc.text), doc.main_language)]
        for s, e, lang in spans:
            if self.languages is not None and lang not in self.languages:
                continue
            if self.scope == "unquoted" and doc.in_quote(s):
                continue
            # The condition first: most posts fail it, and then the formula's variables are not needed.
            values = {v: _variable(v, doc, ctx, s, e) for v in self.when_vars}
            if self.when is not None and not evaluate(self.when, values):
                continue
            for v in self.formula_vars:
                if v not in values:
                    values[v] = _variable(v, doc, ctx, s, e)
            assert self.formula is not None
            value = evaluate(self.formula, values)
            if value is None:
                continue
            key = ctx.platform or "" if "platform_length" in self.formula_vars else lang
            low = self.min.get(key, self.min.get("any"))
            high = self.max.get(key, self.max.get("any"))
            if low is not None and value < low:
                yield self._span(doc, ctx, s, e, value, low)
            elif high is not None and value > high:
                yield self._span(doc, ctx, s, e, value, high)

    def _span(self, doc: Doc, ctx: CheckContext, s: int, e: int, value: float, limit: float) -> Raw:
        shown = f"{value:.0f}" if value == int(value) or abs(value) >= 10 else f"{value:.2f}"
        values = {"value": shown, "limit": f"{limit:g}"}
        if self.per == "text":
            if "platform_length" in self.formula_vars:
                # Underline what does not fit: the tail beyond the limit (approximate for X weights).
                cut = max(0, min(len(doc.text), len(doc.text) - int(value - limit)))
                return Raw(cut, len(doc.text), self.effective_level(ctx), values)
            return Raw(0, 0, self.effective_level(ctx), values, whole_post=True)
        return Raw(s, e, self.effective_level(ctx), values)


METADATA_CONDITIONS = frozenset({"author-not-spokesperson", "account-name-matches", "state-language-missing"})


@dataclass(eq=False)
class MetadataRule(Rule):
    """Rules about who posts and where rather than about words: an author who is not a spokesperson,
    an account named like the institution, a post lacking the state language."""

    condition: str = ""
    matchers: tuple[Matcher, ...] = ()
    unless: tuple[Matcher, ...] = ()
    language: str = "lv"
    min_words: int = 3

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        if any(u.find(doc, ctx) for u in self.unless):
            return
        level = self.effective_level(ctx)
        if self.condition == "author-not-spokesperson":
            if ctx.author is not None and not ctx.author_is_spokesperson:
                yield Raw(0, 0, level, {"author": ctx.author}, whole_post=True)
        elif self.condition == "account-name-matches":
            name = ctx.account_name or ""
            inst = (ctx.institution_name or "").casefold()
            hit = bool(inst) and inst in name.casefold()
            if not hit:
                probe = Doc(name)
                hit = any(m.find(probe, ctx) for m in self.matchers)
            if hit:
                yield Raw(0, 0, level, {"account": name}, whole_post=True)
        elif (
            self.condition == "state-language-missing"
            and _variable("words", doc, ctx, 0, len(doc.text)) >= self.min_words
            and self.language not in doc.languages
        ):
            yield Raw(0, 0, level, {"language": self.language}, whole_post=True)


def _shingles(text: str) -> frozenset[str]:
    words = [w.casefold() for w in WORD.findall(text)]
    return frozenset(" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2)))


@dataclass(eq=False)
class RateRule(Rule):
    """Too many posts from one account in a window, or a near-identical post on another account."""

    max_posts: int = 5
    window_minutes: float = 60
    similar_window_minutes: float = 30
    similarity: float = 0.8

    def check(self, doc: Doc, ctx: CheckContext) -> Iterator[Raw]:
        level = self.effective_level(ctx)
        since = ctx.now - timedelta(minutes=self.window_minutes)
        own = [p for p in ctx.recent_posts if p.account_id == ctx.account_id and since <= p.at <= ctx.now]
        if len(own) + 1 > self.max_posts:
            yield Raw(0, 0, level, {"count": len(own) + 1, "minutes": f"{self.window_minutes:g}"}, True)
            return
        similar_since = ctx.now - timedelta(minutes=self.similar_window_minutes)
        mine: frozenset[str] | None = None
        for post in ctx.recent_posts:
            if post.account_id == ctx.account_id or not similar_since <= post.at <= ctx.now:
                continue
            mine = mine if mine is not None else _shingles(doc.text)
            theirs = _shingles(post.text)
            union = len(mine | theirs)
            if union and len(mine & theirs) / union >= self.similarity:
                values = {"account": post.account_id, "minutes": f"{self.similar_window_minutes:g}"}
                yield Raw(0, 0, level, values, True)
                return


KINDS: dict[str, type[Rule]] = {
    "existence": ExistenceRule,
    "pattern": ExistenceRule,
    "substitution": SubstitutionRule,
    "occurrence": OccurrenceRule,
    "conditional": ConditionalRule,
    "metric": MetricRule,
    "metadata": MetadataRule,
    "rate": RateRule,
}
