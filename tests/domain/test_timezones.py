from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smtool.domain.timezones import format_local, parse_local
from smtool.errors import UsageError

RIGA = "Europe/Riga"


def test_winter_and_summer_offsets() -> None:
    assert parse_local("2026-01-15 09:00", RIGA) == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert parse_local("2026-07-15 09:00", RIGA) == datetime(2026, 7, 15, 6, 0, tzinfo=UTC)


def test_a_time_skipped_in_spring_is_refused_naming_both_instants() -> None:
    # 2026-03-29: clocks in Riga jump from 03:00 EET to 04:00 EEST.
    with pytest.raises(UsageError) as info:
        parse_local("2026-03-29 03:30", RIGA)
    assert "does not exist" in info.value.msg
    assert "00:30 UTC" in info.value.msg and "01:30 UTC" in info.value.msg


def test_a_time_repeated_in_autumn_is_refused_naming_both_instants() -> None:
    # 2026-10-25: clocks go back from 04:00 EEST to 03:00 EET; 03:30 happens twice.
    with pytest.raises(UsageError) as info:
        parse_local("2026-10-25 03:30", RIGA)
    assert "happens twice" in info.value.msg
    assert "00:30 UTC" in info.value.msg and "01:30 UTC" in info.value.msg


def test_unreadable_times_say_the_format() -> None:
    with pytest.raises(UsageError, match="YYYY-MM-DD HH:MM"):
        parse_local("rīt 9:00", RIGA)


@pytest.mark.parametrize(
    "text", ["0001-01-01 00:00", "9999-12-31 23:59", "1969-12-31 23:59", "3000-01-01 00:00"]
)
def test_times_outside_the_days_a_person_may_name_are_refused(text: str) -> None:
    # 0001-01-01 overflowed turned into UTC; 9999-12-31 was accepted and overflowed at approval.
    with pytest.raises(UsageError, match="out of range; give a time from 1970-01-01 to 2999-12-31"):
        parse_local(text, RIGA)
    assert parse_local("2999-12-31 23:59", RIGA).year == 2999


def test_format_local_round_trip() -> None:
    moment = parse_local("2026-12-01 09:30", RIGA)
    assert format_local(moment, RIGA) == "2026-12-01 09:30 EET"
