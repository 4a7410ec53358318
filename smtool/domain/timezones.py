"""Times people type, in the institution's zone, turned into unambiguous UTC instants.

At a DST change a wall-clock time can happen twice (autumn) or never (spring). Guessing would publish
an hour early or late, so such a time is refused with both candidate instants named.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from smtool.errors import UsageError

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S")
# The days a person may name, in times and in periods. The calendar's own ends (year 1 and 9999)
# overflow once a time is turned into UTC or a publication window is added to it (a post at
# 9999-12-31 23:59 was accepted and failed at approval), and a period of millennia takes minutes to
# lay out: nothing the tool stores predates the Unix epoch, and no one posts for the year 3000.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def parse_local(text: str, zone: str) -> datetime:
    """Parse "YYYY-MM-DD HH:MM" as a wall-clock time in `zone`; return aware UTC.

    Raises UsageError for an unreadable text, a day outside FIRST_DAY..LAST_DAY, a time that does not
    exist in the zone, or one that is ambiguous there.
    """
    naive = _parse(text.strip())
    if not FIRST_DAY <= naive.date() <= LAST_DAY:
        raise UsageError(f"{text.strip()} is out of range; give a time from {FIRST_DAY} to {LAST_DAY}")
    tz = ZoneInfo(zone)
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        first, second = sorted((early.astimezone(UTC), late.astimezone(UTC)))
        if _round_trips(early) and _round_trips(late):
            raise UsageError(
                f"{text.strip()} happens twice in {zone} (clocks go back): it could be "
                f"{_show(first, tz)} or {_show(second, tz)}. Choose a time outside that hour."
            )
        raise UsageError(
            f"{text.strip()} does not exist in {zone} (clocks go forward): the nearest instants "
            f"are {_show(first, tz)} and {_show(second, tz)}. Choose a time outside that hour."
        )
    return early.astimezone(UTC)


def to_local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def format_local(moment: datetime, zone: str) -> str:
    return to_local(moment, zone).strftime("%Y-%m-%d %H:%M %Z")


def _parse(text: str) -> datetime:
    for fmt in FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise UsageError(f"cannot read the time {text!r}; write it as YYYY-MM-DD HH:MM, e.g. 2026-12-01 09:30")


def _round_trips(local: datetime) -> bool:
    # A non-existent time converted to UTC and back lands on a different wall-clock time.
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _show(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%H:%M} {local.tzname()} ({moment:%Y-%m-%d %H:%M} UTC)"
