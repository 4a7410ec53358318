"""What an account's token needs next, from what is stored about it: a pure policy.

A refreshed token (X) needs nothing while refresh works; a token that does not refresh (a Facebook
Page token, one pasted by hand) runs out at its expiry or when the platform stops giving the app data
(Graph's data_access_expires_at), and a person must reconnect before then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from smtool.i18n import _, format_day

# How long before a token that does not refresh runs out a person is told.
WARN_BEFORE = timedelta(days=7)


@dataclass(frozen=True)
class TokenHealth:
    """`action` in words a person follows; `urgent` when it must happen soon (an alert is due)."""

    action: str
    urgent: bool
    runs_out: datetime | None  # when the account stops working without a person; None: not foreseen


def assess(
    account_id: str,
    status: str,
    expires_at: datetime | None,
    access_expires_at: datetime | None,
    refreshable: bool,
    now: datetime,
) -> TokenHealth:
    """The next action for an account's token (`status` missing | ok | needs_reauth)."""
    reconnect = f"smtool account connect {account_id}"
    if status == "missing":
        return TokenHealth(_("connect: {command}").format(command=reconnect), True, None)
    if status != "ok":
        return TokenHealth(_("reconnect: {command}").format(command=reconnect), True, None)
    ends = [t for t in (None if refreshable else expires_at, access_expires_at) if t is not None]
    runs_out = min(ends) if ends else None
    if runs_out is not None and runs_out <= now:
        return TokenHealth(
            _("expired {day}: {command}").format(day=format_day(runs_out.date()), command=reconnect),
            True,
            runs_out,
        )
    if runs_out is not None and runs_out - now <= WARN_BEFORE:
        return TokenHealth(
            _("reconnect before {day}: {command}").format(day=format_day(runs_out.date()), command=reconnect),
            True,
            runs_out,
        )
    if refreshable:
        return TokenHealth(_("none (refreshed automatically)"), False, runs_out)
    return TokenHealth(_("none"), False, runs_out)


class StoredToken(Protocol):
    """What is stored about an account's token: an ORM Account or a Core row of `accounts`."""

    @property
    def id(self) -> str: ...
    @property
    def token_status(self) -> str: ...
    @property
    def token_expires_at(self) -> datetime | None: ...
    @property
    def token_access_expires_at(self) -> datetime | None: ...
    @property
    def refresh_encrypted(self) -> bytes | None: ...


def health_of(row: StoredToken, now: datetime) -> TokenHealth:
    """What the account's token in `row` needs next."""
    return assess(
        row.id,
        row.token_status,
        row.token_expires_at,
        row.token_access_expires_at,
        row.refresh_encrypted is not None,
        now,
    )
