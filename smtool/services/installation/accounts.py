"""Accounts and users as stored, and the accounts' tokens, stored encrypted."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from smtool.errors import NotFound, SecretError, UsageError
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.installation import tokens

# Re-exported: the list lives in its own module so that `account list` starts fast.
from smtool.services.installation.account_list import AccountView, list_accounts
from smtool.services.installation.secrets import encrypt, load_keys
from smtool.services.installation.tokens import Current
from smtool.services.people import require_manager
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, Publication, User


def list_users(ctx: Context) -> list[User]:
    with ctx.db.read() as session:
        return list(session.exec(select(User).order_by(col(User.name))).all())


@audits_refusals("account.set_token")
def set_token(ctx: Context, account_id: str, token: str, actor: str) -> None:
    """Store a platform token encrypted, as given: people's tokens go through
    `connect.set_token`, which asks the platform whom the token speaks for first. Raises NotFound,
    UsageError or PermissionDenied, writing nothing then. The installation's operator or an admin may."""
    require_manager(ctx.settings, actor)
    token = clean_token(token)
    load_keys(ctx.settings)  # a missing or malformed key is reported before the transaction
    with ctx.db.write() as session:
        # The row is locked before the keys are read, so a key rotation that holds the row either
        # sees this token (and re-encrypts it) or has already put the new key in the file
        # (services.installation.keys).
        account = session.get(Account, account_id, with_for_update=True)
        if account is None or not account.active:
            raise NotFound(
                _("no account {account}; see `smtool account list`").format(account=repr(account_id))
            )
        account.token_encrypted = encrypt(load_keys(ctx.settings), token)
        account.token_status = "ok"
        account.token_set_at = ctx.clock()
        account.version += 1
        session.add(account)
        waiting = release_waiting_publications(session, account_id, ctx.clock())
        # The token itself never enters the audit log.
        audit.append(
            session,
            actor=actor,
            action="account.set_token",
            subject_type="account",
            subject_id=account_id,
            payload={"released_publications": waiting},
        )


def clean_token(token: str) -> str:
    """A pasted token without surrounding whitespace; raises UsageError for one that cannot be."""
    token = token.strip()
    if not token:
        raise UsageError(_("the token is empty; paste the access token the platform issued"))
    if any(ch.isspace() for ch in token):
        raise UsageError(_("the token contains spaces or line breaks; paste it as one line"))
    return token


def release_waiting_publications(session: Session, account_id: str, now: datetime) -> int:
    """Publications that waited for a new token go back to the schedule (their window still holds)."""
    rows = session.exec(
        select(Publication).where(Publication.account_id == account_id, Publication.state == "needs_reauth")
    ).all()
    for row in rows:
        row.state = "scheduled"
        row.claimed_by = None
        row.version += 1
        row.updated_at = now
        session.add(row)
    return len(rows)


__all__ = [
    "AccountView",
    "Current",
    "clean_token",
    "fresh_token",
    "get_token",
    "list_accounts",
    "list_users",
    "release_waiting_publications",
    "set_token",
]

_READ_ATTEMPTS = 3


def get_token(ctx: Context, account_id: str) -> str:
    """The decrypted token, refreshed first when due; raises NotFound when none is stored,
    SecretError on a wrong key."""
    return fresh_token(ctx, account_id).token


def fresh_tokens(ctx: Context, account_ids: Collection[str]) -> dict[str, Current]:
    """The tokens of those accounts that need no refresh now, in one query (tokens.
    current_without_refresh); the others are left for `fresh_token`. The connectors' side
    (services.platforms) reaches the token store only through this module."""
    return tokens.current_without_refresh(ctx, account_ids)


def fresh_token(ctx: Context, account_id: str) -> Current:
    """The token to use now (refreshed first when due, services.installation.tokens) and when to
    ask again. Raises as get_token."""
    # A key rotation may re-encrypt the row between loading the keys and reading it; loaded again,
    # the keys hold the new key by then (services.installation.keys). Rotations back to back may need
    # one more.
    for _attempt in range(_READ_ATTEMPTS - 1):  # not `_`, the translator
        try:
            return tokens.current(ctx, account_id)
        except SecretError:
            continue
    return tokens.current(ctx, account_id)
