"""Schema migrations through Alembic, driven from code (no alembic.ini to find).

`upgrade` brings a database to the newest schema; `check_current` refuses to work on a database that
was never initialised, or that a newer smtool has migrated beyond what this code knows.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from smtool.errors import DatabaseError
from smtool.i18n import _
from smtool.store.engine import Database, describe_url

# Alembic is imported where a migration is run or the revisions are walked: every command opens
# the database through check_current, and importing alembic and loading each revision cost about
# 0.1 s of every command's start-up. check_current reads the stamp directly when it is the head.
if TYPE_CHECKING:
    from alembic.config import Config

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None when it has no smtool schema yet."""
    from alembic.runtime.migration import MigrationContext

    db.check_reachable()
    with db.reader.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def refuse_newer(db: Database, revision: str | None) -> None:
    """Raise DatabaseError when `revision` is not one this code knows (a newer smtool wrote it)."""
    from alembic.script import ScriptDirectory

    if revision is None:
        return
    scripts = ScriptDirectory.from_config(_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise DatabaseError(
            _(
                "the database {url} has schema {revision}, newer than this smtool knows "
                "(newest here: {head}). Upgrade smtool; nothing was changed."
            ).format(url=describe_url(db.url), revision=revision, head=head_revision())
        )


def upgrade(db: Database) -> tuple[str | None, str]:
    """Migrate to the newest schema; returns (revision before, revision after).

    Raises DatabaseError when the database is unreachable or of a newer schema than this code.
    """
    from alembic import command

    before = current_revision(db)
    refuse_newer(db, before)
    with db.engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


_REVISION = re.compile(r"""^revision(?:\s*:\s*str)?\s*=\s*["']([\w-]+)["']\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"""^down_revision(?:\s*:[^=\n]*)?\s*=\s*(?:["']([\w-]+)["']|None)\s*$""", re.MULTILINE
)


@lru_cache(maxsize=1)
def newest_revision_in_files() -> str | None:
    """The head revision read from the revision files' `revision` and `down_revision` lines, without
    alembic; None when a file is not that simple (a merge, say) or there is not exactly one head,
    and then alembic is asked."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_SCRIPTS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stamped_with_head(db: Database) -> bool:
    """Whether the database's alembic_version holds exactly this code's head (the usual case), read
    with one query; anything else (unreachable, no schema, another revision) is left to the full
    check, which says what is wrong."""
    head = newest_revision_in_files()
    if head is None:
        return False
    try:
        with db.reader.connect() as connection:
            stamped = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except SQLAlchemyError:
        return False
    return list(stamped) == [head]


def check_current(db: Database) -> None:
    """Raise DatabaseError unless the database is at exactly this code's schema."""
    if _stamped_with_head(db):
        return
    revision = current_revision(db)
    if revision is None:
        raise DatabaseError(
            _("the database {url} has no smtool schema; run `smtool init` or `smtool db upgrade`.").format(
                url=describe_url(db.url)
            )
        )
    refuse_newer(db, revision)
    if revision != head_revision():
        raise DatabaseError(
            _(
                "the database {url} is at schema {revision}, older than this smtool ({head}); "
                "run `smtool db upgrade`."
            ).format(url=describe_url(db.url), revision=revision, head=head_revision())
        )
