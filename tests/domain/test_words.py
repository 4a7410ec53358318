"""Counting words: "1 post", "2 posts", Latvian's own rule, and quoted messages joined cleanly."""

from __future__ import annotations

import pytest

from smtool.domain.words import PluralFormatter, clause, counted, is_singular, noun
from smtool.i18n import speaking


@pytest.mark.parametrize(
    ("n", "shown"), [(0, "0 posts"), (1, "1 post"), (2, "2 posts"), (11, "11 posts"), (21, "21 posts")]
)
def test_english_counts(n: int, shown: str) -> None:
    assert counted(n, "post", "posts") == shown


def test_irregular_plurals_and_verbs() -> None:
    assert counted(2, "reply", "replies") == "2 replies"
    assert counted(1, "reply", "replies") == "1 reply"
    assert noun(1, "blocks", "block") == "blocks" and noun(3, "blocks", "block") == "block"


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0 ierakstu"),
        (1, "1 ieraksts"),
        (2, "2 ieraksti"),
        (10, "10 ierakstu"),
        (11, "11 ierakstu"),
        (21, "21 ieraksts"),
        (101, "101 ieraksts"),
        (111, "111 ierakstu"),
        (1234, "1\u00a0234 ieraksti"),
    ],
)
def test_latvian_counts_take_the_catalogs_three_forms(n: int, shown: str) -> None:
    # The catalog's Plural-Forms (CLDR's rule, from Babel) chooses: 0 and 10-20 take the genitive
    # plural, 1, 21 and 101 the singular, the rest the nominative plural; thousands are grouped.
    with speaking("lv"):
        assert counted(n, "post", "posts") == shown


def test_a_noun_the_catalog_lacks_stays_english_in_latvian() -> None:
    with speaking("lv"):
        assert counted(3, "widget", "widgets") == "3 widgets"


@pytest.mark.parametrize(("n", "one"), [(1, True), (11, False), (21, True), (111, False), (2, False)])
def test_latvian_singular_follows_cldr(n: int, one: bool) -> None:
    assert is_singular(n, "lv") is one


def test_rule_messages_agree_with_their_number() -> None:
    en, lv = PluralFormatter("en"), PluralFormatter("lv")
    assert en.fill("only {value:word|words} of text", {"value": "1"}) == "only 1 word of text"
    assert en.fill("only {value:word|words} of text", {"value": "4"}) == "only 4 words of text"
    assert en.fill("{value:word|words}", {"value": "1.50"}) == "1.50 words"
    assert lv.fill("ar {value:vārdu|vārdiem}", {"value": "21"}) == "ar 21 vārdu"
    assert lv.fill("{count:saite|saites}", {"count": 3}) == "3 saites"
    # Ordinary format specs and a value the rule did not supply still work.
    assert en.fill("{value:>3} {x:a|b}", {"value": "7", "x": ""}) == "  7 "


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("The comment was deleted.", "The comment was deleted; nothing changed"),
        ("No reason given", "No reason given; nothing changed"),
        ("Rate limited.  ", "Rate limited; nothing changed"),
    ],
)
def test_a_quoted_message_loses_its_full_stop_before_a_clause(text: str, joined: str) -> None:
    assert f"{clause(text)}; nothing changed" == joined
