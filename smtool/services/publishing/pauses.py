"""Crisis pause: stop all publishing, or one account's, without losing anything.

Paused publications stay `scheduled`; the worker's claim skips them until the pause is lifted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from smtool.domain.roles import Action, require
from smtool.errors import NotFound, UsageError
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.people import user_roles
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, Publication, PublishingPause

ALL = "*"


@dataclass(frozen=True)
class PauseView:
    scope: str
    reason: str
    paused_by: str
    paused_at: datetime


@audits_refusals("publishing.pause")
def pause(ctx: Context, actor: str, scope: str, reason: str) -> None:
    """Pause all publishing (scope "*") or one account's; raises UsageError, NotFound, PermissionDenied."""
    require(actor, user_roles(ctx.settings, actor), Action.PAUSE_PUBLISHING)
    if not reason.strip():
        raise UsageError(_("say why publishing is paused (--reason TEXT); others will read it"))
    with ctx.db.write(patient=True) as session:
        if scope != ALL and session.get(Account, scope) is None:
            raise NotFound(_("no account {account}; see `smtool account list`").format(account=repr(scope)))
        existing = session.get(PublishingPause, scope)
        if existing:
            existing.reason = reason
            session.add(existing)
        else:
            session.add(PublishingPause(scope=scope, reason=reason, paused_by=actor))
        audit.append(
            session,
            actor=actor,
            action="publishing.pause",
            subject_type="pause",
            subject_id=scope,
            payload={"reason": reason},
        )


@audits_refusals("publishing.resume")
def resume(ctx: Context, actor: str, scope: str) -> None:
    """Lift a pause; raises NotFound when that scope is not paused."""
    require(actor, user_roles(ctx.settings, actor), Action.PAUSE_PUBLISHING)
    with ctx.db.write(patient=True) as session:
        existing = session.get(PublishingPause, scope)
        if existing is None:
            if scope == ALL:
                raise NotFound(_("all publishing is not paused"))
            raise NotFound(_("account {account} is not paused").format(account=scope))
        session.delete(existing)
        audit.append(
            session,
            actor=actor,
            action="publishing.resume",
            subject_type="pause",
            subject_id=scope,
        )


def list_pauses(ctx: Context) -> list[PauseView]:
    with ctx.db.read() as session:
        rows = session.exec(select(PublishingPause).order_by(col(PublishingPause.scope))).all()
        return [PauseView(r.scope, r.reason, r.paused_by, r.paused_at) for r in rows]


def paused_note(ctx: Context, accounts: Sequence[str]) -> str | None:
    """Why something queued for `accounts` will not go out yet, or None when none of them is paused.

    Said wherever a person approves or replies: "the worker sends it" is untrue during a pause.
    """
    with ctx.db.read() as session:
        return paused_note_in(session, accounts)


def paused_note_in(session: Session, accounts: Sequence[str]) -> str | None:
    """`paused_note` in the caller's transaction: an import reads it in the one that writes its
    posts, so a pause committed before that write is always named."""
    held = {p.scope: p for p in session.exec(select(PublishingPause)).all()}
    if ALL in held:
        return _("all publishing is paused ({reason}); it goes out once publishing is resumed").format(
            reason=held[ALL].reason
        )
    stopped = [f"{a} ({held[a].reason})" for a in dict.fromkeys(accounts) if a in held]
    if not stopped:
        return None
    return _("publishing is paused on {accounts}; it goes out there once resumed").format(
        accounts=", ".join(stopped)
    )


def publication_paused_note(ctx: Context, publication_id: int) -> str | None:
    """`paused_note` for the account of one publication (a reply just queued, say)."""
    with ctx.db.read() as session:
        publication = session.get(Publication, publication_id)
        account = publication.account_id if publication is not None else None
    return paused_note(ctx, [account]) if account is not None else None


def queued_note(ctx: Context, publication_id: int) -> str:
    """What happens next to a publication just queued: sent by the worker, or held by a pause."""
    note = publication_paused_note(ctx, publication_id)
    return _("not sent yet: {why}").format(why=note) if note else _("the worker sends it")
