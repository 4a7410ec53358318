from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from smtool.domain.timezones import format_local, parse_day, parse_local
from smtool.errors import UsageError
from smtool.i18n import speaking

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


@pytest.mark.parametrize(
    "typed",
    ["3.12.2026 14:30", "3.12.2026. 14:30", "03.12.2026 14:30", "3.12.2026., 14:30", "2026-12-03 14:30"],
)
def test_latvian_and_iso_entry_mean_the_same_instant(typed: str) -> None:
    assert parse_local(typed, RIGA) == datetime(2026, 12, 3, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["3.12.2026", "3.12.2026.", "2026-12-03", " 03.12.2026. "])
def test_a_day_typed_either_way(typed: str) -> None:
    assert parse_day(typed) == date(2026, 12, 3)


@pytest.mark.parametrize("typed", ["12/3/2026 14:30", "32.12.2026 10:00", "3.12.26 14:30", "3.12.2026 25:00"])
def test_a_time_in_neither_form_says_both(typed: str) -> None:
    with pytest.raises(UsageError, match=r"D\.M\.YYYY HH:MM or YYYY-MM-DD HH:MM"):
        parse_local(typed, RIGA)


def test_a_latvian_entry_in_the_spring_gap_is_refused_in_latvian() -> None:
    # 29.3.2026: 03:00 EET becomes 04:00 EEST; 03:30 never happens in Riga.
    with speaking("lv"), pytest.raises(UsageError) as info:
        parse_local("29.3.2026. 03:30", RIGA)
    message = info.value.msg
    assert message.startswith("29.3.2026. 03:30 laika joslā Europe/Riga nav (pulksteņus pagriež uz priekšu)")
    assert "02:30 EET (29.03.2026. 00:30 UTC)" in message and "04:30 EEST (29.03.2026. 01:30 UTC)" in message


def test_a_latvian_entry_in_the_autumn_overlap_is_refused_in_latvian() -> None:
    # 25.10.2026: 04:00 EEST becomes 03:00 EET; 03:30 happens twice.
    with speaking("lv"), pytest.raises(UsageError) as info:
        parse_local("25.10.2026 03:30", RIGA)
    message = info.value.msg
    assert "ir divreiz (pulksteņus pagriež atpakaļ)" in message
    assert "03:30 EEST (25.10.2026. 00:30 UTC)" in message and "03:30 EET (25.10.2026. 01:30 UTC)" in message


def test_latvian_readers_see_latvian_dates() -> None:
    moment = parse_local("1.12.2026 09:30", RIGA)
    with speaking("lv"):
        assert format_local(moment, RIGA) == "1.12.2026. 09:30 EET"
    assert format_local(moment, RIGA) == "2026-12-01 09:30 EET"
