"""The reports' working clock gives the inbox calendar's answers (services.sla), DST and holidays included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from smtool.config import Inbox
from smtool.domain.working_time import WorkClock, WorkingTime

CALENDAR = WorkingTime.of("Europe/Riga", Inbox().working_hours, Inbox().working_days, "lv")
CLOCK = WorkClock(CALENDAR, date(2024, 12, 31), date(2027, 3, 1))
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(min_value=0, max_value=20 * 24 * 60))
def test_minutes_between_equal_the_sla_calendar(start: datetime, minutes: int) -> None:
    end = start + timedelta(minutes=minutes)
    expected = CALENDAR.between(start, end).total_seconds() / 60
    assert abs(CLOCK.minutes_between(start, end) - expected) < 1e-6


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(min_value=1, max_value=3000))
def test_targets_equal_the_sla_calendar(start: datetime, minutes: int) -> None:
    assert CLOCK.add(start, minutes) == CALENDAR.add(start, minutes)


def test_a_target_past_the_last_day_is_unknown() -> None:
    short = WorkClock(CALENDAR, date(2025, 10, 20), date(2025, 10, 24))
    assert short.add(datetime(2025, 10, 24, 12, 0, tzinfo=UTC), 600) is None
