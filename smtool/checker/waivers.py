"""Waivers: an approver's recorded decision that one finding may stand, with a reason.

Suppression is never inline (a marker would be published). A waiver names the rule and a hash of the
exact match, so editing the matched words (or adding another occurrence before it) needs a new waiver.
Storing waivers with the draft and auditing them is the approval service's job; this part is pure.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from smtool.checker.findings import Finding
from smtool.domain.text import collapse_spaces


@dataclass(frozen=True, slots=True)
class Waiver:
    """Permission for one finding to stand; `expires_at` None means it does not expire."""

    rule: str
    match_hash: str
    reason: str
    approver: str
    expires_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


def _norm(s: str) -> str:
    # A waiver is for the words, not for how they were typed: NFC so a letter entered composed or
    # decomposed (ā, or a + U+0304) hashes alike, casefold so a capital at a sentence's start does
    # not void it, spacing collapsed so a line break moved by an edit elsewhere does not either.
    return collapse_spaces(unicodedata.normalize("NFC", s).casefold())


def match_hash(finding: Finding, text: str) -> str:
    """A stable SHA-256 over the rule id, the normalised matched text and which occurrence of that
    text in the post it is; whole-post findings hash the whole normalised text instead.
    """
    if finding.start == finding.end:
        subject, occurrence = _norm(text), 0
    else:
        subject = _norm(text[finding.start : finding.end])
        occurrence = _norm(text[: finding.start]).count(subject)
    payload = f"{finding.rule}\x1f{subject}\x1f{occurrence}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(payload).hexdigest()


def apply_waivers(
    findings: Sequence[Finding], waivers: Iterable[Waiver], now: datetime, text: str
) -> list[Finding]:
    """The findings with those covered by an active waiver marked `waived` (with the waiver's reason)."""
    index = {(w.rule, w.match_hash): w for w in waivers if w.active(now)}
    if not index:
        return list(findings)
    out: list[Finding] = []
    for f in findings:
        w = index.get((f.rule, match_hash(f, text)))
        out.append(f.waive(w.reason) if w else f)
    return out
