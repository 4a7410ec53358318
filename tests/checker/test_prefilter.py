"""The shortcuts behind the checker's speed find exactly what a full scan of every rule's expression finds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtool.checker import Engine
from smtool.checker.rules import Matcher, matchers_of
from smtool.checker.text import Doc

from .corpus_eval import load_corpus


def _matchers(engine: Engine) -> list[Matcher]:
    return [m for m in matchers_of(engine.rules) if m.regex is not None]


def _differences(engine: Engine, text: str) -> list[tuple[str, list[tuple[int, int]], list[tuple[int, int]]]]:
    doc = Doc(text)
    out = []
    for m in _matchers(engine):
        assert m.regex is not None
        target = doc.text if m.unmasked else doc.masked
        full = [x.span() for x in m.regex.finditer(target)]
        # What find() scans: nothing when the pack's gate leaves the matcher closed.
        fast = [x.span() for x in m._scan(doc, target)] if m.may_match(doc) else []
        if fast != full:
            out.append((m.name, full, fast))
    return out


def test_every_matcher_finds_what_a_full_scan_finds_on_the_corpus(engine: Engine) -> None:
    rows = load_corpus()
    texts = [str(r["text"]) for r in rows]
    # Posts run together, as people paste them: matches across the seams must not be lost either.
    texts += [" ".join(texts[i : i + 3]) for i in range(0, len(texts), 3)]
    for text in texts:
        assert _differences(engine, text) == [], text


# Pieces the rules look for, to be glued into texts that come close to matching.
_PIECES = [
    "Es", "es", "ES", "I", "uzskatu", "runāju", "apmeklēju", "darīšu", "mani", "my", "us", "Us", "mēs",
    "ministrija", "ministrijas", "likumu", "reformas", "ZZS", "NA", "partija", "!!!", "?!", "100 %",
    "45%", "procentiem", "pēc CSP datiem", "Nr. 12", "5. pants", "67082800", "+371 29 123 456",
    "a@b.lv", "#drošība", "https://vk.gov.lv/a", "@VK", "„Es domāju”", "Jānis Bērziņš", "J. Bērziņš",
    "ĻOTI SVARĪGI ZIŅOJUMS", "saskaņā ar", "idioti", "\u0130", "ſ", "ﬁ", "Σ", "\u0345",
]  # fmt: skip
_SEPARATORS = [" ", "", ". ", ", ", "\n", "-", "'", "’", "“", "1", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.sampled_from(_SEPARATORS) | st.text(max_size=4), max_size=14))
def test_every_matcher_finds_what_a_full_scan_finds_on_generated_text(
    engine: Engine, parts: list[str]
) -> None:
    text = "".join(parts)
    assert _differences(engine, text) == []


@pytest.mark.parametrize("text", ["", " ", "\u0345es", "İstanbul es", "ſes uzskatu", "MINISTRIJA es"])
def test_odd_case_folding_is_scanned_exactly(engine: Engine, text: str) -> None:
    assert _differences(engine, text) == []


def test_the_gate_skips_matchers_without_a_word_or_literal_in_the_text(engine: Engine) -> None:
    # Without this the gate could open every matcher and the equivalence above would still hold.
    doc = Doc("Labdien, Jelgava.")
    gated = [m for m in _matchers(engine) if m.gate is not None]
    closed = [m for m in gated if not m.may_match(doc)]
    assert gated and len(closed) > len(gated) / 2
    assert all(
        m.may_match(Doc("Es uzskatu, ka ministrija ir 100 % gatava."))
        for m in gated
        if m.name == "first-person"
    )
