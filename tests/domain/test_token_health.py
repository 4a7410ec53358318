from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smtool.domain.token_health import WARN_BEFORE, assess

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def test_missing_and_refused_tokens_say_to_connect() -> None:
    assert assess("vk-x", "missing", None, None, False, NOW).action == "connect: smtool account connect vk-x"
    refused = assess("vk-x", "needs_reauth", None, None, True, NOW)
    assert refused.urgent and refused.action == "reconnect: smtool account connect vk-x"


def test_a_refreshed_token_needs_nothing_however_close_its_expiry() -> None:
    health = assess("vk-x", "ok", NOW + timedelta(minutes=5), None, True, NOW)
    assert not health.urgent and health.action == "none (refreshed automatically)"


def test_a_token_that_does_not_refresh_is_flagged_a_week_before_it_runs_out() -> None:
    quiet = assess("vk-fb", "ok", None, NOW + WARN_BEFORE + timedelta(hours=1), False, NOW)
    assert not quiet.urgent and quiet.action == "none"
    soon = assess("vk-fb", "ok", NOW + timedelta(days=60), NOW + timedelta(days=3), False, NOW)
    assert soon.urgent and soon.runs_out == NOW + timedelta(days=3)
    assert soon.action == "reconnect before 2026-12-08: smtool account connect vk-fb"
    gone = assess("vk-fb", "ok", NOW - timedelta(seconds=1), None, False, NOW)
    assert gone.urgent and gone.action.startswith("expired 2026-12-05")
