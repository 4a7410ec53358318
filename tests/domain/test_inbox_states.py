"""The inbox item state machine: every event from every state, and the messages of refusals."""

from __future__ import annotations

import pytest

from smtool.domain.inbox_states import InboxEvent, InboxState, next_inbox_state
from smtool.errors import InvalidTransition

S, E = InboxState, InboxEvent

ALLOWED = {
    (S.NEW, E.ASSIGN): S.ASSIGNED,
    (S.NEW, E.ROUTE): S.NEW,
    (S.NEW, E.REPLY): S.ANSWERED,
    (S.NEW, E.RESOLVE): S.RESOLVED,
    (S.NEW, E.SPAM): S.SPAM,
    (S.ASSIGNED, E.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, E.ROUTE): S.NEW,  # the person's assignment ends; the team's queue takes it
    (S.ASSIGNED, E.REPLY): S.ANSWERED,
    (S.ASSIGNED, E.RESOLVE): S.RESOLVED,
    (S.ASSIGNED, E.SPAM): S.SPAM,
    (S.ANSWERED, E.ASSIGN): S.ASSIGNED,
    (S.ANSWERED, E.ROUTE): S.ANSWERED,
    (S.ANSWERED, E.REPLY): S.ANSWERED,
    (S.ANSWERED, E.RESOLVE): S.RESOLVED,
    (S.ANSWERED, E.SPAM): S.SPAM,
    (S.RESOLVED, E.REPLY): S.ANSWERED,
}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("event", list(E))
def test_each_event_from_each_state(state: InboxState, event: InboxEvent) -> None:
    if (state, event) in ALLOWED:
        assert next_inbox_state(state, event) == ALLOWED[(state, event)]
    else:
        with pytest.raises(InvalidTransition, match=f"is {state} cannot take {event}; possible now"):
            next_inbox_state(state, event)


def test_spam_is_final_and_says_so() -> None:
    with pytest.raises(InvalidTransition, match=r"possible now: nothing \(it is closed\)"):
        next_inbox_state("spam", "reply")


def test_a_refusal_is_worded_exactly() -> None:
    # The sentence is shown to press officers as it is; its wording is part of the interface.
    with pytest.raises(InvalidTransition) as info:
        next_inbox_state("resolved", "assign")
    assert info.value.msg == "an inbox item that is resolved cannot take assign; possible now: reply"


def test_an_unknown_state_or_event_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        next_inbox_state("closed", "reply")
    with pytest.raises(ValueError):
        next_inbox_state("new", "archive")
