"""SQLAlchemy Core views of the tables that every command reads, for the read path alone.

Every command opens the database and reads the users and accounts (services.people); `account
list` reads the accounts' token columns; a read of citizens' data appends its audit row
(services.records.audit). Building the SQLModel classes of smtool.store.tables
(pydantic models and ORM mappers, with sqlmodel and sqlalchemy.orm imported for them) costs more
than the rest of such a command together, so these reads go through plain `Table` objects that name
only the columns they read, on a MetaData of their own (never used to create or migrate anything:
store.tables and the migrations stay the schema). tests/store/test_read_tables.py checks every
column here against store.tables, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, LargeBinary, MetaData, String, Table, Text

from smtool.store.types import JSONType, UTCDateTime

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("display_name", String(200)),
    Column("roles", JSONType, nullable=False),
    Column("team", String(64)),
    Column("active", Boolean, nullable=False),
    Column("entry", JSONType),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("handle", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("remote_id", String(64)),
    Column("base_url", String(500)),
    Column("token_status", String(32), nullable=False),
    Column("token_set_at", UTCDateTime),
    Column("refresh_encrypted", LargeBinary),
    Column("token_expires_at", UTCDateTime),
    Column("token_scopes", JSONType, nullable=False),
    Column("token_handle", String(200)),
    Column("token_refreshed_at", UTCDateTime),
    Column("token_access_expires_at", UTCDateTime),
    Column("token_problem", Text),
    Column("active", Boolean, nullable=False),
    Column("entry", JSONType),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject_type", String(64), nullable=False),
    Column("subject_id", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
