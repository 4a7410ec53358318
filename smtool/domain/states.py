"""The post and publication state machines (design.md, "The flows").

A refused transition raises InvalidTransition naming the state, the attempted event and what is
possible instead, so a person knows what to do next.
"""

from __future__ import annotations

from enum import StrEnum

from smtool.domain.transitions import Transitions
from smtool.i18n import N_, _


class PostState(StrEnum):
    DRAFT = "draft"
    CHECKED = "checked"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class PostEvent(StrEnum):
    EDIT = "edit"
    CHECK = "check"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    COMPLETE = "complete"  # every publication of the approval reached the platform
    REAPPROVE = "reapprove"  # a publication expired: the post needs approval again


_POST: dict[PostState, dict[PostEvent, PostState]] = {
    PostState.DRAFT: {
        PostEvent.EDIT: PostState.DRAFT,
        PostEvent.CHECK: PostState.CHECKED,
        PostEvent.WITHDRAW: PostState.WITHDRAWN,
    },
    PostState.CHECKED: {
        PostEvent.EDIT: PostState.DRAFT,
        PostEvent.CHECK: PostState.CHECKED,
        PostEvent.SUBMIT: PostState.SUBMITTED,
        PostEvent.WITHDRAW: PostState.WITHDRAWN,
    },
    PostState.SUBMITTED: {
        PostEvent.EDIT: PostState.DRAFT,
        PostEvent.APPROVE: PostState.APPROVED,
        PostEvent.REJECT: PostState.REJECTED,
        PostEvent.WITHDRAW: PostState.WITHDRAWN,
    },
    PostState.REJECTED: {
        PostEvent.EDIT: PostState.DRAFT,
        PostEvent.WITHDRAW: PostState.WITHDRAWN,
    },
    PostState.APPROVED: {
        # An edit voids the approval: the text that was signed off is no longer the text.
        PostEvent.EDIT: PostState.DRAFT,
        PostEvent.WITHDRAW: PostState.WITHDRAWN,
        PostEvent.COMPLETE: PostState.PUBLISHED,
        PostEvent.REAPPROVE: PostState.SUBMITTED,
    },
    PostState.PUBLISHED: {},
    PostState.WITHDRAWN: {},
}
_POSTS = Transitions(
    PostState,
    PostEvent,
    _POST,
    refusal=lambda state, event, possible: _(
        "a post that is {state} cannot {done}; possible now: {possible}"
    ).format(state=state, done=_(_past(event)), possible=possible),
    final=N_("nothing (final state)"),
)


class PublicationState(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    SENDING = "sending"
    PUBLISHED = "published"
    NEEDS_REAUTH = "needs_reauth"
    UNKNOWN = "unknown"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    HELD = "held"  # its seal did not match what the worker was about to send: never sent


P = PublicationState
_PUBLICATION: dict[PublicationState, frozenset[PublicationState]] = {
    P.SCHEDULED: frozenset({P.CLAIMED, P.CANCELLED, P.EXPIRED}),
    # A claim returns to scheduled when its lease runs out before sending began.
    P.CLAIMED: frozenset({P.SENDING, P.SCHEDULED, P.CANCELLED, P.EXPIRED, P.HELD}),
    # From sending: rate limit or a failure before the request left -> scheduled (retry_at).
    P.SENDING: frozenset({P.PUBLISHED, P.SCHEDULED, P.NEEDS_REAUTH, P.UNKNOWN, P.FAILED, P.EXPIRED}),
    P.NEEDS_REAUTH: frozenset({P.SCHEDULED, P.CANCELLED, P.EXPIRED}),
    # Unknown is settled only by reading the account's own posts, never by a blind resend.
    P.UNKNOWN: frozenset({P.PUBLISHED, P.SCHEDULED, P.FAILED, P.CANCELLED}),
    P.FAILED: frozenset({P.SCHEDULED, P.CANCELLED}),
    P.EXPIRED: frozenset({P.CANCELLED}),
    # Held rows never go out: what a person approved is not what the row holds. Withdrawing or
    # editing the post cancels them; the post goes out again only through a new approval, which
    # writes new, newly sealed rows.
    P.HELD: frozenset({P.CANCELLED}),
    P.PUBLISHED: frozenset(),
    P.CANCELLED: frozenset(),
}
# A publication is moved to a state, not by a named event: the target state is the event.
_PUBLICATIONS = Transitions(
    PublicationState,
    PublicationState,
    {state: {target: target for target in targets} for state, targets in _PUBLICATION.items()},
    refusal=lambda state, target, possible: _(
        "a publication that is {state} cannot become {target}; possible: {possible}"
    ).format(state=state, target=target, possible=possible),
    final=N_("nothing (final state)"),
)

# States in which a publication may still reach the platform later; editing or withdrawing a post
# cancels these (and `held`, which never goes out but waits for that decision). `sending` and
# `unknown` are absent: the request may already be out.
PENDING_PUBLICATION_STATES = frozenset({P.SCHEDULED, P.CLAIMED, P.NEEDS_REAUTH, P.FAILED, P.HELD})
# States a person must look at.
ATTENTION_PUBLICATION_STATES = frozenset({P.NEEDS_REAUTH, P.UNKNOWN, P.FAILED, P.EXPIRED, P.HELD})


def next_post_state(state: PostState | str, event: PostEvent | str) -> PostState:
    """The state a post moves to on `event`; raises InvalidTransition when the event is not allowed."""
    return _POSTS.next_state(state, event)


def check_publication_transition(
    state: PublicationState | str, target: PublicationState | str
) -> PublicationState:
    """Validate a publication state change; raises InvalidTransition when it is not allowed."""
    return _PUBLICATIONS.next_state(state, target)


def publication_targets(state: PublicationState | str) -> frozenset[PublicationState]:
    return _PUBLICATION[PublicationState(state)]


def _past(event: PostEvent) -> str:
    """What the event would have done to the post, marked for translation (the caller translates)."""
    return {
        # "be ..." keeps these apart from the same participles shown as a state elsewhere.
        PostEvent.EDIT: N_("be edited"),
        PostEvent.CHECK: N_("be checked"),
        PostEvent.SUBMIT: N_("be submitted"),
        PostEvent.APPROVE: N_("be approved"),
        PostEvent.REJECT: N_("be rejected"),
        PostEvent.WITHDRAW: N_("be withdrawn"),
        PostEvent.COMPLETE: N_("be marked published"),
        PostEvent.REAPPROVE: N_("be sent back for approval"),
    }[event]
