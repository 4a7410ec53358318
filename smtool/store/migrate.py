"""Schema migrations through Alembic, driven from code (no alembic.ini to find).

`upgrade` brings a database to the newest schema; `check_current` refuses to work on a database that
was never initialised, or that a newer smtool has migrated beyond what this code knows.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from smtool.errors import DatabaseError
from smtool.store.engine import Database, describe_url

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None when it has no smtool schema yet."""
    db.check_reachable()
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def refuse_newer(db: Database, revision: str | None) -> None:
    """Raise DatabaseError when `revision` is not one this code knows (a newer smtool wrote it)."""
    if revision is None:
        return
    scripts = ScriptDirectory.from_config(_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise DatabaseError(
            f"the database {describe_url(db.url)} has schema {revision}, newer than this smtool "
            f"knows (newest here: {head_revision()}). Upgrade smtool; nothing was changed."
        )


def upgrade(db: Database) -> tuple[str | None, str]:
    """Migrate to the newest schema; returns (revision before, revision after).

    Raises DatabaseError when the database is unreachable or of a newer schema than this code.
    """
    before = current_revision(db)
    refuse_newer(db, before)
    with db.engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def check_current(db: Database) -> None:
    """Raise DatabaseError unless the database is at exactly this code's schema."""
    revision = current_revision(db)
    if revision is None:
        raise DatabaseError(
            f"the database {describe_url(db.url)} has no smtool schema; run `smtool init` "
            "or `smtool db upgrade`."
        )
    refuse_newer(db, revision)
    if revision != head_revision():
        raise DatabaseError(
            f"the database {describe_url(db.url)} is at schema {revision}, older than this "
            f"smtool ({head_revision()}); run `smtool db upgrade`."
        )
