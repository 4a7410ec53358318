"""Who the people of an installation are and what they may do: their roles, and the accounts they
speak for.

They live in the database, not in config.toml: the file seeds them at `init`, and a later edit takes
effect only through the audited `smtool config apply` (services.installation.directory). Otherwise
whoever can edit the file could give themselves a role and leave no record. Context.open lays the
stored users and accounts over the file's, so every use case reads them as `ctx.settings.users`,
`ctx.settings.user(name)` and `ctx.settings.accounts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, select

from smtool.config import Account as ConfiguredAccount
from smtool.config import Settings
from smtool.config import User as ConfiguredUser
from smtool.domain.roles import Action, require
from smtool.errors import PermissionDenied
from smtool.i18n import _

# Every command reads the directory as it opens the database: through Core tables, so that a read
# command imports neither sqlmodel nor the ORM's table classes (store.read_tables).
from smtool.store import read_tables
from smtool.store.engine import Database

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session


def user_roles(settings: Settings, name: str) -> list[str]:
    """The roles of a user of the installation; raises PermissionDenied for an unknown user."""
    user = settings.user(name)
    if user is None:
        raise PermissionDenied(
            _(
                "{user} is not a user of this installation; see `smtool user list` "
                "(users are added to config.toml's [[users]] and applied with `smtool config apply`)"
            ).format(user=repr(name))
        )
    return list(user.roles)


# How soon a long-running process (the worker, the TUI) sees users and accounts applied since it
# started: a role taken away stops working within this many seconds.
DIRECTORY_REFRESH_SECONDS = 30

# The actor of an installation-level command run with no user named: the operating-system account
# that owns the installation's files and key, and so may do what its files allow.
OPERATOR_PREFIX = "local:"


def is_operator(actor: str) -> bool:
    return actor.startswith(OPERATOR_PREFIX)


def require_manager(settings: Settings, actor: str) -> None:
    """The installation's operator may manage it; a named user needs the admin's role, so that the
    audit log never names someone who could not have done it. Raises PermissionDenied."""
    if not is_operator(actor):
        require(actor, user_roles(settings, actor), Action.MANAGE)


def stored_users(session: Session | Connection) -> list[ConfiguredUser]:
    """The active users as last applied, in name order."""
    rows = session.execute(
        select(read_tables.users).where(read_tables.users.c.active).order_by(read_tables.users.c.name)
    ).all()
    return [_user_entry(row) for row in rows]


def stored_accounts(session: Session | Connection) -> list[ConfiguredAccount]:
    """The active accounts as last applied, in id order."""
    rows = session.execute(
        select(read_tables.accounts).where(read_tables.accounts.c.active).order_by(read_tables.accounts.c.id)
    ).all()
    return [_account_entry(row) for row in rows]


def with_stored_directory(db: Database, settings: Settings) -> Settings:
    """`settings` with the users and accounts the database holds in place of the file's."""
    # One read transaction on a plain connection: no ORM session is needed for two SELECTs.
    with db.reader.connect() as connection, connection.begin():
        users = stored_users(connection)
        accounts = stored_accounts(connection)
    # People read lists in the order the file gives (the first account is the usual one); the
    # order decides nothing else.
    user_order = {u.name: i for i, u in enumerate(settings.users)}
    account_order = {a.id: i for i, a in enumerate(settings.accounts)}
    users.sort(key=lambda u: user_order.get(u.name, len(user_order)))
    accounts.sort(key=lambda a: account_order.get(a.id, len(account_order)))
    # Applied entries were validated as a whole when they were applied; no need to validate again.
    return settings.model_copy(update={"users": users, "accounts": accounts})


def _user_entry(row: Row[Any]) -> ConfiguredUser:
    if row.entry is not None:
        return ConfiguredUser.model_validate(row.entry)
    return ConfiguredUser.model_validate(
        {"name": row.name, "roles": row.roles, "team": row.team, "display_name": row.display_name}
    )


def _account_entry(row: Row[Any]) -> ConfiguredAccount:
    if row.entry is not None:
        return ConfiguredAccount.model_validate(row.entry)
    # Not yet seeded (`db upgrade` does that): the account is known, but nobody speaks for it.
    return ConfiguredAccount.model_validate(
        {
            "id": row.id,
            "platform": row.platform,
            "handle": row.handle,
            "kind": row.kind,
            "base_url": row.base_url,
            "remote_id": row.remote_id,
        }
    )
