"""The read path's Core tables (store.read_tables) name columns exactly as store.tables defines them."""

from __future__ import annotations

import pytest
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from smtool.store import read_tables, tables
from smtool.store.types import UTCDateTime


@pytest.mark.parametrize(
    ("light", "full"),
    [
        (read_tables.users, tables.User.__table__),
        (read_tables.accounts, tables.Account.__table__),
        (read_tables.audit_events, tables.AuditEvent.__table__),
        (read_tables.inbox_items, tables.InboxItem.__table__),
    ],
)
def test_every_column_matches_the_schema(light: Table, full: Table) -> None:
    assert light.name == full.name
    for column in light.columns:
        schema = full.columns[column.name]
        # The same type in each database (sqlmodel's AutoString is a VARCHAR of the given length),
        # and the same conversion on the way in and out (UTCDateTime re-attaches UTC).
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            assert column.type.compile(dialect) == schema.type.compile(dialect), column.name
        assert isinstance(column.type, UTCDateTime) == isinstance(schema.type, UTCDateTime), column.name
        assert column.primary_key == schema.primary_key, column.name
        assert column.nullable == schema.nullable, column.name
