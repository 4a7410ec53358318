"""The one state machine lookup that posts, publications and inbox items are bound to."""

from __future__ import annotations

from enum import StrEnum

import pytest

from smtool.domain.transitions import Transitions
from smtool.errors import InvalidTransition


class Door(StrEnum):
    OPEN = "open"
    SHUT = "shut"
    LOCKED = "locked"
    BRICKED = "bricked"


class Act(StrEnum):
    SHUT = "shut"
    OPEN = "open"
    LOCK = "lock"
    UNLOCK = "unlock"
    BRICK = "brick"


DOOR = Transitions(
    Door,
    Act,
    {
        Door.OPEN: {Act.SHUT: Door.SHUT},
        Door.SHUT: {Act.OPEN: Door.OPEN, Act.LOCK: Door.LOCKED, Act.BRICK: Door.BRICKED},
        Door.LOCKED: {Act.UNLOCK: Door.SHUT},
        Door.BRICKED: {},
    },
    refusal=lambda state, event, possible: f"a {state} door cannot {event}; possible: {possible}",
    final="nothing ever again",
)


def test_an_allowed_event_leads_where_the_table_says_and_names_are_accepted() -> None:
    assert DOOR.next_state(Door.SHUT, Act.LOCK) is Door.LOCKED
    assert DOOR.next_state("locked", "unlock") is Door.SHUT


def test_a_refusal_lists_what_is_possible_in_alphabetical_order() -> None:
    with pytest.raises(InvalidTransition) as info:
        DOOR.next_state("shut", "shut")
    assert info.value.msg == "a shut door cannot shut; possible: brick, lock, open"


def test_a_state_that_allows_nothing_is_worded_as_final() -> None:
    with pytest.raises(InvalidTransition) as info:
        DOOR.next_state("bricked", "open")
    assert info.value.msg == "a bricked door cannot open; possible: nothing ever again"


def test_a_name_that_is_no_state_or_event_is_a_value_error_not_a_refusal() -> None:
    with pytest.raises(ValueError):
        DOOR.next_state("ajar", "shut")
    with pytest.raises(ValueError):
        DOOR.next_state("open", "slam")
