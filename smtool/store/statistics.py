"""Planner statistics kept fresh after bulk writes (PostgreSQL).

PostgreSQL's autovacuum re-analyses a table only after about a tenth of it changed, and some time
later. Between a bulk enqueue (thousands of approved publications at once) and that moment the
planner believes the few rows it last counted, and may walk the wrong index for the outbox claim. A
write that adds many rows therefore analyses the table itself, after its commit (ANALYZE reads a
sample; it takes no lock that stops writers). SQLite plans without statistics unless ANALYZE was ever
run there, which would make its plans depend on when; nothing is done there.
"""

from __future__ import annotations

from typing import Literal

from smtool.store.engine import Database

# Rows added at once from which the statistics are refreshed: below this a stale count changes no plan.
BULK_ROWS = 500
# Tables that get bulk writes; a fixed list, so the name in the statement is never text from outside.
BulkTable = Literal["publications"]


def after_bulk_write(db: Database, table: BulkTable, rows: int) -> bool:
    """ANALYZE `table` when `rows` rows were just written to it on PostgreSQL; true when it did."""
    if rows < BULK_ROWS or db.dialect != "postgresql":
        return False
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"ANALYZE {table}")
    return True
