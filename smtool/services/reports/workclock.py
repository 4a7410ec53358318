"""Working time for many items at once: the calendar's working windows laid out once with running
totals, so each item's working minutes and target times are a binary search, not a walk day by day.

Gives the same answers as services.sla.WorkingTime.between and .add (the tests compare them on the
same calendar); a year of 20,000 messages costs milliseconds instead of seconds.
"""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, timedelta

from smtool.services.sla import WorkingTime


class WorkClock:
    """Working windows of `calendar` on the local days `first` to `last` (inclusive)."""

    def __init__(self, calendar: WorkingTime, first: date, last: date) -> None:
        self.opens: list[float] = []
        self.ends: list[float] = []  # working seconds up to the end of each window
        self._closes: list[float] = []
        total = 0.0
        day = first
        while day <= last:
            if calendar.is_working_day(day):
                opens = datetime.combine(day, calendar.start, calendar.zone).timestamp()
                closes = datetime.combine(day, calendar.end, calendar.zone).timestamp()
                self.opens.append(opens)
                self._closes.append(closes)
                total += closes - opens
                self.ends.append(total)
            day += timedelta(days=1)

    def worked(self, moment: float) -> float:
        """Working seconds from the first window's opening to `moment` (epoch seconds)."""
        i = bisect.bisect_right(self.opens, moment) - 1
        if i < 0:
            return 0.0
        before = self.ends[i] - (self._closes[i] - self.opens[i])
        return before + min(moment, self._closes[i]) - self.opens[i]

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes from `start` to `end`; zero when end is not after start."""
        return max(0.0, self.worked(end.timestamp()) - self.worked(start.timestamp())) / 60

    def add(self, start: datetime, minutes: float) -> datetime | None:
        """The moment `minutes` of working time after `start`; None when that is beyond the last day."""
        target = self.worked(start.timestamp()) + minutes * 60
        i = bisect.bisect_left(self.ends, target)
        if i == len(self.ends):
            return None
        before = self.ends[i] - (self._closes[i] - self.opens[i])
        return datetime.fromtimestamp(self.opens[i] + (target - before), UTC)
