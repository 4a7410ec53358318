"""SQLAlchemy Core views of the tables that a read command touches, for that path alone.

Every command opens the database and reads the users and accounts (services.people); `account
list` reads the accounts' token columns; `inbox list` reads a page of inbox items (all but their raw
payload and fetch time) and appends the read's audit row (services.records.audit). Building the
SQLModel classes of smtool.store.tables (pydantic models and ORM mappers, with sqlmodel and
sqlalchemy.orm imported for them) costs more than the rest of such a command together, so these
go through plain `Table` objects that name only the columns used, on a MetaData of their own (never
used to create or migrate anything: store.tables and the migrations stay the schema).
tests/store/test_read_tables.py checks every column here against store.tables, so the two cannot
drift apart.
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

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("remote_id", String(100), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("author_id", String(100)),
    Column("author_name", Text),
    Column("author_handle", Text),
    Column("text", Text, nullable=False),
    Column("parent_remote_id", String(100)),
    Column("thread_remote_id", String(100)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("state", String(32), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("flags", JSONType, nullable=False),
    Column("team", String(64)),
    Column("assigned_to", String(64)),
    Column("claimed_by", String(64)),
    Column("lease_until", UTCDateTime),
    Column("hidden", Boolean, nullable=False),
    Column("hidden_reason", Text),
    Column("first_response_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("version", Integer, nullable=False),
    Column("escaped", Boolean, nullable=False),
    Column("response_due_at", UTCDateTime),
)
