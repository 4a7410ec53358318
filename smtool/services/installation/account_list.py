"""The accounts as stored, with their tokens' health: what `account list`, the TUI's accounts screen
and the calendar show.

A read command's own module: it reads through the Core tables of store.read_tables, so that `smtool
account list` imports neither the ORM nor the token flows (services.installation.tokens pulls in
the connectors and the alerts), which are most of its start-up otherwise (issue 21, item 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from smtool.domain.token_health import TokenHealth, health_of
from smtool.services.context import Context
from smtool.store.read_tables import accounts


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
    # Token health (services.installation.tokens, domain.token_health).
    token_handle: str | None = None  # whom the platform said the token speaks for
    token_scopes: tuple[str, ...] = ()
    token_expires_at: datetime | None = None  # None: does not expire
    token_refreshed_at: datetime | None = None
    token_problem: str | None = None
    health: TokenHealth | None = None


def list_accounts(ctx: Context) -> list[AccountView]:
    """Every account (inactive ones too), in id order."""
    spokespeople = {a.id: tuple(a.spokespeople) for a in ctx.settings.accounts}
    now = ctx.clock()
    with ctx.db.reader.connect() as connection, connection.begin():
        rows = connection.execute(select(accounts).order_by(accounts.c.id)).all()
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
            token_handle=row.token_handle,
            token_scopes=tuple(row.token_scopes),
            token_expires_at=row.token_expires_at,
            token_refreshed_at=row.token_refreshed_at,
            token_problem=row.token_problem,
            health=health_of(row, now),
        )
        for row in rows
    ]
