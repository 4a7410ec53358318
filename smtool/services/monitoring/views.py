"""Inbox items as people and scripts read them: the queue, the TUI, `inbox --json` and the archive.

The keys and their order are a contract (`inbox list --json`, `inbox show --json`, archive records);
mypy holds every producer and reader to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from smtool.domain.working_time import ResponseTimesView
from smtool.services.text import item_field, item_text

# Types only: `inbox list` builds its views from Core rows (store.read_tables), without the ORM.
if TYPE_CHECKING:
    from sqlalchemy import Row

    from smtool.store.tables import InboxItem, ReplyProposal


class InboxItemView(TypedDict):
    """One inbox item; times are ISO 8601 in UTC, texts exactly as the platform sent them."""

    id: int
    platform: str
    account: str
    kind: str
    remote_id: str
    author: str | None
    author_name: str | None
    author_handle: str | None
    author_id: str | None
    text: str
    state: str
    flags: list[str]
    priority: int
    team: str | None
    assigned_to: str | None
    claimed_by: str | None
    lease_until: str | None
    hidden: bool
    hidden_reason: str | None
    parent_remote_id: str | None
    thread_remote_id: str | None
    created_at: str
    response_due_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    version: int


class ReplyView(TypedDict):
    """A reply the institution sent (or is sending) to the item, through the outbox."""

    publication: int
    state: str
    text: str
    remote_id: str | None


class ProposalView(TypedDict):
    """A reply someone proposed and a person allowed to reply decides on (services.monitoring.proposals).

    `content_hash` is what the approver names (`inbox approve-reply ITEM --hash H`): the exact text.
    """

    id: int
    item: int
    account: str
    author: str
    text: str
    content_hash: str
    findings: list[str]
    state: str
    created_at: str
    decided_by: str | None
    decided_at: str | None
    comment: str | None
    publication: int | None


def proposal_view(row: ReplyProposal) -> ProposalView:
    return {
        "id": row.id or 0,
        "item": row.item_id,
        "account": row.account_id,
        "author": row.author,
        "text": row.text,
        "content_hash": row.content_hash,
        "findings": list(row.findings),
        "state": row.state,
        "created_at": row.created_at.isoformat(),
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "comment": row.comment,
        "publication": row.publication_id,
    }


class InboxItemDetail(InboxItemView):
    """`inbox show`: the item with its raw payload, moderation actions, replies and response times."""

    raw: dict[str, Any]
    # Each action: at, actor, action, reason, then what that action records (target, publication, ...).
    actions: list[dict[str, Any]]
    replies: list[ReplyView]
    response_times: ResponseTimesView
    proposals: list[ProposalView]  # replies proposed for approval, oldest first


def item_view(item: InboxItem | Row[Any]) -> InboxItemView:
    """The shape scripts rely on (inbox list/show --json)."""
    name, handle = item_field(item, item.author_name), item_field(item, item.author_handle)
    return {
        "id": item.id or 0,
        "platform": item.platform,
        "account": item.account_id,
        "kind": item.kind,
        "remote_id": item.remote_id,
        "author": handle or name,
        "author_name": name,
        "author_handle": handle,
        "author_id": item.author_id,
        "text": item_text(item),
        "state": item.state,
        "flags": list(item.flags),
        "priority": item.priority,
        "team": item.team,
        "assigned_to": item.assigned_to,
        "claimed_by": item.claimed_by,
        "lease_until": item.lease_until.isoformat() if item.lease_until else None,
        "hidden": item.hidden,
        "hidden_reason": item.hidden_reason,
        "parent_remote_id": item.parent_remote_id,
        "thread_remote_id": item.thread_remote_id,
        "created_at": item.created_at.isoformat(),
        "response_due_at": item.response_due_at.isoformat() if item.response_due_at else None,
        "first_response_at": item.first_response_at.isoformat() if item.first_response_at else None,
        "resolved_at": item.resolved_at.isoformat() if item.resolved_at else None,
        "version": item.version,
    }
