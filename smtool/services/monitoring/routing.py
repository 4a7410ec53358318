"""Routing rules: which team answers an item. Rules are data ([[routing]] in config.toml).

A rule matches when the item's text contains one of its keywords as a word (or word start, with a
trailing *) or when the item carries one of its triage flags. Case and diacritics are ignored, so
"nodok*" finds "Nodokļi" and "NODOKLIS". The first matching rule wins; nothing matched goes to the
press office ([inbox] default_team).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from smtool.config import RoutingRule, Settings
from smtool.services.paging import one_of


def teams(settings: Settings) -> set[str]:
    """Every team an item can be routed to: the users' teams, the routing rules' and the press
    office's."""
    return (
        {u.team for u in settings.users if u.team}
        | {rule.team for rule in settings.routing}
        | {settings.inbox.default_team}
    )


def require_team(settings: Settings, team: str | None) -> None:
    """Raises UsageError for a team that does not exist: filtering by it would show an empty queue,
    which reads as "nothing to do"."""
    one_of(team, sorted(teams(settings)), "team")


def fold(value: str) -> str:
    """Lower case without diacritics: the form keywords and texts are compared in."""
    if value.isascii():  # nothing to decompose: most of it, in English and in Latvian markup
        return value.casefold()
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _keyword_pattern(keyword: str) -> str:
    folded = fold(keyword.strip())
    prefix = folded.endswith("*")
    core = re.escape(folded.rstrip("*"))
    return rf"(?<!\w){core}" + ("" if prefix else r"(?!\w)")


@dataclass(frozen=True)
class CompiledRule:
    team: str
    pattern: re.Pattern[str] | None
    flags: frozenset[str]

    def matches(self, folded_text: str, flags: Iterable[str]) -> bool:
        if self.flags & set(flags):
            return True
        return bool(self.pattern and self.pattern.search(folded_text))


class Router:
    """The configured rules, compiled once."""

    def __init__(self, rules: Sequence[RoutingRule], default_team: str) -> None:
        self.default_team = default_team
        self.rules = tuple(
            CompiledRule(
                rule.team,
                re.compile("|".join(_keyword_pattern(k) for k in rule.keywords)) if rule.keywords else None,
                frozenset(rule.flags),
            )
            for rule in rules
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Router:
        return cls(settings.routing, settings.inbox.default_team)

    def team_for(self, text: str, flags: Iterable[str] = ()) -> str:
        """The team of the first rule that matches, else the default team. Never raises."""
        if not self.rules:
            return self.default_team
        # Folding is most of the cost; only a rule with keywords needs it.
        folded = fold(text) if any(rule.pattern for rule in self.rules) else ""
        flag_list = list(flags)
        for rule in self.rules:
            if rule.matches(folded, flag_list):
                return rule.team
        return self.default_team
