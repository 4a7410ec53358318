"""media store: posts refer to media by SHA-256 in the installation's media store

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

No column changes: `posts.media` stays a JSON list. New items are media store entries
(sha256, name, type, size, alt, width, height; smtool.domain.media.MediaEntry). Rows written
before hold absolute paths, and this migration deliberately leaves them: copying those files in
now would publish whatever bytes the paths hold today (perhaps not what was approved, perhaps a
file that was never meant to be media). Such an item is shown as "not in the media store", the
worker refuses to send it (the publication fails with a message saying to attach the file again),
and the archive lists it as missing without reading the path.
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    # Entries written since the upgrade stay entries; older code cannot send them (it expected
    # paths), so a downgrade needs those posts' media attached again.
    pass
