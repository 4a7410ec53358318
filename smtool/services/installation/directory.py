"""Users and accounts in the database: seeded from config.toml at `init`, changed only by the
audited `smtool config apply`, which shows what changes first.

Roles, teams, spokespeople and self-approval decide who may make the institution speak, so a change
to them is an act with a name and a time in the audit log, never an edit of a file that takes effect
silently at the next start (services.people reads what is applied). Entries removed from the file
are deactivated, never deleted: posts and the audit log refer to them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from smtool.config import Account as ConfiguredAccount
from smtool.config import Settings, parse_settings
from smtool.config import User as ConfiguredUser
from smtool.errors import UsageError
from smtool.i18n import _
from smtool.services.context import Context
from smtool.services.files import write_whole
from smtool.services.installation.pending import Change, pending_changes, pending_changes_of
from smtool.services.people import require_manager
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, User
from smtool.store.types import utcnow


def seed(session: Session, settings: Settings, actor: str) -> list[Change]:
    """Write config.toml's users and accounts into an installation that has none yet (`init`)."""
    if session.exec(select(User)).first() is not None or session.exec(select(Account)).first():
        return []
    return _write(session, settings, actor, action="config.seed")


def seed_unapplied_accounts(session: Session, settings: Settings, actor: str) -> list[str]:
    """Give accounts stored before their settings lived in the database (schema 0009) the entry
    config.toml has for them, once, audited; returns their ids."""
    seeded: list[str] = []
    for row in session.exec(select(Account).order_by(col(Account.id))).all():
        configured = settings.account(row.id)
        if row.entry is not None or configured is None or configured.platform != row.platform:
            continue
        row.entry = configured.model_dump(mode="json")
        session.add(row)
        seeded.append(row.id)
    if seeded:
        audit.append(
            session,
            actor=actor,
            action="config.seed",
            subject_type="installation",
            subject_id=settings.institution.name,
            payload={"accounts": seeded},
        )
    return seeded


@audits_refusals("config.apply")
def apply(
    ctx: Context, settings: Settings, actor: str, expected: Sequence[Change] | None = None
) -> list[Change]:
    """Apply config.toml's users and accounts (`settings`, read from the file) to the database, as
    one audited change; returns what changed. The installation's operator or an admin may.

    `expected` is the difference the person was shown: when the file or the database changed since,
    nothing is written and a UsageError asks to look again."""
    require_manager(ctx.settings, actor)
    with ctx.db.write() as session:
        if expected is not None and list(expected) != pending_changes(session, settings):
            raise UsageError(
                _(
                    "config.toml or the stored users and accounts changed since the difference was "
                    "shown; run `smtool config apply` again to see the new one"
                )
            )
        changes = _write(session, settings, actor, action="config.apply")
    ctx.refresh_directory()
    return changes


@audits_refusals("account.add")
def add_account(ctx: Context, config_file: Path, entry: dict[str, Any], actor: str) -> list[Change]:
    """Add an [[accounts]] entry to config.toml and apply it (audited as `config.apply`), so the file
    and the database keep telling the same story. The installation's operator or an admin may.

    Raises UsageError when the file has other changes not applied yet, the id is taken, or the
    entry is not valid (ConfigError naming the key); the file is unchanged then."""
    require_manager(ctx.settings, actor)
    text = config_file.read_text(encoding="utf-8")
    current = parse_settings(text, config_file, os.environ)
    if pending_changes_of(ctx, current):
        raise UsageError(
            _(
                "config.toml has changes not applied yet; look at them with `smtool config apply --dry-run` "
                "and apply them first, then add the account"
            )
        )
    with ctx.db.read() as session:
        taken = session.get(Account, str(entry.get("id"))) is not None
    if taken or any(a.id == entry.get("id") for a in current.accounts):
        raise UsageError(
            _("there is already an account {account}; choose another id").format(
                account=repr(entry.get("id"))
            )
        )
    block = "[[accounts]]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in entry.items())
    updated_text = text.rstrip("\n") + "\n\n" + block
    updated = parse_settings(updated_text, config_file, os.environ)
    expected = pending_changes_of(ctx, updated)
    write_whole(config_file, updated_text.encode("utf-8"), mode=config_file.stat().st_mode & 0o777)
    return apply(ctx, updated, actor, expected)


def _toml(value: object) -> str:
    """A string or a list of strings as TOML (JSON's escapes are TOML's for these)."""
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(str(v), ensure_ascii=False) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _write(session: Session, settings: Settings, actor: str, *, action: str) -> list[Change]:
    changes = pending_changes(session, settings)
    if not changes:
        return []
    _write_users(session, settings.users)
    _write_accounts(session, settings.accounts)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action=action,
        subject_type="installation",
        subject_id=settings.institution.name,
        payload={"changes": [c.as_dict() for c in changes]},
    )
    return changes


def _write_users(session: Session, configured: Sequence[ConfiguredUser]) -> None:
    rows = {u.name: u for u in session.exec(select(User)).all()}
    for entry in configured:
        row = rows.pop(entry.name, None) or User(name=entry.name)
        row.display_name = entry.display_name
        row.roles = list(entry.roles)
        row.team = entry.team
        row.active = True
        row.entry = entry.model_dump(mode="json")
        session.add(row)
    for gone in rows.values():
        gone.active = False
        session.add(gone)


def _write_accounts(session: Session, configured: Sequence[ConfiguredAccount]) -> None:
    rows = {a.id: a for a in session.exec(select(Account)).all()}
    for entry in configured:
        row = rows.pop(entry.id, None)
        if row is not None and row.platform != entry.platform:
            raise UsageError(
                _(
                    "account {account} is stored as a {stored} account but config.toml says {configured}; "
                    "give the new account another id"
                ).format(account=entry.id, stored=row.platform, configured=entry.platform)
            )
        row = row or Account(id=entry.id, platform=entry.platform, handle=entry.handle, kind=entry.kind)
        row.handle = entry.handle
        row.kind = entry.kind
        row.base_url = entry.base_url
        if entry.remote_id:
            row.remote_id = entry.remote_id
        row.active = True
        row.entry = entry.model_dump(mode="json")
        row.updated_at = utcnow()
        session.add(row)
    for gone in rows.values():
        gone.active = False
        session.add(gone)
