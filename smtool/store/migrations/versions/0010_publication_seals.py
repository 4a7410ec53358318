"""publishing: each publication's seal, signed with the installation's key at approval

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-05

Existing rows stay unsealed here (a migration holds no key); `smtool db upgrade` seals the pending
ones right after it, in one audited step (services.installation.setup).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seal", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_column("seal")
