"""The inbox item state machine (design.md, "Monitoring").

An item is new until someone is made responsible for it (assigned), answered once a reply is in the
outbox, and closed as resolved or spam. Closed items stay in the store: closing ends the work, never
the record. A refused event raises InvalidTransition naming what is possible instead.
"""

from __future__ import annotations

from enum import StrEnum

from smtool.domain.transitions import Transitions
from smtool.i18n import N_, _


class InboxState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"  # to one person
    ANSWERED = "answered"  # a reply is in the outbox or out
    RESOLVED = "resolved"
    SPAM = "spam"


class InboxEvent(StrEnum):
    ASSIGN = "assign"  # to one person
    ROUTE = "route"  # to a team: a person's assignment ends, the item waits for the team
    REPLY = "reply"
    RESOLVE = "resolve"
    SPAM = "spam"


OPEN_STATES = (InboxState.NEW, InboxState.ASSIGNED, InboxState.ANSWERED)
CLAIMABLE_STATES = (InboxState.ASSIGNED, InboxState.NEW)
ALL_STATES = tuple(InboxState)
# "seal_mismatch": the worker held a publication whose content is not what was approved.
FLAGS = ("question", "personal_data", "abuse", "spam", "takeover", "deleted_author", "seal_mismatch")

_OPEN = {
    InboxEvent.ASSIGN: InboxState.ASSIGNED,
    InboxEvent.REPLY: InboxState.ANSWERED,
    InboxEvent.RESOLVE: InboxState.RESOLVED,
    InboxEvent.SPAM: InboxState.SPAM,
}
_INBOX: dict[InboxState, dict[InboxEvent, InboxState]] = {
    InboxState.NEW: {**_OPEN, InboxEvent.ROUTE: InboxState.NEW},
    InboxState.ASSIGNED: {**_OPEN, InboxEvent.ROUTE: InboxState.NEW},
    InboxState.ANSWERED: {**_OPEN, InboxEvent.ROUTE: InboxState.ANSWERED},
    # A citizen may write again under a resolved item: answering it reopens the work.
    InboxState.RESOLVED: {InboxEvent.REPLY: InboxState.ANSWERED},
    # Spam is never answered, assigned or reopened; unhide and the record stay available.
    InboxState.SPAM: {},
}
_ITEMS = Transitions(
    InboxState,
    InboxEvent,
    _INBOX,
    refusal=lambda state, event, possible: _(
        "an inbox item that is {state} cannot take {event}; possible now: {possible}"
    ).format(state=state, event=event, possible=possible),
    final=N_("nothing (it is closed)"),
)


def next_inbox_state(state: InboxState | str, event: InboxEvent | str) -> InboxState:
    """The state an item moves to on `event`; raises InvalidTransition when the event is not allowed."""
    return _ITEMS.next_state(state, event)


# Higher is more urgent; claim-next takes the highest first.
PRIORITY_ALERT = 3
PRIORITY_URGENT = 2  # abuse or personal data: must not stay public for long
PRIORITY_QUESTION = 1
PRIORITY_NORMAL = 0
PRIORITIES = (PRIORITY_ALERT, PRIORITY_URGENT, PRIORITY_QUESTION, PRIORITY_NORMAL)
