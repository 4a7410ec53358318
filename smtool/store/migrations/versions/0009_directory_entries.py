"""directory: users' and accounts' settings live in the database, changed only by audited commands

Each row keeps its whole configured entry (the [[users]] or [[accounts]] table it was applied from), so
a setting added later needs no new column. Users' entries are rebuilt from their columns here; accounts
had no columns for spokespeople and the like, so `smtool db upgrade` seeds them from config.toml once
(audited as config.seed).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smtool.store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("entry", smtool.store.types.JSONType, nullable=True))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("entry", smtool.store.types.JSONType, nullable=True))
    users = sa.table(
        "users",
        sa.column("name", sa.String),
        sa.column("display_name", sa.String),
        sa.column("roles", smtool.store.types.JSONType),
        sa.column("team", sa.String),
        sa.column("entry", smtool.store.types.JSONType),
    )
    connection = op.get_bind()
    for name, display_name, roles, team in connection.execute(
        sa.select(users.c.name, users.c.display_name, users.c.roles, users.c.team)
    ).all():
        entry = {"name": name, "roles": list(roles)}
        if team is not None:
            entry["team"] = team
        if display_name is not None:
            entry["display_name"] = display_name
        connection.execute(sa.update(users).where(users.c.name == name).values(entry=entry))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("entry")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("entry")
