"""Quality floors on the labelled corpus (tests/checker/corpus/posts.jsonl, built by make_corpus.py).

The corpus was written together with the rules, so these are floors against regressions, not an
independent estimate of field precision.
"""

from __future__ import annotations

from smtool.checker import Engine

from .corpus_eval import load_corpus, score

RECALL_FLOORS = {
    "voice": 0.9,
    "personal-data": 0.9,
    "bare-link": 0.9,
    "plain-language": 0.8,
    "political": 0.8,
    "ethics": 0.8,
    "unsourced-claim": 0.8,
    "language": 0.9,
}


def test_the_corpus_is_big_enough() -> None:
    rows = load_corpus()
    assert len(rows) >= 300
    assert sum(1 for r in rows if r["group"] == "announcement") >= 100


def test_false_alarms_on_ordinary_announcements_stay_under_five_percent(engine: Engine) -> None:
    s = score(engine)
    assert s.false_alarm_rate < 0.05, s.false_alarm_examples


def test_recall_and_precision_floors_per_category(engine: Engine) -> None:
    s = score(engine)
    for category, floor in RECALL_FLOORS.items():
        assert s.recall(category) >= floor, (category, s.missed_examples)
        assert s.precision(category) >= 0.8, (category, s.false_alarm_examples)
