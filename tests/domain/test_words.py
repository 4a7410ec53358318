"""Counting words: "1 post", "2 posts", Latvian's own rule, and quoted messages joined cleanly."""

from __future__ import annotations

import pytest

from smtool.domain.words import PluralFormatter, clause, counted, noun


@pytest.mark.parametrize(
    ("n", "shown"), [(0, "0 posts"), (1, "1 post"), (2, "2 posts"), (11, "11 posts"), (21, "21 posts")]
)
def test_english_counts(n: int, shown: str) -> None:
    assert counted(n, "post") == shown


def test_irregular_plurals_and_verbs() -> None:
    assert counted(2, "reply", "replies") == "2 replies"
    assert counted(1, "reply", "replies") == "1 reply"
    assert noun(1, "blocks", "block") == "blocks" and noun(3, "blocks", "block") == "block"


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (1, "1 vārds"),
        (2, "2 vārdi"),
        (11, "11 vārdi"),
        (21, "21 vārds"),
        (101, "101 vārds"),
        (111, "111 vārdi"),
    ],
)
def test_latvian_counts_follow_the_last_digits(n: int, shown: str) -> None:
    assert counted(n, "vārds", "vārdi", lang="lv") == shown


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
