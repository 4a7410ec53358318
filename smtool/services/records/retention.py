"""Retention and legal holds: records are deleted only when their retention has ended and no hold keeps them.

[retention] in config.toml gives days per record kind; unset keeps that kind for ever (the default).
`purge` deletes, in batches, only records past their retention that are settled (a post with nothing
left to publish, an inbox item resolved or marked spam, with no moderation action younger than its
retention, and not the item a kept reply answers) and not under a legal hold. A hold covers one
post, one inbox item (and the institution's reply to it), everything of one account, or all
records; it is placed and lifted by an admin with a reason, and both are audited, as is every
deleted batch (with the ids). The audit log itself is never purged: its hash chain is the proof.
Each batch re-reads the holds inside its transaction (on PostgreSQL with the holds table locked
against new holds), so a hold placed during a purge protects whatever was not yet deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, text
from sqlmodel import Session, col, select

from smtool.domain.roles import Action, require
from smtool.errors import NotFound, UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.people import user_roles
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import (
    Account,
    Approval,
    InboxItem,
    LegalHold,
    MetricSnapshot,
    ModerationAction,
    Post,
    PostTarget,
    Publication,
    ReplyProposal,
    Waiver,
)

SCOPES = ("post", "inbox_item", "account", "all")
ALL = "*"
BATCH = 500
# A post whose publications are all in these states has nothing left to publish or settle.
_SETTLED = ("published", "cancelled", "expired", "failed")
_CLOSED_ITEMS = ("resolved", "spam")


@dataclass(frozen=True)
class HoldView:
    id: int
    scope: str
    subject_id: str
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None


@dataclass
class PurgeReport:
    dry_run: bool
    deleted: dict[str, int] = field(
        default_factory=lambda: {"post": 0, "inbox_item": 0, "metric_snapshot": 0}
    )


@audits_refusals("retention.hold")
def place_hold(ctx: Context, actor: str, scope: str, subject_id: str, reason: str) -> int:
    """Place a legal hold; returns its id. Raises PermissionDenied, UsageError, NotFound."""
    require(actor, user_roles(ctx.settings, actor), Action.MANAGE)
    if scope not in SCOPES:
        raise UsageError(
            _("a hold covers one of: {scopes}; not {scope}").format(
                scopes=", ".join(SCOPES), scope=repr(scope)
            )
        )
    if not reason.strip():
        raise UsageError(_("say why the records are held (--reason TEXT), e.g. the case or request number"))
    subject = ALL if scope == "all" else subject_id
    with ctx.db.write() as session:
        _require_subject(session, scope, subject)
        hold = LegalHold(scope=scope, subject_id=subject, reason=reason, placed_by=actor)
        session.add(hold)
        session.flush()
        assert hold.id is not None
        audit.append(
            session,
            actor=actor,
            action="retention.hold",
            subject_type="legal_hold",
            subject_id=hold.id,
            payload={"scope": scope, "subject_id": subject, "reason": reason},
        )
        return hold.id


@audits_refusals("retention.lift")
def lift_hold(ctx: Context, actor: str, hold_id: int, reason: str) -> None:
    """Lift a hold (it stays on record). Raises PermissionDenied, UsageError, NotFound."""
    require(actor, user_roles(ctx.settings, actor), Action.MANAGE)
    if not reason.strip():
        raise UsageError(_("say why the hold is lifted (--reason TEXT)"))
    with ctx.db.write() as session:
        hold = session.get(LegalHold, hold_id)
        if hold is None or hold.lifted_at is not None:
            raise NotFound(
                _("no active legal hold {hold}; see `smtool retention holds`").format(hold=hold_id)
            )
        hold.lifted_by, hold.lifted_at = actor, ctx.clock()
        session.add(hold)
        audit.append(
            session,
            actor=actor,
            action="retention.lift",
            subject_type="legal_hold",
            subject_id=hold_id,
            payload={"scope": hold.scope, "subject_id": hold.subject_id, "reason": reason},
        )


def list_holds(ctx: Context, *, include_lifted: bool = False) -> list[HoldView]:
    with ctx.db.read() as session:
        query = select(LegalHold).order_by(col(LegalHold.id))
        if not include_lifted:
            query = query.where(col(LegalHold.lifted_at).is_(None))
        return [
            HoldView(
                h.id or 0, h.scope, h.subject_id, h.reason, h.placed_by, h.placed_at, h.lifted_by, h.lifted_at
            )
            for h in session.exec(query)
        ]


@audits_refusals("retention.purge")
def purge(ctx: Context, actor: str, *, dry_run: bool = False) -> PurgeReport:
    """Delete what is past its retention and not held; with `dry_run` only count it.

    Raises PermissionDenied for anyone but an admin.
    """
    require(actor, user_roles(ctx.settings, actor), Action.MANAGE)
    report = PurgeReport(dry_run)
    days = ctx.settings.retention
    now = ctx.clock()
    kinds = (
        ("post", days.posts_days, _post_batch, _delete_posts),
        ("inbox_item", days.inbox_items_days, _item_batch, _delete_items),
        ("metric_snapshot", days.metric_snapshots_days, _snapshot_batch, _delete_snapshots),
    )
    for kind, kept_days, batch, remove in kinds:
        if kept_days is None:
            continue  # kept for ever
        cutoff = now - timedelta(days=kept_days)
        after = 0
        while True:
            with ctx.db.write() as session:
                holds = _Holds.read(session)
                ids = [] if holds.everything else batch(session, cutoff, holds, after)
                if not ids:
                    break
                after = ids[-1]
                report.deleted[kind] += len(ids)
                if dry_run:
                    continue
                remove(session, ids)
                audit.append(
                    session,
                    actor=actor,
                    action="retention.purge",
                    subject_type=kind,
                    subject_id=f"{ids[0]}-{ids[-1]}",
                    payload={"ids": ids, "retention_days": kept_days, "cutoff": cutoff.isoformat()},
                )
    return report


# A sentence per scope: the noun's form and gender differ in Latvian.
_NOT_A_NUMBER = {
    "post": N_("a post id is a number, not {subject}"),
    "inbox_item": N_("an inbox item id is a number, not {subject}"),
}
_NO_SUBJECT = {
    "post": N_("no post {subject}"),
    "inbox_item": N_("no inbox item {subject}"),
    "account": N_("no account {subject}"),
}


def _require_subject(session: Session, scope: str, subject: str) -> None:
    model: Any = {"post": Post, "inbox_item": InboxItem, "account": Account}.get(scope)
    if model is None:
        return
    key: Any = subject
    if scope != "account":
        if not subject.isdigit():
            raise UsageError(_(_NOT_A_NUMBER[scope]).format(subject=repr(subject)))
        key = int(subject)
    if session.get(model, key) is None:
        raise NotFound(_(_NO_SUBJECT[scope]).format(subject=subject))


@dataclass(frozen=True)
class _Holds:
    everything: bool
    posts: list[int]
    items: list[int]
    accounts: list[str]

    @classmethod
    def read(cls, session: Session) -> _Holds:
        if session.get_bind().dialect.name == "postgresql":
            # New holds wait until this batch commits; lifting one may go on.
            session.execute(text("LOCK TABLE legal_holds IN SHARE MODE"))
        rows = session.exec(
            select(LegalHold.scope, LegalHold.subject_id).where(col(LegalHold.lifted_at).is_(None))
        ).all()
        return cls(
            any(scope == "all" for scope, _ in rows),
            [int(s) for scope, s in rows if scope == "post"],
            [int(s) for scope, s in rows if scope == "inbox_item"],
            [s for scope, s in rows if scope == "account"],
        )


def _post_batch(session: Session, cutoff: datetime, holds: _Holds, after: int) -> list[int]:
    unsettled = exists().where(
        col(Publication.post_id) == col(Post.id),
        col(Publication.state).not_in(_SETTLED)
        | (col(Publication.updated_at) >= cutoff)
        | (col(Publication.published_at) >= cutoff),
    )
    held_account = exists().where(
        col(PostTarget.post_id) == col(Post.id), col(PostTarget.account_id).in_(holds.accounts)
    )
    # A hold on a citizen's item keeps the institution's answer to it: the two are one exchange.
    answers_held_item = exists().where(
        col(Publication.post_id) == col(Post.id), col(Publication.reply_to_item_id).in_(holds.items)
    )
    query = (
        select(Post.id)
        .where(col(Post.id) > after, col(Post.updated_at) < cutoff, ~unsettled, ~held_account)
        .where(~answers_held_item)
        .where(col(Post.id).not_in(holds.posts))
        .order_by(col(Post.id))
        .limit(BATCH)
    )
    return [int(i) for i in session.exec(query).all() if i is not None]


def _item_batch(session: Session, cutoff: datetime, holds: _Holds, after: int) -> list[int]:
    # The item a kept reply answers stays as long as the reply: the reply's record refers to it.
    answered = exists().where(col(Publication.reply_to_item_id) == col(InboxItem.id))
    # Its moderation actions are records too, and go with it: an old comment hidden or resolved
    # yesterday is kept until the newest action on it is past retention as well.
    acted_since = exists().where(
        col(ModerationAction.item_id) == col(InboxItem.id), col(ModerationAction.at) >= cutoff
    )
    query = (
        select(InboxItem.id)
        .where(
            col(InboxItem.id) > after,
            col(InboxItem.created_at) < cutoff,
            col(InboxItem.state).in_(_CLOSED_ITEMS),
            ~answered,
            ~acted_since,
            col(InboxItem.id).not_in(holds.items),
            col(InboxItem.account_id).not_in(holds.accounts),
        )
        .order_by(col(InboxItem.id))
        .limit(BATCH)
    )
    return [int(i) for i in session.exec(query).all() if i is not None]


def _snapshot_batch(session: Session, cutoff: datetime, holds: _Holds, after: int) -> list[int]:
    query = (
        select(MetricSnapshot.id)
        .join(Publication, col(Publication.id) == col(MetricSnapshot.publication_id))
        .where(
            col(MetricSnapshot.id) > after,
            col(MetricSnapshot.taken_at) < cutoff,
            col(Publication.post_id).not_in(holds.posts),
            col(Publication.account_id).not_in(holds.accounts),
        )
        .order_by(col(MetricSnapshot.id))
        .limit(BATCH)
    )
    return [int(i) for i in session.exec(query).all() if i is not None]


def _delete_posts(session: Session, ids: Sequence[int]) -> None:
    publications = select(Publication.id).where(col(Publication.post_id).in_(ids))
    session.execute(delete(MetricSnapshot).where(col(MetricSnapshot.publication_id).in_(publications)))
    # Publications before approvals and posts: they refer to both.
    for model in (Publication, Waiver, Approval, PostTarget):
        session.execute(delete(model).where(col(model.post_id).in_(ids)))
    session.execute(delete(Post).where(col(Post.id).in_(ids)))


def _delete_items(session: Session, ids: Sequence[int]) -> None:
    session.execute(delete(ModerationAction).where(col(ModerationAction.item_id).in_(ids)))
    # A proposed reply goes with its item, as its moderation actions do (it is one of them, kept longer).
    session.execute(delete(ReplyProposal).where(col(ReplyProposal.item_id).in_(ids)))
    session.execute(delete(InboxItem).where(col(InboxItem.id).in_(ids)))


def _delete_snapshots(session: Session, ids: Sequence[int]) -> None:
    session.execute(delete(MetricSnapshot).where(col(MetricSnapshot.id).in_(ids)))
