"""A one-screen summary of an installation: what `smtool demo` and the TUI header show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from smtool.domain.states import ATTENTION_PUBLICATION_STATES
from smtool.services.context import Context
from smtool.services.installation.accounts import AccountView, list_accounts
from smtool.services.records.audit import Verification, verify
from smtool.store.engine import describe_url
from smtool.store.migrate import current_revision
from smtool.store.tables import InboxItem, Post, Publication, User


@dataclass(frozen=True)
class Status:
    institution: str
    timezone: str
    database: str
    schema: str | None
    users: int
    accounts: list[AccountView]
    posts: int
    publications: int
    inbox_items: int
    audit: Verification
    attention: dict[str, int]  # publications a person must look at, per state (held, unknown, ...)


def status(ctx: Context) -> Status:
    with ctx.db.read() as session:
        counts = [
            session.exec(select(func.count()).select_from(table)).one()
            for table in (User, Post, Publication, InboxItem)
        ]
        attention = session.exec(
            select(Publication.state, func.count())
            .where(col(Publication.state).in_(sorted(ATTENTION_PUBLICATION_STATES)))
            .group_by(col(Publication.state))
        ).all()
    return Status(
        institution=ctx.settings.institution.name,
        timezone=ctx.settings.institution.timezone,
        database=describe_url(ctx.settings.database_url),
        schema=current_revision(ctx.db),
        users=counts[0],
        accounts=list_accounts(ctx),
        posts=counts[1],
        publications=counts[2],
        inbox_items=counts[3],
        audit=verify(ctx.db),
        attention={state: count for state, count in sorted(attention)},
    )
