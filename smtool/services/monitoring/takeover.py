"""Account takeover defence: signs that someone else controls an account, and what smtool does then.

Two signs: a post on the account that smtool did not publish (ingest compares the account's own
timeline with our publications and stores an alert item for each such post), and a token that the
platform no longer accepts (someone changed the password or revoked smtool's access). Each sign
raises a high-priority alert in the moderation queue and is audited; with `on_takeover = "pause"`
([security], or per account) publishing to that account also pauses until a person resumes it
(`smtool resume --account ID`), so nothing more goes out under a name someone else may hold.

Ingest calls `on_unknown_posts` after storing new alert items and `sweep` after each poll; both are
idempotent, so several workers finding the same sign respond once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from connectors.base import AuthExpired, ConnectorError
from smtool.config import Settings
from smtool.domain.inbox_states import PRIORITY_ALERT
from smtool.errors import SmtoolError
from smtool.i18n import N_, _
from smtool.services.context import Context, working_time
from smtool.services.platforms import ConnectorFactory, connector_for
from smtool.services.records import audit
from smtool.store.tables import Account, InboxItem, PublishingPause

GUARD = "worker"
# The signs as the audit log records them (English, stable); alerts and pauses show them translated.
REFUSED = N_("the platform refused the account's token")
OTHER_ACCOUNT = N_("the token speaks for another account")
UNKNOWN_POSTS = N_("posts smtool did not publish")
NEEDS_REAUTH = "needs_reauth"
# How often the worker asks the platform whom each token speaks for (one light call per account).
TOKEN_CHECK_SECONDS = 3600
PAUSE = "pause"


class NewInboxItem(TypedDict):
    """An inbox item as it is first stored: by ingest for what it fetched, here for an alert (which
    has no author id or handle, parent or thread: those stay NULL)."""

    platform: str
    remote_id: str
    account_id: str
    kind: str
    author_id: NotRequired[str | None]
    author_name: str | None
    author_handle: NotRequired[str | None]
    text: str
    parent_remote_id: NotRequired[str | None]
    thread_remote_id: NotRequired[str | None]
    created_at: datetime
    fetched_at: datetime
    # The platform's JSON as it came (for diagnosis): each platform and API version shapes it.
    raw: dict[str, Any]
    state: str
    priority: int
    flags: list[str]
    team: str
    hidden: bool
    version: int
    escaped: bool
    response_due_at: datetime


def on_unknown_posts(ctx: Context, account_id: str, remote_ids: Sequence[str]) -> bool:
    """Respond to posts on the account that smtool did not publish; True when publishing paused."""
    with ctx.db.write() as session:
        return _respond(session, ctx.settings, account_id, UNKNOWN_POSTS, list(remote_ids), ctx.clock())


def sweep(ctx: Context) -> Counter[str]:
    """Raise an alert (once per stored token) for each account whose token the platform refused."""
    counts: Counter[str] = Counter()
    with ctx.db.read() as session:
        failing = session.exec(
            select(Account).where(col(Account.active).is_(True), Account.token_status == NEEDS_REAUTH)
        ).all()
    for account in failing:
        counts.update(_raise(ctx, account, REFUSED))
    return counts


def verify_tokens(ctx: Context, factory: ConnectorFactory = connector_for) -> Counter[str]:
    """Ask the platform whom each account's token speaks for (the worker does, hourly).

    A token it refuses is marked for re-connection and raises the alert (`sweep`); a token that
    speaks for another account than the one configured raises an alert of its own. Rate limits and
    outages are not signs of anything and are only counted.
    """
    counts: Counter[str] = Counter()
    with ctx.db.read() as session:
        accounts = session.exec(
            select(Account).where(col(Account.active).is_(True), Account.token_status == "ok")
        ).all()
    for account in accounts:
        try:
            who = factory(ctx, account).verify_credentials()
        except AuthExpired:
            _mark_refused(ctx, account)
            continue
        except (ConnectorError, SmtoolError):
            counts["token_check_errors"] += 1
            continue
        counts["tokens_verified"] += 1
        if account.remote_id and who.remote_id != account.remote_id:
            counts.update(_raise(ctx, account, f"{OTHER_ACCOUNT} ({who.handle}, id {who.remote_id})"))
    counts.update(sweep(ctx))
    return counts


def _mark_refused(ctx: Context, account: Account) -> None:
    with ctx.db.write() as session:
        # Only the token that was checked: one stored meanwhile is someone's fresh fix.
        session.execute(
            update(Account)
            .where(
                col(Account.id) == account.id,
                col(Account.token_set_at).is_not_distinct_from(account.token_set_at),
            )
            .values(token_status=NEEDS_REAUTH)
        )


def _raise(ctx: Context, account: Account, sign: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    with ctx.db.write() as session:
        if _insert_ignoring(session, InboxItem, _token_alert(ctx.settings, account, sign, ctx.clock())):
            counts["takeover_alerts"] += 1
            counts["takeover_pauses"] += _respond(session, ctx.settings, account.id, sign, [], ctx.clock())
    return counts  # nothing when this token's sign was already raised


def _respond(
    session: Session, settings: Settings, account_id: str, sign: str, remote_ids: list[str], now: datetime
) -> bool:
    answer = settings.on_takeover(account_id)
    audit.append(
        session,
        actor=GUARD,
        action="account.takeover_suspected",
        subject_type="account",
        subject_id=account_id,
        payload={"sign": sign, "remote_ids": remote_ids, "on_takeover": answer},
    )
    if answer != PAUSE:
        return False
    reason = _("possible account takeover: {sign}; check the account, then `smtool resume --account`").format(
        sign=_shown(sign)
    )
    paused = {"scope": account_id, "reason": reason, "paused_by": GUARD, "paused_at": now}
    if not _insert_ignoring(session, PublishingPause, paused):
        return False  # already paused (by a person or an earlier sign); their reason stays
    audit.append(
        session,
        actor=GUARD,
        action="publishing.pause",
        subject_type="pause",
        subject_id=account_id,
        payload={"reason": reason},
    )
    return True


def _token_alert(settings: Settings, account: Account, sign: str, now: datetime) -> NewInboxItem:
    token_from = account.token_set_at.isoformat() if account.token_set_at else "unknown"
    text = _(
        "Takeover sign on {handle}: {sign}. Someone may have changed the password or "
        "revoked or swapped smtool's access: check who controls the account, then store a new "
        "token (`smtool account set-token`)."
    ).format(handle=account.handle, sign=_shown(sign))
    kind = "token-failed" if sign == REFUSED else "token-identity"
    return {
        "platform": account.platform,
        # One alert per sign and stored token: a new token that fails again raises a new alert.
        "remote_id": f"smtool:{kind}:{account.id}:{token_from}"[:100],
        "account_id": account.id,
        "kind": "alert",
        "author_name": "smtool",
        "text": text,
        "created_at": now,
        "fetched_at": now,
        "raw": {"alert": sign, "token_set_at": token_from},
        "state": "new",
        "priority": PRIORITY_ALERT,
        "flags": ["takeover"],
        "team": settings.inbox.default_team,
        "hidden": False,
        "version": 1,
        "escaped": False,
        "response_due_at": working_time(settings).add(now, settings.inbox.target_first_response_minutes),
    }


def _shown(sign: str) -> str:
    """A sign in the reader's language; the other account's handle and id after it stay as they are."""
    for known in (REFUSED, OTHER_ACCOUNT, UNKNOWN_POSTS):
        if sign.startswith(known):
            return _(known) + sign[len(known) :]
    return sign


def _insert_ignoring(session: Session, model: Any, values: Mapping[str, object]) -> bool:
    """Insert unless a row with the same key exists (another worker's); True when inserted."""
    table = model.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).values(values).on_conflict_do_nothing()
    else:
        statement = insert(table).values(values)
    # RETURNING, not rowcount: psycopg reports no row count for an insert that returns its key.
    key = next(iter(table.primary_key.columns))
    return session.execute(statement.returning(key)).first() is not None
