"""Engine and session factory for SQLite (embedded default) and PostgreSQL (shared).

SQLite follows design.md: WAL, busy_timeout 5 s, synchronous=FULL, foreign keys on, and every write
transaction opened with BEGIN IMMEDIATE so that two writers never both read-then-write on a snapshot
that one of them is about to invalidate. Reads use a plain deferred BEGIN and never block writers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from smtool.domain.words import clause
from smtool.errors import DatabaseError, DatabaseUnreachable
from smtool.i18n import _

# sqlmodel (and with it the ORM) is imported when a session is first opened, not with the engine:
# the reads every command starts with (the schema stamp, the users and accounts) need neither.
if TYPE_CHECKING:
    from sqlmodel import Session

_READ_ONLY = "smtool_read_only"
# How long an SQLite write waits for another writer before "database is locked": 5 s for any write,
# a minute for a patient one (the emergency stop, which must get through, not fail).
_BUSY_MS = "smtool_busy_ms"
BUSY_MS = 5000
PATIENT_BUSY_MS = 60_000


# Query parameters whose value is a secret: libpq takes `password` (and `sslpassword`) there as well
# as in `user:password@`, and a `dsn`/`conninfo` string may carry `password=` inside it.
_SECRET_WORDS = "pass|secret|token|dsn|conninfo"
_SECRET_PARAMETER = re.compile(_SECRET_WORDS, re.IGNORECASE)
# The same, for text that is not a URL SQLAlchemy reads: `user:password@` and `name=value` pairs.
_SECRET_USERINFO = re.compile(r"(//[^/?#@:]*:)[^/?#]*@")
_SECRET_PAIR = re.compile(rf"([^=&;?\s]*(?:{_SECRET_WORDS})[^=&;?\s]*=)[^&;\s]*", re.IGNORECASE)
MASK = "***"


def describe_url(url: str) -> str:
    """The URL with every password masked, safe for messages and logs: the `user:password@` part and
    any query parameter that carries a secret (`?password=`, `sslpassword`, a `dsn`), in whatever
    case or percent-encoding it was written. A text that is not a URL is masked the same way."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # Not a URL SQLAlchemy can read (a port that is not a number, ...): still shown, masked,
        # so that the user sees what to fix; percent-decoded first so no spelling of a key hides.
        plain = unquote(url)
        return _SECRET_PAIR.sub(rf"\g<1>{MASK}", _SECRET_USERINFO.sub(rf"\g<1>{MASK}@", plain))
    shown = parsed.set(query={}).render_as_string(hide_password=True)
    pairs = [
        (key, value)
        for key, values in sorted(parsed.query.items())
        for value in ((values,) if isinstance(values, str) else values)
    ]
    if not pairs:
        return shown
    query = "&".join(
        f"{quote(key, safe='')}={MASK if _SECRET_PARAMETER.search(key) else quote(value, safe='')}"
        for key, value in pairs
    )
    return f"{shown}?{query}"


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """Create an engine with smtool's settings for the URL's database.

    Raises DatabaseError for an URL that is not a database URL smtool supports.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseError(
            _(
                "{url} is not a database URL; expected sqlite:///PATH or postgresql+psycopg://user@host/db"
            ).format(url=repr(describe_url(url)))
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # psycopg prepares a statement after its fifth run, and PostgreSQL then may switch to a generic
        # plan that ignores the parameters' values: the queue's claim walked the primary key instead of
        # (state, priority, id) and took 100 ms instead of 0.1 ms. Planning each statement costs less.
        kwargs: dict[str, Any] = {"pool_pre_ping": True, "connect_args": {"prepare_threshold": None}}
        if not pool:
            kwargs["poolclass"] = NullPool
        return create_engine(parsed, **kwargs)
    raise DatabaseError(
        _("unsupported database {backend}; use SQLite or PostgreSQL").format(
            backend=repr(parsed.get_backend_name())
        )
    )


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the sqlite3 module, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(_READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        # Set for every write, so that a patient one (`Database.write(patient=True)`) leaves no
        # longer wait behind on the pooled connection.
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(options.get(_BUSY_MS, BUSY_MS))}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# What the drivers say when the database is there but cannot answer now (psycopg gives no SQLSTATE
# for a failed connection, so its words are all there is): refused or dropped connections, a server
# starting, stopping or full, SQLite locked past the busy timeout. Anything else, a host name that
# does not resolve, a refused login, a database or role that does not exist, needs a person.
_PASSING = re.compile(
    r"connection refused|is the server running|timeout expired|timed out|server closed the connection"
    r"|connection reset|the database system is|too many clients|remaining connection slots"
    r"|no route to host|network is unreachable|terminating connection|database (?:table )?is locked",
    re.IGNORECASE,
)


def passing_fault(driver_message: str) -> bool:
    """Whether a driver's error on connecting says the database may answer later (see _PASSING)."""
    return _PASSING.search(driver_message) is not None


class Database:
    """One database: an engine plus the two kinds of session the services use."""

    def __init__(self, url: str, *, pool: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, pool=pool)
        self._reader = self.engine.execution_options(**{_READ_ONLY: True})
        self._patient = self.engine.execution_options(**{_BUSY_MS: PATIENT_BUSY_MS})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self, *, patient: bool = False) -> Iterator[Session]:
        """A session in one write transaction, committed on success and rolled back on error.
        `patient`: on SQLite, wait up to a minute for another writer instead of 5 s (a pause must
        get through even while a large import writes on a machine that is slow today)."""
        from sqlmodel import Session

        bind = self._patient if patient else self.engine
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; it takes no write lock on SQLite."""
        from sqlmodel import Session

        with Session(self._reader, expire_on_commit=False) as session, session.begin():
            yield session

    @property
    def reader(self) -> Engine:
        """The engine for reading outside a session: on SQLite its transactions take no write lock,
        so a command that only looks (the schema check every command starts with) never waits
        for a writer."""
        return self._reader

    def check_reachable(self) -> None:
        """Raise DatabaseError with a readable reason when the database cannot be opened."""
        try:
            with self._reader.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        # ProgrammingError: libpq refused an option of the URL (a misspelt `passwrd=`, say).
        except (OperationalError, ProgrammingError) as e:
            reason = clause(str(e.orig).strip().splitlines()[0] if e.orig else str(e))
            message = _(
                "cannot open the database {url}: {reason}. "
                "Check [database] url in config.toml or SMTOOL_DATABASE_URL."
            ).format(url=describe_url(self.url), reason=reason)
            if isinstance(e, OperationalError) and passing_fault(str(e.orig or e)):
                raise DatabaseUnreachable(message, reason) from None
            raise DatabaseError(message) from None

    def dispose(self) -> None:
        self.engine.dispose()
