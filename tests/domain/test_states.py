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
