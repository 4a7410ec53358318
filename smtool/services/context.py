"""What every use case needs: the settings and the database, opened once per process; the working
calendar the settings describe."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from smtool.config import Settings, load_settings
from smtool.domain.working_time import WorkingTime
from smtool.errors import ConfigError, UnappliedAddress
from smtool.i18n import _
from smtool.services.files import check_private, require_database_file
from smtool.services.people import with_stored_directory
from smtool.store.engine import Database
from smtool.store.migrate import check_current
from smtool.store.types import utcnow

if TYPE_CHECKING:
    # Only named in a signature: the ORM's table classes are imported by the flows that use them.
    from smtool.store.tables import Account

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
    # The settings as config.toml says, before the stored users and accounts replaced its own
    # (None where no file was read): `platform_address` compares the two.
    configured: Settings | None = None

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
        configured = settings
        if check_schema:
            try:
                check_current(db)
                settings = with_stored_directory(db, settings)
            except BaseException:
                db.dispose()
                raise
        return cls(settings, db, clock, configured)

    def refresh_directory(self) -> None:
        """Read the users and accounts again: a long-running process (the worker, the TUI) sees a
        `config apply` made since it started, and an edit of config.toml not applied yet (which
        `platform_address` refuses to act on)."""
        self.settings = with_stored_directory(self.db, self.settings)
        if self.configured is not None and self.configured.source is not None:
            # A file broken mid-edit: the last one read stands until it is whole again.
            with contextlib.suppress(ConfigError):
                self.configured = load_settings(self.configured.source)

    def unapplied_addresses(self) -> frozenset[str]:
        """The accounts whose `base_url` in config.toml differs from the applied one: refused by
        `platform_address` until `smtool config apply`."""
        if self.configured is None:
            return frozenset()
        applied = {a.id: a.base_url for a in self.settings.accounts}
        return frozenset(
            a.id for a in self.configured.accounts if a.id in applied and applied[a.id] != a.base_url
        )

    def platform_address(self, account: Account) -> str | None:
        """Where the account's connector and OAuth app send its token: the applied `base_url`,
        provided config.toml says the same.

        Raises UnappliedAddress when they differ. Refusing is safer than either side: config.toml
        takes effect only through the audited `config apply` (otherwise whoever can edit the file
        could send the institution's tokens to a host of their choosing, unrecorded), and the
        database's copy may be stale, naming an address another installation now answers on (a
        worker once sent one installation's tokens to another's sandbox). Until a person applies or
        reverts the edit, no token goes anywhere.
        """
        entry = self.configured.account(account.id) if self.configured is not None else None
        if entry is not None and entry.base_url != account.base_url:
            itself = _("the platform itself")
            raise UnappliedAddress(
                _(
                    "account {account}: config.toml sends it to {configured} but the applied configuration "
                    "to {applied}; nothing is sent to either until `smtool config apply` (see --dry-run) "
                    "applies the file, or the file is changed back"
                ).format(
                    account=account.id,
                    configured=entry.base_url or itself,
                    applied=account.base_url or itself,
                )
            )
        return account.base_url

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
