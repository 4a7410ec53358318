"""Users and accounts: kept in step with config.toml, tokens stored encrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from smtool.config import Settings
from smtool.domain.roles import Action, require
from smtool.errors import NotFound, SecretError, UsageError
from smtool.services.context import Context
from smtool.services.installation.secrets import decrypt, encrypt, load_keys
from smtool.services.people import user_roles
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, Publication, User
from smtool.store.types import utcnow


def sync_from_settings(session: Session, settings: Settings, actor: str) -> list[str]:
    """Make the users and accounts tables match the config; returns what changed, for the audit.

    Entries removed from the config are deactivated, never deleted: posts and the audit log refer
    to them.
    """
    changes = _sync_users(session, settings) + _sync_accounts(session, settings)
    if changes:
        session.flush()
        audit.append(
            session,
            actor=actor,
            action="config.sync",
            subject_type="installation",
            subject_id=settings.institution.name,
            payload={"changed": changes},
        )
    return changes


def _sync_users(session: Session, settings: Settings) -> list[str]:
    changes: list[str] = []
    users = {u.name: u for u in session.exec(select(User)).all()}
    for configured in settings.users:
        existing_user = users.pop(configured.name, None)
        row = existing_user or User(name=configured.name)
        fields = {
            "display_name": configured.display_name,
            "roles": list(configured.roles),
            "team": configured.team,
            "active": True,
        }
        if existing_user is None or any(getattr(row, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(row, key, value)
            session.add(row)
            changes.append(f"user {configured.name}")
    for gone in users.values():
        if gone.active:
            gone.active = False
            session.add(gone)
            changes.append(f"user {gone.name} deactivated")
    return changes


def _sync_accounts(session: Session, settings: Settings) -> list[str]:
    changes: list[str] = []
    accounts = {a.id: a for a in session.exec(select(Account)).all()}
    for configured_account in settings.accounts:
        existing = accounts.pop(configured_account.id, None)
        if existing and existing.platform != configured_account.platform:
            raise UsageError(
                f"account {configured_account.id} is stored as a {existing.platform} account but "
                f"config.toml says {configured_account.platform}; give the new account another id"
            )
        account_row = existing or Account(
            id=configured_account.id,
            platform=configured_account.platform,
            handle=configured_account.handle,
            kind=configured_account.kind,
        )
        fields = {
            "handle": configured_account.handle,
            "kind": configured_account.kind,
            "base_url": configured_account.base_url,
            "active": True,
        }
        if configured_account.remote_id:
            fields["remote_id"] = configured_account.remote_id
        if existing is None or any(getattr(account_row, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(account_row, key, value)
            account_row.updated_at = utcnow()
            session.add(account_row)
            changes.append(f"account {configured_account.id}")
    for gone_account in accounts.values():
        if gone_account.active:
            gone_account.active = False
            session.add(gone_account)
            changes.append(f"account {gone_account.id} deactivated")
    return changes


@dataclass(frozen=True)
class AccountView:
    id: str
    platform: str
    handle: str
    kind: str
    token_status: str
    token_set_at: datetime | None
    base_url: str | None
    active: bool
    spokespeople: tuple[str, ...]


def list_accounts(ctx: Context) -> list[AccountView]:
    spokespeople = {a.id: tuple(a.spokespeople) for a in ctx.settings.accounts}
    with ctx.db.read() as session:
        rows = session.exec(select(Account).order_by(col(Account.id))).all()
        return [
            AccountView(
                id=row.id,
                platform=row.platform,
                handle=row.handle,
                kind=row.kind,
                token_status=row.token_status,
                token_set_at=row.token_set_at,
                base_url=row.base_url,
                active=row.active,
                spokespeople=spokespeople.get(row.id, ()),
            )
            for row in rows
        ]


def list_users(ctx: Context) -> list[User]:
    with ctx.db.read() as session:
        return list(session.exec(select(User).order_by(col(User.name))).all())


# The actor of an installation-level command run with no user named: the operating-system account
# that owns the installation's files and key, and so may do what its files allow.
OPERATOR_PREFIX = "local:"


@audits_refusals("account.set_token")
def set_token(ctx: Context, account_id: str, token: str, actor: str) -> None:
    """Store a platform token encrypted; raises NotFound, UsageError or PermissionDenied, writing
    nothing then. The installation's operator may; a named user needs the admin's role, so that the
    audit log never names someone who could not have done it."""
    if not actor.startswith(OPERATOR_PREFIX):
        require(actor, user_roles(ctx.settings, actor), Action.MANAGE)
    token = token.strip()
    if not token:
        raise UsageError("the token is empty; paste the access token the platform issued")
    if any(ch.isspace() for ch in token):
        raise UsageError("the token contains spaces or line breaks; paste it as one line")
    load_keys(ctx.settings)  # a missing or malformed key is reported before the transaction
    with ctx.db.write() as session:
        # The row is locked before the keys are read, so a key rotation that holds the row either
        # sees this token (and re-encrypts it) or has already put the new key in the file
        # (services.installation.keys).
        account = session.get(Account, account_id, with_for_update=True)
        if account is None or not account.active:
            raise NotFound(f"no account {account_id!r}; see `smtool account list`")
        account.token_encrypted = encrypt(load_keys(ctx.settings), token)
        account.token_status = "ok"
        account.token_set_at = ctx.clock()
        account.version += 1
        session.add(account)
        waiting = _release_waiting_publications(session, account_id, ctx.clock())
        # The token itself never enters the audit log.
        audit.append(
            session,
            actor=actor,
            action="account.set_token",
            subject_type="account",
            subject_id=account_id,
            payload={"released_publications": waiting},
        )


def _release_waiting_publications(session: Session, account_id: str, now: datetime) -> int:
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


_READ_ATTEMPTS = 3


def get_token(ctx: Context, account_id: str) -> str:
    """The decrypted token; raises NotFound when none is stored, SecretError on a wrong key."""
    # A key rotation may re-encrypt the row between loading the keys and reading it; loaded again,
    # the keys hold the new key by then (services.installation.keys). Rotations back to back may need
    # one more.
    for _ in range(_READ_ATTEMPTS - 1):
        try:
            return _read_token(ctx, account_id)
        except SecretError:
            continue
    return _read_token(ctx, account_id)


def _read_token(ctx: Context, account_id: str) -> str:
    keys = load_keys(ctx.settings)
    with ctx.db.read() as session:
        account = session.get(Account, account_id)
        if account is None or account.token_encrypted is None:
            raise NotFound(f"account {account_id} has no token; run `smtool account set-token`")
        return decrypt(keys, account.token_encrypted, account_id)
