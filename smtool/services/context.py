"""What every use case needs: the settings and the database, opened once per process; the working
calendar the settings describe."""

from __future__ import annotations

from dataclasses import dataclass

from smtool.config import Settings
from smtool.domain.working_time import WorkingTime
from smtool.store.engine import Database
from smtool.store.migrate import check_current


@dataclass
class Context:
    settings: Settings
    db: Database

    @classmethod
    def open(cls, settings: Settings, *, check_schema: bool = True) -> Context:
        """Open the configured database; raises DatabaseError when it is unreachable or stale."""
        db = Database(settings.database_url)
        if check_schema:
            try:
                check_current(db)
            except BaseException:
                db.dispose()
                raise
        return cls(settings, db)

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
