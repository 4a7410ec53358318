"""Alembic environment: always called through smtool.store.migrate with a live connection."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import smtool.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from smtool.store.fts import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds for ALTERs
    compare_type=True,
    include_object=include_object,  # the full-text objects metadata does not model
)
with context.begin_transaction():
    context.run_migrations()
