"""The engine: compiled once from policy packs, then `check` a post or `triage` incoming text.

check() is meant for every keystroke: rules are compiled at construction and each text is analysed
lazily, once, and shared by all rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from smtool.checker.context import CheckContext
from smtool.checker.findings import LEVELS, Finding
from smtool.checker.loader import Pack, PolicyError, load_pack
from smtool.checker.rules import PREDICATES, Raw, Rule
from smtool.checker.text import Doc
from smtool.checker.waivers import Waiver, apply_waivers
from smtool.domain.words import PluralFormatter

_LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}
# Every rule's message has these texts (the loader refuses a rule without both).
MESSAGE_LANGUAGES: tuple[str, ...] = ("en", "lv")


def message_language(doc: Doc) -> str:
    """The language findings on `doc` are written in: the post's own language when messages exist in it,
    else the institution's (a Russian post in a Latvian ministry is read by Latvian staff), else English.
    """
    for lang in (doc.main_language, doc.default_language):
        if lang in MESSAGE_LANGUAGES:
            return lang
    return "en"


# `{count:link|links}` in a message agrees with the number, in the message's language.
_FORMATTERS = {lang: PluralFormatter(lang) for lang in ("en", "lv")}


class _Fill(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class TriageFlags:
    """What a press officer needs to know first about a comment or mention."""

    question: bool = False
    personal_data: bool = False
    abuse: bool = False
    spam: bool = False


@dataclass(frozen=True)
class Triage:
    """The triage of one incoming text: flags, the findings behind them, and a redacted copy."""

    flags: TriageFlags
    findings: list[Finding] = field(default_factory=list)
    redacted: str = ""


class Engine:
    """Runs the rules of one or more packs."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = tuple(packs)
        self.post_rules = tuple(r for p in packs if p.target == "posts" for r in p.rules)
        self.incoming_rules = tuple(r for p in packs if p.target == "incoming" for r in p.rules)
        # Which rules apply depends only on the account kind, the platform and the context predicates;
        # check() runs on every keystroke with the same few contexts, so the answer is kept.
        self._applicable: dict[tuple[object, ...], tuple[Rule, ...]] = {}

    @classmethod
    def load(cls, policies_dir: Path, names: Iterable[str]) -> Engine:
        """Load the named packs from a policies folder. Raises PolicyError for a missing or bad pack."""
        return cls([load_pack(policies_dir / name) for name in dict.fromkeys(names)])

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.post_rules + self.incoming_rules

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id. Raises PolicyError when no loaded pack has it."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise PolicyError(f"no loaded policy has a rule {rule_id!r}")

    def check(
        self,
        text: str,
        ctx: CheckContext | None = None,
        *,
        lang: str | None = None,
        waivers: Iterable[Waiver] = (),
        rules: Sequence[Rule] | None = None,
    ) -> list[Finding]:
        """Findings for a post, sorted by position, then level, with messages in `lang` (by default the
        post's own language, see message_language). Never raises for any text."""
        ctx = ctx or CheckContext()
        findings = self._run(self.post_rules if rules is None else rules, text, ctx, lang)
        waivers = list(waivers)
        return apply_waivers(findings, waivers, ctx.now, text) if waivers else findings

    def triage(self, text: str, ctx: CheckContext | None = None, *, lang: str | None = None) -> Triage:
        """Flags and findings for incoming citizen text (comments, mentions), with personal data
        redacted in `redacted`; messages as in check(). Never raises for any text."""
        ctx = ctx or CheckContext(account_kind="institution")
        findings = self._run(self.incoming_rules, text, ctx, lang)
        by_rule = {r.id: r for r in self.incoming_rules}
        raised = {by_rule[f.rule].flag for f in findings}
        chars = list(text)
        for f in findings:
            if by_rule[f.rule].flag == "personal_data":
                chars[f.start : f.end] = "█" * (f.end - f.start)
        flags = TriageFlags(
            question="question" in raised,
            personal_data="personal_data" in raised,
            abuse="abuse" in raised,
            spam="spam" in raised,
        )
        return Triage(flags, findings, "".join(chars))

    def triage_flags(self, texts: Sequence[str], ctx: CheckContext | None = None) -> list[TriageFlags]:
        """The flags alone for many incoming texts (what ingest stores), in their order; the same as
        `triage(text).flags` for each. Never raises for any text.

        Cheaper than triage() for a page of items: the applicable rules are looked up once, a rule
        stops at its first hit, no finding or message is built, and a text repeated in the batch
        (copied spam) is analysed once."""
        ctx = ctx or CheckContext(account_kind="institution")
        rules = self._applying(self.incoming_rules, ctx)
        known: dict[str, TriageFlags] = {}
        out: list[TriageFlags] = []
        for text in texts:
            flags = known.get(text)
            if flags is None:
                doc = Doc(text, ctx.languages[0] if ctx.languages else "lv")
                raised = {r.flag for r in rules if next(iter(r.check(doc, ctx)), None) is not None}
                flags = known[text] = TriageFlags(
                    question="question" in raised,
                    personal_data="personal_data" in raised,
                    abuse="abuse" in raised,
                    spam="spam" in raised,
                )
            out.append(flags)
        return out

    def _applying(self, rules: Sequence[Rule], ctx: CheckContext) -> Sequence[Rule]:
        if rules is not self.post_rules and rules is not self.incoming_rules:
            return [r for r in rules if r.applies(ctx)]
        key = (id(rules), ctx.account_kind, ctx.platform, *(p(ctx) for p in PREDICATES.values()))
        found = self._applicable.get(key)
        if found is None:
            if len(self._applicable) > 1000:  # platforms are free-form strings: stay bounded
                self._applicable.clear()
            found = self._applicable[key] = tuple(r for r in rules if r.applies(ctx))
        return found

    def _run(self, rules: Sequence[Rule], text: str, ctx: CheckContext, lang: str | None) -> list[Finding]:
        doc = Doc(text, ctx.languages[0] if ctx.languages else "lv")
        found = [(rule, raw) for rule in self._applying(rules, ctx) for raw in rule.run(doc, ctx)]
        if not found:  # most keystrokes: no need to settle the language
            return []
        lang = lang or message_language(doc)
        out = [self._finding(rule, raw, doc, lang) for rule, raw in found]
        out.sort(key=lambda f: (f.start, _LEVEL_ORDER[f.level], f.rule))
        return out

    @staticmethod
    def _finding(rule: Rule, raw: Raw, doc: Doc, lang: str) -> Finding:
        if raw.whole_post:
            start = end = 0
        else:
            start, end = doc.orig(raw.start), doc.orig(raw.end)
        match = doc.original[start:end]
        values = _Fill(raw.values)
        values["match"] = match
        template = rule.messages.get(lang) or rule.messages["en"]
        suggestion = raw.values.get("suggestion") or rule.suggestions.get(lang) or rule.suggestions.get("en")
        line, col = doc.line_col(start)
        return Finding(
            rule=rule.id,
            category=rule.category,
            level=raw.level,
            message=_FORMATTERS.get(lang, _FORMATTERS["en"]).fill(template, values),
            start=start,
            end=end,
            line=line,
            col=col,
            match=match,
            suggestion=str(suggestion) if suggestion else None,
            source=rule.source,
            replacement=str(raw.values["replacement"]) if raw.values.get("replacement") else None,
        )
