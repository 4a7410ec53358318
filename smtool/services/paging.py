"""What every list shares: a keyset page with the cursor where the next one starts, and the checks
of what a person typed to ask for it (a limit, a cursor, a value from a fixed set).

A list that stops at a limit always says where the next page starts; none truncates silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from smtool.errors import UsageError
from smtool.i18n import N_, _

T = TypeVar("T")

DEFAULT_LIMIT = 50
# A page is for a person or a script to read; the next one is a cursor away. A larger --limit (2**63)
# would overflow the databases' LIMIT.
MAX_LIMIT = 10_000
# Cursor parts are ids and microseconds since 1970, both the databases' BIGINT.
_BIGINT = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and the cursor (`--after`) of the next one; None on the last page."""

    items: list[T]
    next_cursor: str | None


def check_limit(limit: int) -> None:
    """Raises UsageError for a page size below 1 or above MAX_LIMIT."""
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(_("--limit must be from 1 to {most}").format(most=MAX_LIMIT))


# A refused filter value in a sentence of its own per filter: the noun and its plural differ by
# language, and Latvian words them differently.
_UNKNOWN = {
    "team": N_("unknown team {value}; teams: {choices}"),
    "state": N_("unknown state {value}; states: {choices}"),
}


def one_of(value: str | None, allowed: Iterable[str], what: str) -> None:
    """Raises UsageError when `value` is given and not one of `allowed`: a filter on a value that
    cannot exist would print an empty list, which reads as "there are none"."""
    choices = list(allowed)
    if value is not None and value not in choices:
        template = _UNKNOWN.get(what)
        if template is None:  # a filter with no sentence of its own: the generic one
            raise UsageError(
                _("unknown {what} {value}; choose one of {choices}").format(
                    what=what, value=repr(value), choices=", ".join(choices)
                )
            )
        raise UsageError(_(template).format(value=repr(value), choices=", ".join(choices)))


def cut(rows: Sequence[T], limit: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """The page from `rows` fetched with limit + 1: the extra row only tells that there is more."""
    page = list(rows[:limit])
    more = len(rows) > limit and bool(page)
    return Page(page, cursor_of(page[-1]) if more else None)


def parse_cursor(cursor: str | None, parts: int) -> tuple[int, ...] | None:
    """The integers of a cursor a list printed ("12" or "1764581400000000:12"); raises UsageError
    for anything else."""
    if not cursor:
        return None
    try:
        numbers = tuple(int(part) for part in cursor.split(":"))
    except ValueError:
        numbers = ()
    if len(numbers) != parts or not all(-_BIGINT <= n <= _BIGINT for n in numbers):
        raise UsageError(
            _("{cursor} is not a page cursor; use the one the previous page printed").format(
                cursor=repr(cursor)
            )
        )
    return numbers


def instant_key(moment: datetime) -> int:
    """A moment as whole microseconds since 1970 (exact, unlike a float timestamp), for a cursor."""
    return (moment - _EPOCH) // _MICROSECOND


def instant_of(key: int) -> datetime:
    """The moment `instant_key` wrote; raises UsageError for one out of range."""
    try:
        return _EPOCH + key * _MICROSECOND
    except OverflowError:
        raise UsageError(
            _("{cursor} is not a page cursor; use the one the previous page printed").format(cursor=key)
        ) from None
