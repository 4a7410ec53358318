"""A finding as JSON: the output contract `smtool check --format json` and the services print."""

from __future__ import annotations

from dataclasses import asdict

from smtool.checker import Finding

# In the order they are printed: scripts and people diffing the output rely on it.
FINDING_KEYS = [
    "rule",
    "category",
    "level",
    "message",
    "start",
    "end",
    "line",
    "col",
    "match",
    "suggestion",
    "source",
    "replacement",
    "waived",
    "waiver_reason",
]


def test_a_finding_as_json_has_every_field_in_the_contract_order_with_its_value() -> None:
    finding = Finding(
        rule="plain-language.officialese",
        category="plain-language",
        level="suggestion",
        message="Kancelejas valoda",
        start=7,
        end=16,
        line=1,
        col=8,
        match="sakarā ar",
        suggestion="dēļ",
        source="https://example.gov.lv/vadlinijas",
        replacement="dēļ",
    ).waive("Citāts")
    shown = finding.to_dict()
    assert list(shown) == FINDING_KEYS
    # Every field with its value: a field added to Finding but not to the JSON would be lost.
    assert shown == asdict(finding)
    assert (shown["waived"], shown["waiver_reason"]) == (True, "Citāts")
