"""Keeping connected accounts connected: the installation's OAuth apps, the token pair a connect
flow got, and refresh ahead of expiry that never loses X's rotating refresh token.

X issues two-hour access tokens and refresh tokens that work once: the first use returns a new pair
and a second use of the old one ends the whole grant. So with several workers (processes, machines):

- one refreshes at a time: it takes a lease on the account's row by compare-and-swap on
  `token_generation` (a plain UPDATE ... WHERE, the same on SQLite and PostgreSQL); the others keep
  using the current access token, which still works until it expires, or wait for the new one;
- the new pair is committed (generation + 1) before anything else; the old one is then forgotten;
- `invalid_grant` after another worker already rotated is recognised by the generation having moved:
  read again, use the new token;
- a refresh whose answer never reached the database (the process died, the answer was lost) cannot
  be repeated safely: the next worker tries the stored refresh token once, and if the platform
  refuses it the account is `needs_reauth` with a message saying what happened and how to reconnect.
  Nothing retries after that: `needs_reauth` accounts are never refreshed.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from connectors.base import (
    ConnectorError,
    GrantRejected,
    OAuthApp,
    TokenGrant,
    UnknownOutcome,
    UnknownPlatform,
    oauth_app_for,
)
from smtool.config import Settings
from smtool.domain.token_health import health_of
from smtool.errors import NotFound, SecretError, UsageError
from smtool.i18n import _, format_moment
from smtool.services import alerts
from smtool.services.context import Context
from smtool.services.installation.secrets import decrypt, encrypt, load_keys
from smtool.services.people import require_manager
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, AppCredential

# Refresh this long before expiry, so a publication never goes out on a token about to lapse.
REFRESH_AHEAD = timedelta(minutes=15)
# A refresh holds the row this long; a holder that died is taken over after it.
LEASE = timedelta(seconds=60)
# How long a worker whose token has expired waits for another worker's refresh, and how often it looks.
WAIT = 30.0
WAIT_STEP = 0.1
PLATFORM_NAMES = {"x": "X", "facebook": "Facebook"}
FLAG = "token_refresh_failed"
NEEDS_REAUTH = "needs_reauth"
OAUTH_PLATFORMS = ("x", "facebook")

# How a use case gets the installation's app on a platform; tests pass the sandbox's.
AppFactory = Callable[[Context, str, str | None], OAuthApp]


def worker_name() -> str:
    """Who holds a refresh lease: host, process and thread, unique across machines."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


# --- the installation's apps ----------------------------------------------------------------------


@audits_refusals("account.app_set")
def set_app(ctx: Context, platform: str, client_id: str, secret: str, actor: str) -> None:
    """Store the installation's app on a platform (X client id and secret, Meta app id and secret),
    the secret encrypted like tokens. Raises UsageError, PermissionDenied."""
    require_manager(ctx.settings, actor)
    if platform not in OAUTH_PLATFORMS:
        raise UsageError(
            _("no OAuth app for platform {platform}; use one of {choices}").format(
                platform=repr(platform), choices=", ".join(OAUTH_PLATFORMS)
            )
        )
    client_id, secret = client_id.strip(), secret.strip()
    if not client_id or any(ch.isspace() for ch in client_id + secret):
        raise UsageError(_("the client id must be one word and the secret one line without spaces"))
    keys = load_keys(ctx.settings)
    with ctx.db.write() as session:
        row = session.get(AppCredential, platform, with_for_update=True) or AppCredential(
            platform=platform, client_id=client_id
        )
        row.client_id = client_id
        row.secret_encrypted = encrypt(keys, secret) if secret else None
        row.updated_at = ctx.clock()
        session.add(row)
        audit.append(
            session,
            actor=actor,
            action="account.app_set",
            subject_type="app",
            subject_id=platform,
            payload={"client_id": client_id, "confidential": bool(secret)},
        )


def oauth_app(ctx: Context, platform: str, base_url: str | None) -> OAuthApp:
    """The installation's app on `platform`, ready for one flow. Raises UsageError when none is set."""
    with ctx.db.read() as session:
        row = session.get(AppCredential, platform)
    if row is None:
        raise UsageError(
            _(
                "no {platform} app is set up; register one (see the README) "
                "and run `smtool account app {id} --client-id ID` (the secret is asked for)"
            ).format(platform=PLATFORM_NAMES.get(platform, platform), id=platform)
        )
    secret = (
        decrypt(load_keys(ctx.settings), row.secret_encrypted, f"app {platform}")
        if row.secret_encrypted
        else ""
    )
    try:
        return oauth_app_for(
            platform, row.client_id, secret, base_url, ctx.settings.publishing.request_timeout_seconds
        )
    except UnknownPlatform as e:
        raise UsageError(str(e)) from None


# --- storing what a connect flow got ---------------------------------------------------------------


@dataclass(frozen=True)
class Connected:
    """A verified token for an account: whom the platform says it speaks for, and its limits."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: tuple[str, ...]
    remote_id: str
    handle: str
    access_expires_at: datetime | None = None


def store_connected(session: Session, ctx: Context, account: Account, connected: Connected) -> None:
    """Write a verified token pair onto the (locked) account row; a new generation."""
    keys = load_keys(ctx.settings)
    now = ctx.clock()
    account.token_encrypted = encrypt(keys, connected.access_token)
    account.refresh_encrypted = encrypt(keys, connected.refresh_token) if connected.refresh_token else None
    account.token_expires_at = connected.expires_at
    account.token_scopes = list(connected.scopes)
    account.token_handle = connected.handle
    account.remote_id = connected.remote_id
    account.token_access_expires_at = connected.access_expires_at
    account.token_status = "ok"
    account.token_problem = None
    account.token_set_at = now
    account.token_refreshed_at = None
    account.token_generation += 1
    account.refresh_lease_by = account.refresh_lease_until = None
    account.version += 1
    session.add(account)


def expiry(now: datetime, grant: TokenGrant) -> datetime | None:
    """When a grant's access token lapses, by our clock."""
    return None if grant.expires_in is None else now + timedelta(seconds=grant.expires_in)


# --- refresh -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    account: Account
    access: str
    refresh: str | None


def _read(ctx: Context, account_id: str) -> _Row:
    keys = load_keys(ctx.settings)
    with ctx.db.read() as session:
        account = session.get(Account, account_id)
        if account is None or account.token_encrypted is None:
            raise NotFound(
                _(
                    "account {account} has no token; run `smtool account connect {account}` "
                    "or `smtool account set-token {account}`"
                ).format(account=account_id)
            )
        refresh = decrypt(keys, account.refresh_encrypted, account_id) if account.refresh_encrypted else None
        return _Row(account, decrypt(keys, account.token_encrypted, account_id), refresh)


def due_for_refresh(account: Account, now: datetime) -> bool:
    """Whether the account's access token should be refreshed now."""
    return (
        account.refresh_encrypted is not None
        and account.token_status == "ok"
        and account.token_expires_at is not None
        and now >= account.token_expires_at - REFRESH_AHEAD
    )


@dataclass(frozen=True)
class Current:
    """An access token to use now, and when to ask again (None: it does not expire)."""

    token: str = field(repr=False)
    recheck_at: datetime | None


def _recheck_at(account: Account | None) -> datetime | None:
    """When the account's token is next due for a refresh (None: it is never refreshed)."""
    if account is not None and account.refresh_encrypted is not None and account.token_expires_at:
        return account.token_expires_at - REFRESH_AHEAD
    return None


def current(ctx: Context, account_id: str, apps: AppFactory = oauth_app, me: str | None = None) -> Current:
    """As `current_token`, with the time it is next due for a refresh."""
    token, account = _token_and_row(ctx, account_id, apps, me)
    if account is None:  # refreshed just now: the row read before the refresh is out of date
        with ctx.db.read() as session:
            account = session.get(Account, account_id)
    return Current(token, _recheck_at(account))


def current_without_refresh(ctx: Context, account_ids: Collection[str]) -> dict[str, Current]:
    """The tokens of those accounts that need no refresh now, read in one query (a worker building
    a hundred connectors asks once, not a hundred times). An account left out (no token stored,
    a refresh due, a token the loaded keys cannot read, as during a key rotation) goes through
    `current`, which refreshes, waits for another worker's refresh or says what is wrong."""
    if not account_ids:
        return {}
    keys = load_keys(ctx.settings)
    now = ctx.clock()
    with ctx.db.read() as session:
        rows = session.exec(select(Account).where(col(Account.id).in_(list(account_ids)))).all()
    found: dict[str, Current] = {}
    for account in rows:
        if account.token_encrypted is None or due_for_refresh(account, now):
            continue
        try:
            token = decrypt(keys, account.token_encrypted, account.id)
        except SecretError:
            continue
        found[account.id] = Current(token, _recheck_at(account))
    return found


def current_token(ctx: Context, account_id: str, apps: AppFactory = oauth_app, me: str | None = None) -> str:
    """The account's access token, refreshed first when it is due (one process at a time).

    Raises NotFound when no token is stored, SecretError when it cannot be decrypted. A refresh that
    fails leaves the current token (the platform call then says what is wrong) and, when the grant
    is gone, marks the account `needs_reauth` with the reason.
    """
    return _token_and_row(ctx, account_id, apps, me)[0]


def _token_and_row(
    ctx: Context, account_id: str, apps: AppFactory, me: str | None
) -> tuple[str, Account | None]:
    """`current_token`, and the account row it was read with, unless this call refreshed the
    token (None: the row changed since): `current` needs the row too, and reading it once per
    connector instead of twice matters when a worker builds a hundred of them."""
    me = me or worker_name()
    started = time.monotonic()
    while True:
        row = _read(ctx, account_id)
        now = ctx.clock()
        if not due_for_refresh(row.account, now):
            return row.access, row.account
        taken, interrupted = _take_lease(ctx, row.account, me, now)
        if taken:
            return _refresh(ctx, row, me, interrupted, apps), None
        expires = row.account.token_expires_at
        if (expires is not None and now < expires) or time.monotonic() - started > WAIT:
            # Another worker is refreshing; this token still works (or waiting longer helps nobody).
            return row.access, row.account
        time.sleep(WAIT_STEP)


def _take_lease(ctx: Context, account: Account, me: str, now: datetime) -> tuple[bool, str | None]:
    """Take the refresh lease by compare-and-swap: whether it was taken, and the holder of a lease
    that ran out before it (a refresh that was interrupted), if any."""
    with ctx.db.write() as session:
        taken = session.execute(
            update(Account)
            .where(
                col(Account.id) == account.id,
                col(Account.token_generation) == account.token_generation,
                col(Account.token_status) == "ok",
                (col(Account.refresh_lease_until).is_(None)) | (col(Account.refresh_lease_until) <= now),
            )
            .values(refresh_lease_by=me, refresh_lease_until=now + LEASE)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return False, None
    return True, account.refresh_lease_by if account.refresh_lease_until is not None else None


def _refresh(ctx: Context, row: _Row, me: str, interrupted: str | None, apps: AppFactory) -> str:
    account = row.account
    assert row.refresh is not None  # due_for_refresh checked it
    name = PLATFORM_NAMES.get(account.platform, account.platform)
    try:
        grant = apps(ctx, account.platform, ctx.platform_address(account)).refresh(row.refresh)
    except GrantRejected as e:
        again = _read(ctx, account.id)
        if again.account.token_generation != account.token_generation:
            return again.access  # another worker rotated and committed: its token is the one
        if interrupted is not None:
            what = _(
                "a token refresh by {worker} was interrupted before its answer was saved, and "
                "{platform} then refused the refresh token it had already used ({message})"
            ).format(worker=interrupted, platform=name, message=e.platform_message)
        else:
            what = _("{platform} refused the refresh token ({message}): access was revoked").format(
                platform=name, message=e.platform_message
            )
        return _give_up(ctx, row, me, what)
    except UnknownOutcome as e:
        what = _(
            "the answer to a token refresh was lost ({message}); {platform} may have "
            "rotated the token, and the old refresh token must not be used again"
        ).format(message=e.platform_message, platform=name)
        return _give_up(ctx, row, me, what)
    except (ConnectorError, UsageError):
        # Rate limit, outage, app not set up: nothing rotated. Let go; the next use tries again.
        _release(ctx, account.id, me)
        return row.access
    now = ctx.clock()
    keys = load_keys(ctx.settings)
    with ctx.db.write() as session:
        stored = session.execute(
            update(Account)
            .where(col(Account.id) == account.id, col(Account.token_generation) == account.token_generation)
            .values(
                token_encrypted=encrypt(keys, grant.access_token),
                refresh_encrypted=encrypt(keys, grant.refresh_token) if grant.refresh_token else None,
                token_expires_at=expiry(now, grant),
                token_scopes=list(grant.scopes) or account.token_scopes,
                token_refreshed_at=now,
                token_generation=account.token_generation + 1,
                refresh_lease_by=None,
                refresh_lease_until=None,
            )
        )
        if stored.rowcount == 1:  # type: ignore[attr-defined]
            audit.append(
                session,
                actor="local:worker",
                action="account.token_refreshed",
                subject_type="account",
                subject_id=account.id,
                payload={"by": me, "generation": account.token_generation + 1},
            )
            return grant.access_token
    # The row moved on while we refreshed (someone reconnected it): theirs stands.
    return _read(ctx, account.id).access


def _release(ctx: Context, account_id: str, me: str) -> None:
    with ctx.db.write() as session:
        session.execute(
            update(Account)
            .where(col(Account.id) == account_id, col(Account.refresh_lease_by) == me)
            .values(refresh_lease_by=None, refresh_lease_until=None)
        )


def _give_up(ctx: Context, row: _Row, me: str, what: str) -> str:
    account = row.account
    message = _("{what}. Connect the account again: `smtool account connect {account}`").format(
        what=what, account=account.id
    )
    now = ctx.clock()
    with ctx.db.write() as session:
        marked = session.execute(
            update(Account)
            .where(col(Account.id) == account.id, col(Account.token_generation) == account.token_generation)
            .values(
                token_status=NEEDS_REAUTH,
                token_problem=message,
                refresh_lease_by=None,
                refresh_lease_until=None,
            )
        )
        if marked.rowcount == 1:  # type: ignore[attr-defined]
            audit.append(
                session,
                actor="local:worker",
                action="account.token_refresh_failed",
                subject_type="account",
                subject_id=account.id,
                payload={"by": me, "message": message},
            )
            raise_alert(session, ctx.settings, account, message, f"refresh:{account.token_generation}", now)
    return row.access


def raise_alert(
    session: Session, settings: Settings, account: Account, message: str, key: str, now: datetime
) -> bool:
    """An alert item on the account's queue (highest priority), once per `key`."""
    return alerts.raise_alert(
        session,
        settings,
        account,
        remote_id=f"smtool:token:{account.id}:{key}",
        text=_("Token of {handle}: {message}").format(handle=account.handle, message=message),
        raw={"alert": "token", "account_id": account.id, "key": key},
        flag=FLAG,
        now=now,
    )


# --- health ------------------------------------------------------------------------------------------


def expiry_alerts(ctx: Context) -> int:
    """Raise an alert (once per token) for each account whose token runs out soon and does not
    refresh; the worker asks hourly. Returns how many were raised."""
    now = ctx.clock()
    raised = 0
    with ctx.db.write() as session:
        rows = session.exec(
            select(Account).where(col(Account.active).is_(True), Account.token_status == "ok")
        ).all()
        for row in rows:
            health = health_of(row, now)
            if health.urgent and health.runs_out is not None:
                message = _("the token runs out on {moment} UTC; {action}").format(
                    moment=format_moment(health.runs_out), action=health.action
                )
                raised += raise_alert(
                    session, ctx.settings, row, message, f"expiry:{row.token_generation}", now
                )
    return raised
