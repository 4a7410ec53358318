"""Times people type, in the institution's zone, turned into unambiguous UTC instants.

Typed either as ISO ("2026-12-03 14:30") or as Latvian offices write them ("3.12.2026 14:30", also
"3.12.2026. 14:30" with the date's closing full stop), whatever the reader's interface language.

At a DST change a wall-clock time can happen twice (autumn) or never (spring). Guessing would publish
an hour early or late, so such a time is refused with both candidate instants named.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from smtool.errors import UsageError
from smtool.i18n import _, format_day, format_moment

FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    # Day first, as in Latvia (strptime's %d and %m take one digit too: 3.12.2026 9:30).
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y. %H:%M",
    "%d.%m.%Y., %H:%M",
)
DAY_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%Y.")
# The days a person may name, in times and in periods. The calendar's own ends (year 1 and 9999)
# overflow once a time is turned into UTC or a publication window is added to it (a post at
# 9999-12-31 23:59 was accepted and failed at approval), and a period of millennia takes minutes to
# lay out: nothing the tool stores predates the Unix epoch, and no one posts for the year 3000.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


def parse_local(text: str, zone: str) -> datetime:
    """Parse "YYYY-MM-DD HH:MM" or "D.M.YYYY HH:MM" as a wall-clock time in `zone`; return aware UTC.

    Raises UsageError for an unreadable text, a day outside FIRST_DAY..LAST_DAY, a time that does not
    exist in the zone, or one that is ambiguous there.
    """
    naive = _parse(text.strip())
    if not FIRST_DAY <= naive.date() <= LAST_DAY:
        raise UsageError(
            _("{time} is out of range; give a time from {first} to {last}").format(
                time=text.strip(), first=format_day(FIRST_DAY), last=format_day(LAST_DAY)
            )
        )
    tz = ZoneInfo(zone)
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        first, second = sorted((early.astimezone(UTC), late.astimezone(UTC)))
        if _round_trips(early) and _round_trips(late):
            raise UsageError(
                _(
                    "{time} happens twice in {zone} (clocks go back): it could be {first} or "
                    "{second}. Choose a time outside that hour."
                ).format(time=text.strip(), zone=zone, first=_show(first, tz), second=_show(second, tz))
            )
        raise UsageError(
            _(
                "{time} does not exist in {zone} (clocks go forward): the nearest instants are "
                "{first} and {second}. Choose a time outside that hour."
            ).format(time=text.strip(), zone=zone, first=_show(first, tz), second=_show(second, tz))
        )
    return early.astimezone(UTC)


def to_local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def format_local(moment: datetime, zone: str) -> str:
    """`moment` as the reader writes a local time, with the zone's abbreviation: "2026-12-01 09:30
    EET" in English, "1.12.2026. 09:30 EET" in Latvian."""
    local = to_local(moment, zone)
    return f"{format_moment(local)} {local.tzname()}"


def parse_day(text: str) -> date:
    """A calendar day typed as "YYYY-MM-DD" or "D.M.YYYY" (with or without the closing full stop).

    Raises UsageError saying both ways to write it.
    """
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise UsageError(
        _(
            "cannot read the day {text}; write it as D.M.YYYY or YYYY-MM-DD, e.g. 1.12.2026 or 2026-12-01"
        ).format(text=repr(text))
    )


def _parse(text: str) -> datetime:
    for fmt in FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise UsageError(
        _(
            "cannot read the time {text}; write it as D.M.YYYY HH:MM or YYYY-MM-DD HH:MM, "
            "e.g. 1.12.2026 09:30 or 2026-12-01 09:30"
        ).format(text=repr(text))
    )


def _round_trips(local: datetime) -> bool:
    # A non-existent time converted to UTC and back lands on a different wall-clock time.
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def _show(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%H:%M} {local.tzname()} ({format_day(moment.date())} {moment:%H:%M} UTC)"
