"""Precision and recall per category on the labelled corpus (shared by the test and the benchmark).

The corpus is split once, by a hash of each post's id, into a tuning part (three quarters) and a
held-out part (a quarter). Rules are tuned against the tuning part only; the held-out part is scored
to estimate how the rules do on text nobody tuned them against, so nobody reads its posts or its
missed examples while changing a rule. The split was fixed on 2026-12-05, before the lexicon work of
the Latvian-grammar issue; `test_corpus` pins it so that it cannot drift.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from smtool.checker import CheckContext, Engine

CORPUS = Path(__file__).with_name("corpus") / "posts.jsonl"
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


Part = Literal["all", "tuning", "held-out"]


def is_held_out(post_id: str) -> bool:
    return int(hashlib.sha256(post_id.encode("utf-8")).hexdigest(), 16) % 4 == 0


def load_corpus(part: Part = "all") -> list[dict[str, object]]:
    with CORPUS.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    if part == "all":
        return rows
    return [r for r in rows if is_held_out(str(r["id"])) == (part == "held-out")]


def corpus_context(kind: str) -> CheckContext:
    return CheckContext(
        account_kind=kind,  # type: ignore[arg-type]
        account_id="vk-x",
        institution_name="Valsts kanceleja",
        allowed_phones=frozenset({"67082800"}),
        allowed_email_domains=frozenset({"vk.gov.lv"}),
        now=NOW,
    )


@dataclass
class Scores:
    tp: dict[str, int] = field(default_factory=dict)
    fp: dict[str, int] = field(default_factory=dict)
    fn: dict[str, int] = field(default_factory=dict)
    announcements: int = 0
    announcement_alarms: int = 0
    false_alarm_examples: list[str] = field(default_factory=list)
    missed_examples: list[str] = field(default_factory=list)

    def precision(self, cat: str) -> float:
        d = self.tp.get(cat, 0) + self.fp.get(cat, 0)
        return self.tp.get(cat, 0) / d if d else 1.0

    def recall(self, cat: str) -> float:
        d = self.tp.get(cat, 0) + self.fn.get(cat, 0)
        return self.tp.get(cat, 0) / d if d else 1.0

    @property
    def categories(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))

    @property
    def false_alarm_rate(self) -> float:
        return self.announcement_alarms / self.announcements if self.announcements else 0.0


def score(engine: Engine, part: Part = "all") -> Scores:
    s = Scores()
    for row in load_corpus(part):
        findings = engine.check(str(row["text"]), corpus_context(str(row["account_kind"])))
        found = {f.category for f in findings}
        expected = set(row["expect"])  # type: ignore[arg-type]
        for cat in found | expected:
            if cat in found and cat in expected:
                s.tp[cat] = s.tp.get(cat, 0) + 1
            elif cat in found:
                s.fp[cat] = s.fp.get(cat, 0) + 1
                s.false_alarm_examples.append(f"{cat}: {row['text']}")
            else:
                s.fn[cat] = s.fn.get(cat, 0) + 1
                s.missed_examples.append(f"{cat}: {row['text']}")
        if row["group"] == "announcement":
            s.announcements += 1
            if any(f.level in ("error", "warning") for f in findings):
                s.announcement_alarms += 1
    return s


def report(s: Scores) -> str:
    lines = [f"{'category':<16} {'precision':>9} {'recall':>7}   tp  fp  fn"]
    for cat in s.categories:
        lines.append(
            f"{cat:<16} {s.precision(cat):>9.2f} {s.recall(cat):>7.2f} "
            f"{s.tp.get(cat, 0):>4} {s.fp.get(cat, 0):>3} {s.fn.get(cat, 0):>3}"
        )
    lines.append(
        f"false alarms (error/warning) on ordinary announcements: "
        f"{s.announcement_alarms}/{s.announcements} = {s.false_alarm_rate:.1%}"
    )
    return "\n".join(lines)
