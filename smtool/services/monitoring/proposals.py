"""Proposed replies: a public answer someone may write but not send, until a person the account's
settings allow (reply_roles, or a spokesperson) lets that exact text out (issue 15, item 7).

A specialist answers the items routed to them, but the institution speaks publicly only through the
people an account names. So their answer is stored as a proposal, checked like a reply (the same
blocking rules, again at approval, then in the approver's name). The approver names the proposal's
content hash, the SHA-256 of the text they read: a text changed since (a new proposal supersedes
the waiting one; there is no editing in place) or altered in the database is refused, never sent.
An approval goes out through the one outbox writer (queue.send_reply -> publishing.replies
.queue_reply) in the approver's name; the proposal's author is kept in the moderation record and the
audit payload. Deciding is a guarded UPDATE (state proposed -> approved/rejected), so two approvers
acting at once send the reply exactly once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from smtool.errors import Conflict, NotFound, PermissionDenied, SmtoolError, UsageError
from smtool.i18n import N_, _
from smtool.services.citizen_data import reader, record_read
from smtool.services.context import Context
from smtool.services.monitoring.queue import (
    _check_version,
    _person,
    _record,
    answerable,
    reply_checks,
    require_reply_right,
    send_reply,
)
from smtool.services.monitoring.queue_pages import load_item
from smtool.services.monitoring.views import ProposalView, proposal_view
from smtool.services.publishing.checks import HashedFinding
from smtool.services.refusals import audits_refusals
from smtool.store.tables import InboxItem, ReplyProposal


class NotTheTextRead(SmtoolError):
    """The approver named a text that is not the one waiting (replaced since, or altered): refused."""

    default_title = N_("Not the text you read")


PROPOSED, APPROVED, REJECTED, SUPERSEDED = "proposed", "approved", "rejected", "superseded"
# How much of a content hash people see and must type at least (64 hex digits in full).
SHORT_HASH = 16
MIN_HASH = 12


def text_hash(text: str) -> str:
    """The content hash a proposal is approved by: SHA-256 of the exact text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _checker_hash(findings: list[HashedFinding]) -> str:
    keys = sorted((f["rule"], f["level"], f["match_hash"]) for f in findings)
    return hashlib.sha256(json.dumps(keys).encode("utf-8")).hexdigest()


def _waiting(session: Session, item_id: int) -> ReplyProposal | None:
    return session.exec(
        select(ReplyProposal)
        .where(ReplyProposal.item_id == item_id, ReplyProposal.state == PROPOSED)
        .order_by(col(ReplyProposal.id).desc())
    ).first()


@audits_refusals("inbox.propose")
def propose(
    ctx: Context, actor: str, item_id: int, reply_text: str, expected_version: int | None = None
) -> ProposalView:
    """Store a reply for approval; anyone who may answer the item may. A proposal already waiting on
    the item is superseded (a changed text is a new proposal). Raises PermissionDenied, NotFound,
    Conflict, UsageError (as a reply: empty, too long, a blocking checker finding, closed item)."""
    person = _person(ctx, actor)
    now = ctx.clock()
    with ctx.db.write() as session:
        item = answerable(session, person, item_id, expected_version, now)
        findings = reply_checks(ctx, session, item, actor, reply_text)
        earlier = _waiting(session, item_id)
        proposal = ReplyProposal(
            item_id=item_id,
            account_id=item.account_id,
            author=actor,
            text=reply_text,
            content_hash=text_hash(reply_text),
            findings=[f["rule"] for f in findings],
            checker_hash=_checker_hash(findings),
            created_at=now,
        )
        session.add(proposal)
        session.flush()
        assert proposal.id is not None
        if earlier is not None:
            _decide(
                session,
                earlier,
                SUPERSEDED,
                actor,
                now,
                _("replaced by proposal {proposal}").format(proposal=proposal.id),
            )
        _record(
            session,
            item_id,
            actor,
            "propose_reply",
            proposal=proposal.id,
            content_hash=proposal.content_hash,
            text=reply_text,
            findings=proposal.findings,
            supersedes=earlier.id if earlier else None,
        )
        return proposal_view(proposal)


@audits_refusals("inbox.approve_reply")
def approve(
    ctx: Context, actor: str, item_id: int, content_hash: str, expected_version: int | None = None
) -> int:
    """Send the reply waiting on the item, exactly the text whose hash the approver names; returns
    the publication id. Raises PermissionDenied (not allowed to reply on the account), NotFound,
    Conflict (decided by someone else first), NotFound (no proposal waiting), NotTheTextRead (a
    hash that is not the waiting text's), UsageError (a blocking checker finding)."""
    person = _person(ctx, actor)
    now = ctx.clock()
    with ctx.db.write() as session:
        item = load_item(session, item_id)
        require_reply_right(ctx, person, item.account_id)
        proposal = _named(session, item, content_hash)
        _check_version(item, expected_version)
        # Checked again, as the approver now speaks: the rules or the item may have changed.
        findings = reply_checks(ctx, session, item, actor, proposal.text)
        _decide(session, proposal, APPROVED, actor, now, f"approved; proposed by {proposal.author}")
        publication = send_reply(
            ctx,
            session,
            item,
            actor,
            proposal.text,
            findings,
            proposal=proposal.id,
            proposed_by=proposal.author,
        )
        session.execute(
            update(ReplyProposal)
            .where(col(ReplyProposal.id) == proposal.id)
            .values(publication_id=publication)
        )
        _record(
            session,
            item_id,
            actor,
            "approve_reply",
            proposal=proposal.id,
            proposed_by=proposal.author,
            content_hash=proposal.content_hash,
            publication=publication,
        )
        return publication


@audits_refusals("inbox.reject_reply")
def reject(ctx: Context, actor: str, item_id: int, reason: str) -> ProposalView:
    """Refuse the reply waiting on the item, with a reason its author reads; it never goes out.
    Raises PermissionDenied, NotFound (no item, no proposal), Conflict, UsageError (no reason)."""
    if not reason.strip():
        raise UsageError(_("say why the reply is rejected: --reason TEXT (its author reads it)"))
    person = _person(ctx, actor)
    now = ctx.clock()
    with ctx.db.write() as session:
        item = load_item(session, item_id)
        require_reply_right(ctx, person, item.account_id)
        proposal = _waiting(session, item_id)
        if proposal is None:
            raise NotFound(_("no proposed reply is waiting on inbox item {item}").format(item=item_id))
        _decide(session, proposal, REJECTED, actor, now, reason.strip())
        _record(
            session,
            item_id,
            actor,
            "reject_reply",
            reason.strip(),
            proposal=proposal.id,
            proposed_by=proposal.author,
        )
        session.refresh(proposal)
        return proposal_view(proposal)


@audits_refusals("inbox.proposals")
def waiting_proposals(ctx: Context, actor: str, *, record: bool = True) -> list[ProposalView]:
    """The proposals waiting that `actor` may decide (accounts whose reply_roles allow them) and
    their own, oldest first; audited as a read of citizens' data. Raises PermissionDenied."""
    reader(ctx, actor)
    decides: dict[str, bool] = {}
    with ctx.db.read() as session:
        rows = session.exec(
            select(ReplyProposal).where(ReplyProposal.state == PROPOSED).order_by(col(ReplyProposal.id))
        ).all()
        shown = []
        for row in rows:
            if row.account_id not in decides:
                decides[row.account_id] = may_decide(ctx, actor, row.account_id)
            if decides[row.account_id] or row.author == actor:
                shown.append(proposal_view(row))
    if record:
        items = [p["item"] for p in shown]
        record_read(ctx, actor, "inbox.proposals", {"state": PROPOSED}, len(shown), items)
    return shown


def may_decide(ctx: Context, name: str, account_id: str) -> bool:
    """Whether `name` may reply on the account, and so approve or reject proposals there."""
    try:
        require_reply_right(ctx, _person(ctx, name), account_id)
    except PermissionDenied:
        return False
    return True


def _named(session: Session, item: InboxItem, given: str) -> ReplyProposal:
    """The waiting proposal, if `given` names its exact text; else NotTheTextRead saying what changed."""
    given = given.strip().lower()
    if len(given) < MIN_HASH:
        raise UsageError(
            _(
                "give at least {length} characters of the proposal's hash (inbox show {item} prints it)"
            ).format(length=MIN_HASH, item=item.id)
        )
    proposal = _waiting(session, item.id or 0)
    if proposal is None:
        raise NotFound(_("no proposed reply is waiting on inbox item {item}").format(item=item.id))
    if not proposal.content_hash.startswith(given):
        raise NotTheTextRead(
            _(
                "the reply waiting on inbox item {item} is not the text you read (hash {given} given; "
                "proposal {proposal} by {author} has {hash}): read it again with `smtool inbox show {item}` "
                "and approve that text"
            ).format(
                item=item.id,
                given=given,
                proposal=proposal.id,
                author=proposal.author,
                hash=proposal.content_hash[:SHORT_HASH],
            )
        )
    if text_hash(proposal.text) != proposal.content_hash:
        # Someone changed the text behind smtool: what the approver read is not what would go out.
        raise NotTheTextRead(
            _(
                "proposal {proposal} on inbox item {item} no longer matches its hash (its text was "
                "changed outside smtool); it cannot be approved, ask its author to propose it again"
            ).format(proposal=proposal.id, item=item.id)
        )
    return proposal


def _decide(
    session: Session, proposal: ReplyProposal, state: str, actor: str, now: datetime, comment: str
) -> None:
    """proposed -> state, guarded: zero rows means someone else decided first (Conflict)."""
    result = session.execute(
        update(ReplyProposal)
        .where(col(ReplyProposal.id) == proposal.id, col(ReplyProposal.state) == PROPOSED)
        .values(state=state, decided_by=actor, decided_at=now, comment=comment)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict(
            _(
                "proposal {proposal} on inbox item {item} was decided by someone else just now; "
                "look at it again with `smtool inbox show {item}`"
            ).format(proposal=proposal.id, item=proposal.item_id)
        )
