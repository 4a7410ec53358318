"""installation: OAuth tokens kept connected (refresh token, expiry, scopes, refresh lease) and the
installation's app credentials

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import smtool.store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = smtool.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "app_credentials",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("platform"),
    )
    # Plain ADD COLUMNs (SQLite takes them as they are): a batch would copy the table, which rows
    # referring to accounts forbid.
    op.add_column("accounts", sa.Column("refresh_encrypted", sa.LargeBinary(), nullable=True))
    op.add_column("accounts", sa.Column("token_expires_at", _TIME, nullable=True))
    op.add_column(
        "accounts",
        sa.Column(
            "token_scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            server_default="[]",
        ),
    )
    op.add_column(
        "accounts", sa.Column("token_handle", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
    )
    op.add_column("accounts", sa.Column("token_refreshed_at", _TIME, nullable=True))
    op.add_column("accounts", sa.Column("token_access_expires_at", _TIME, nullable=True))
    op.add_column("accounts", sa.Column("token_problem", sa.Text(), nullable=True))
    op.add_column("accounts", sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "accounts", sa.Column("refresh_lease_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
    )
    op.add_column("accounts", sa.Column("refresh_lease_until", _TIME, nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMNs for the reason above (SQLite 3.35 and later).
    for column in (
        "refresh_lease_until",
        "refresh_lease_by",
        "token_generation",
        "token_problem",
        "token_access_expires_at",
        "token_refreshed_at",
        "token_handle",
        "token_scopes",
        "token_expires_at",
        "refresh_encrypted",
    ):
        op.drop_column("accounts", column)
    op.drop_table("app_credentials")
