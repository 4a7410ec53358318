"""What the checker reports: the finding, its level and its category (design.md output contract)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, TypedDict

Level = Literal["error", "warning", "suggestion"]
LEVELS: tuple[Level, ...] = ("error", "warning", "suggestion")

# The closed set of design.md; the last two exist only for incoming citizen text (triage).
CATEGORIES: frozenset[str] = frozenset(
    {
        "voice",
        "authorization",
        "personal-data",
        "bare-link",
        "plain-language",
        "ethics",
        "political",
        "unsourced-claim",
        "language",
        "length",
        "burst",
        "spam",
        "question",
    }
)


class FindingDict(TypedDict):
    """A finding as the JSON object of the output contract (`Finding.to_dict`), keys in field order."""

    rule: str
    category: str
    level: Level
    message: str
    start: int
    end: int
    line: int
    col: int
    match: str
    suggestion: str | None
    source: str
    replacement: str | None
    waived: bool
    waiver_reason: str | None


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule found.

    `start`/`end` are code-point offsets into the original checked text; `line`/`col` are 1-based and
    point at `start`. A rule about the post as a whole (who writes, how often) has start == end == 0.
    """

    rule: str
    category: str
    level: Level
    message: str
    start: int
    end: int
    line: int
    col: int
    match: str
    suggestion: str | None = None
    source: str = ""
    # The phrase that may stand in for `match` as it is (a substitution rule's swap); None when the
    # suggestion is advice for the writer, which an editor must never paste into the text.
    replacement: str | None = None
    waived: bool = False
    waiver_reason: str | None = None

    def to_dict(self) -> FindingDict:
        """The finding as the JSON object of the output contract (plus source and waiver fields)."""
        # Spelled out rather than asdict(), so that mypy checks every key against FindingDict.
        return FindingDict(
            rule=self.rule,
            category=self.category,
            level=self.level,
            message=self.message,
            start=self.start,
            end=self.end,
            line=self.line,
            col=self.col,
            match=self.match,
            suggestion=self.suggestion,
            source=self.source,
            replacement=self.replacement,
            waived=self.waived,
            waiver_reason=self.waiver_reason,
        )

    def waive(self, reason: str) -> Finding:
        """A copy of this finding marked as waived."""
        return replace(self, waived=True, waiver_reason=reason)


def blocking(findings: list[Finding]) -> bool:
    """True when an unwaived error remains: submission is blocked."""
    return any(f.level == "error" and not f.waived for f in findings)
