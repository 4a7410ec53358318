"""collapse_spaces: the one way text is compared or shown with its spacing ignored."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtool.domain.text import collapse_spaces


@pytest.mark.parametrize(
    ("text", "collapsed"),
    [
        ("  Ūdens   piegāde\tatjaunota \n", "Ūdens piegāde atjaunota"),
        ("line one\r\nline two\n\nline three", "line one line two line three"),
        ("12\u00a0000\u00a0EUR", "12 000 EUR"),  # no-break space, as a word processor pastes it
        ("«\u202fBonjour\u202f»", "« Bonjour »"),  # narrow no-break space, French typography
        ("Rīga\u3000\u2003Jūrmala\u2028Liepāja\u0085Ogre", "Rīga Jūrmala Liepāja Ogre"),
        ("", ""),
        (" \t\n\u00a0 ", ""),
    ],
)
def test_every_run_of_whitespace_becomes_one_space_and_the_ends_go(text: str, collapsed: str) -> None:
    assert collapse_spaces(text) == collapsed


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_are_not_whitespace_and_stay(invisible: str) -> None:
    # Two texts that differ by a hidden character are different texts (outbox, ingest compare them).
    assert collapse_spaces(f"pay{invisible}here") == f"pay{invisible}here"
    assert collapse_spaces(f"a  {invisible}  b") == f"a {invisible} b"
    assert collapse_spaces(f"pay{invisible}here") != collapse_spaces("pay here")


@given(st.text())
def test_the_result_has_single_spaces_only_and_collapsing_again_changes_nothing(text: str) -> None:
    collapsed = collapse_spaces(text)
    assert collapsed == collapsed.strip()
    assert "  " not in collapsed
    assert all(ch == " " or not ch.isspace() for ch in collapsed)
    assert collapse_spaces(collapsed) == collapsed
    assert collapsed.replace(" ", "") == "".join(ch for ch in text if not ch.isspace())
