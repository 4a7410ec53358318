"""Report periods: whole local days in the institution's zone, turned into exact UTC boundaries.

A manager asks for "March"; the database stores UTC. March in Riga starts at 22:00 UTC on the last
day of February and ends at 21:00 UTC on 31 March, because clocks go forward on its last Sunday.
Every boundary here is a local midnight converted with the zone's rules, never a fixed offset.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from smtool.domain.timezones import FIRST_DAY, LAST_DAY
from smtool.domain.timezones import parse_day as typed_day
from smtool.errors import UsageError
from smtool.i18n import _, format_day

Unit = Literal["day", "week"]
UNIT_SECONDS: dict[Unit, int] = {"day": 86400, "week": 7 * 86400}
# Trends of periods up to this many days are drawn per day, longer ones per ISO week.
DAILY_TREND_MAX_DAYS = 62
DEFAULT_DAYS = 30


def local_midnight(day: date, zone: str) -> datetime:
    """The UTC instant at which `day` begins in `zone`."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Local days `first_day` to `last_day` (inclusive) as the UTC interval [start, end)."""

    first_day: date
    last_day: date
    zone: str

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def label(self) -> str:
        """The days covered, as the reader writes days ("1.3.2026. – 31.3.2026." in Latvian)."""
        return f"{format_day(self.first_day)} – {format_day(self.last_day)}"

    def trend_unit(self) -> Unit:
        return "day" if self.days <= DAILY_TREND_MAX_DAYS else "week"

    def to_dict(self) -> dict[str, str]:
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "zone": self.zone,
            "start_utc": self.start.isoformat(),
            "end_utc": self.end.isoformat(),
        }


def parse_day(text: str, option: str) -> date:
    """A date typed for `option` (YYYY-MM-DD or D.M.YYYY); raises UsageError saying how to write it."""
    try:
        day = typed_day(text)
    except UsageError:
        raise UsageError(
            _(
                "{option} {text} is not a date; write it as YYYY-MM-DD or D.M.YYYY, "
                "e.g. 2026-03-01 or 1.3.2026"
            ).format(option=option, text=repr(text))
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(
            _("{option} {day} is out of range; give a day from {first} to {last}").format(
                option=option, day=format_day(day), first=format_day(FIRST_DAY), last=format_day(LAST_DAY)
            )
        )
    return day


def period_between(first: str | None, last: str | None, zone: str, now: datetime) -> Period:
    """The period from --from to --to (local days, inclusive).

    Without --to it ends today; without --from it starts DEFAULT_DAYS days before its end. Raises
    UsageError for an unreadable date or a period that ends before it starts.
    """
    today = now.astimezone(ZoneInfo(zone)).date()
    last_day = parse_day(last, "--to") if last else today
    first_day = parse_day(first, "--from") if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        raise UsageError(
            _("--from {first} is after --to {last}; give the earlier day first").format(
                first=format_day(first_day), last=format_day(last_day)
            )
        )
    return Period(first_day, last_day, zone)


def previous_week(now: datetime, zone: str) -> Period:
    """The last complete Monday-to-Sunday week before `now`, in `zone`."""
    today = now.astimezone(ZoneInfo(zone)).date()
    this_monday = today - timedelta(days=today.weekday())
    return Period(this_monday - timedelta(days=7), this_monday - timedelta(days=1), zone)


def previous_month(now: datetime, zone: str) -> Period:
    """The last complete calendar month before `now`, in `zone`."""
    first_of_this = now.astimezone(ZoneInfo(zone)).date().replace(day=1)
    last_of_previous = first_of_this - timedelta(days=1)
    return Period(last_of_previous.replace(day=1), last_of_previous, zone)


@dataclass(frozen=True)
class Bucket:
    """One step of a trend: a local day or an ISO week, clipped to the period."""

    label: str
    start: datetime
    end: datetime


def bucket_origin(period: Period, unit: Unit) -> date:
    """The local day bucket 0 starts on: the first day, or the Monday of its week."""
    if unit == "day":
        return period.first_day
    return period.first_day - timedelta(days=period.first_day.weekday())


def buckets(period: Period, unit: Unit) -> list[Bucket]:
    """The period's days or ISO weeks, in order; bucket i is the one `bucket_sql` numbers i."""
    step = timedelta(days=1 if unit == "day" else 7)
    day = bucket_origin(period, unit)
    out: list[Bucket] = []
    while day <= period.last_day:
        following = day + step
        if unit == "day":
            label = day.isoformat()
        else:
            year, week, _ = day.isocalendar()
            label = f"{year}-W{week:02d}"
        out.append(
            Bucket(
                label,
                max(local_midnight(day, period.zone), period.start),
                min(local_midnight(following, period.zone), period.end),
            )
        )
        day = following
    return out


def offset_changes(zone: str, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(UTC epoch second, UTC offset in seconds from then on) for [start, end); the first entry
    is the offset at `start`. Found by sampling daily and bisecting to the second where it changes."""
    tz = ZoneInfo(zone)

    def offset(epoch: int) -> int:
        delta = datetime.fromtimestamp(epoch, UTC).astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    begin, finish = int(start.timestamp()), int(end.timestamp())
    changes = [(begin, offset(begin))]
    day = 86400
    for t in range(begin, finish, day):
        following = min(t + day, finish)
        if offset(following) != offset(t):
            # First second in (t, following] with the new offset.
            seconds = range(t + 1, following + 1)
            first = bisect.bisect_left(seconds, True, key=lambda s: offset(s) != offset(t))
            moment = t + 1 + first
            changes.append((moment, offset(moment)))
    return changes


def local_epoch_origin(period: Period, unit: Unit) -> int:
    """Bucket 0's start as "local epoch" seconds (wall-clock time counted as if it were UTC)."""
    origin = bucket_origin(period, unit)
    return int(datetime.combine(origin, time(0), UTC).timestamp())
