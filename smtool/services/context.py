"""What every use case needs: the settings and the database, opened once per process; the working
calendar the settings describe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from smtool.config import Settings
from smtool.domain.working_time import WorkingTime
from smtool.services.files import check_private, require_database_file
from smtool.services.people import with_stored_directory
from smtool.store.engine import Database
from smtool.store.migrate import check_current
from smtool.store.types import utcnow

# The engine option naming the signing key's file (records.signing.signing_key_for reads it).
SIGNING_KEY_OPTION = "smtool_signing_key_file"

# What "now" is for a use case: aware UTC.
Clock = Callable[[], datetime]


@dataclass
class Context:
    settings: Settings
    db: Database
    # Every decision a use case takes against "now" (a time in the past, a lease, a due time, a
    # report's period) reads this clock, so tests can fix it and do not age with the calendar. The
    # audit log keeps the system clock: it records when something was done, and no caller may backdate it.
    clock: Clock = utcnow

    @classmethod
    def open(cls, settings: Settings, *, check_schema: bool = True, clock: Clock = utcnow) -> Context:
        """Open the configured database; raises ConfigError when its SQLite file does not exist (it is
        never created here), DatabaseError when it is unreachable or stale, and
        NotPrivate when a shared installation's config, keys or database are open to other accounts.

        With the schema checked, the users and accounts are the database's (services.people), not
        the file's: a later edit of those sections waits for `smtool config apply`."""
        require_database_file(settings)
        if settings.access.mode == "shared":
            check_private(settings)
        db = Database(settings.database_url)
        # Publications are sealed with the signing key, also where only a session is at hand.
        db.engine.update_execution_options(**{SIGNING_KEY_OPTION: str(settings.signing_key_path)})
        if check_schema:
            try:
                check_current(db)
                settings = with_stored_directory(db, settings)
            except BaseException:
                db.dispose()
                raise
        return cls(settings, db, clock)

    def refresh_directory(self) -> None:
        """Read the users and accounts again: a long-running process (the worker, the TUI) sees a
        `config apply` made since it started."""
        self.settings = with_stored_directory(self.db, self.settings)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def working_time(settings: Settings) -> WorkingTime:
    """The institution's working calendar ([inbox] working hours, days and holidays)."""
    inbox = settings.inbox
    return WorkingTime.of(
        settings.institution.timezone,
        inbox.working_hours,
        inbox.working_days,
        inbox.public_holidays,
        inbox.extra_holidays,
    )
