from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtool.domain.states import (
    PENDING_PUBLICATION_STATES,
    PostEvent,
    PostState,
    PublicationState,
    check_publication_transition,
    next_post_state,
    publication_targets,
)
from smtool.errors import InvalidTransition


def test_happy_path_of_a_post() -> None:
    state = PostState.DRAFT
    for event in ("check", "submit", "approve", "complete"):
        state = next_post_state(state, event)
    assert state is PostState.PUBLISHED


def test_editing_an_approved_post_voids_the_approval() -> None:
    assert next_post_state("approved", "edit") is PostState.DRAFT


def test_a_draft_cannot_be_approved_and_the_message_says_what_is_possible() -> None:
    with pytest.raises(InvalidTransition) as info:
        next_post_state("draft", "approve")
    assert "draft" in info.value.msg
    assert "check" in info.value.msg and "withdraw" in info.value.msg


def test_a_published_post_is_final() -> None:
    with pytest.raises(InvalidTransition, match="final state"):
        next_post_state("published", "edit")


@given(st.lists(st.sampled_from(list(PostEvent)), max_size=30))
def test_any_event_sequence_either_moves_or_is_refused_cleanly(events: list[PostEvent]) -> None:
    state = PostState.DRAFT
    for event in events:
        try:
            state = next_post_state(state, event)
        except InvalidTransition:
            continue
        assert isinstance(state, PostState)


def test_publication_cannot_be_published_without_sending() -> None:
    with pytest.raises(InvalidTransition):
        check_publication_transition("scheduled", "published")
    with pytest.raises(InvalidTransition):
        check_publication_transition("claimed", "published")
    assert check_publication_transition("sending", "published") is PublicationState.PUBLISHED


def test_unknown_is_never_silently_rescheduled_from_claimed() -> None:
    # `unknown` only arises after the request may have left: from sending, never from a claim.
    assert PublicationState.UNKNOWN not in publication_targets("claimed")
    assert PublicationState.UNKNOWN in publication_targets("sending")


def test_published_and_cancelled_are_final() -> None:
    assert publication_targets("published") == frozenset()
    assert publication_targets("cancelled") == frozenset()


def test_sending_and_unknown_are_not_cancellable_by_an_edit() -> None:
    # The request may already be out, so an edit must not pretend it can stop them.
    assert PublicationState.SENDING not in PENDING_PUBLICATION_STATES
    assert PublicationState.UNKNOWN not in PENDING_PUBLICATION_STATES


@pytest.mark.parametrize(
    ("state", "event", "message"),
    [
        ("draft", "approve", "a post that is draft cannot be approved; possible now: check, edit, withdraw"),
        (
            "approved",
            "check",
            "a post that is approved cannot be checked; possible now: complete, edit, reapprove, withdraw",
        ),
        (
            "rejected",
            "reapprove",
            "a post that is rejected cannot be sent back for approval; possible now: edit, withdraw",
        ),
        (
            "submitted",
            "complete",
            "a post that is submitted cannot be marked published; possible now: "
            "approve, edit, reject, withdraw",
        ),
        (
            "withdrawn",
            "edit",
            "a post that is withdrawn cannot be edited; possible now: nothing (final state)",
        ),
    ],
)
def test_a_refused_post_event_says_exactly_what_is_possible(state: str, event: str, message: str) -> None:
    # These sentences reach people through the CLI and the TUI; their wording is the interface.
    with pytest.raises(InvalidTransition) as info:
        next_post_state(state, event)
    assert info.value.msg == message


@pytest.mark.parametrize(
    ("state", "target", "message"),
    [
        (
            "scheduled",
            "published",
            "a publication that is scheduled cannot become published; possible: cancelled, claimed, expired",
        ),
        (
            "expired",
            "scheduled",
            "a publication that is expired cannot become scheduled; possible: cancelled",
        ),
        (
            "cancelled",
            "scheduled",
            "a publication that is cancelled cannot become scheduled; possible: nothing (final state)",
        ),
    ],
)
def test_a_refused_publication_change_says_exactly_what_is_possible(
    state: str, target: str, message: str
) -> None:
    with pytest.raises(InvalidTransition) as info:
        check_publication_transition(state, target)
    assert info.value.msg == message


def test_every_allowed_publication_change_is_accepted() -> None:
    for state in PublicationState:
        for target in publication_targets(state):
            assert check_publication_transition(state, target) is target


def test_a_state_or_event_that_does_not_exist_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        next_post_state("lost", "edit")
    with pytest.raises(ValueError):
        next_post_state("draft", "publish")
    with pytest.raises(ValueError):
        check_publication_transition("scheduled", "sent")
