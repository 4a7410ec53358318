"""The outbox's retry policy without a database: what each failed send leads to, and when a retry is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtool.domain.outcomes import Backoff, Failure, FailureKind, Outcome, OutcomeKind, after_failure
from smtool.domain.states import PublicationState, check_publication_transition

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
BACKOFF = Backoff(base_seconds=30, max_attempts=8)


def outcome(failure: Failure, attempt: int = 1, not_after: datetime | None = None) -> Outcome:
    return after_failure(failure, attempt=attempt, now=NOW, not_after=not_after, backoff=BACKOFF)


def transient(attempt: int, not_after: datetime | None = None) -> Outcome:
    return outcome(Failure(FailureKind.TRANSIENT, "Service Unavailable"), attempt, not_after)


def test_a_server_error_is_retried_after_the_base_delay_and_scheduled_again() -> None:
    first = transient(attempt=1)
    assert first == Outcome(OutcomeKind.RETRY_AT, "Service Unavailable", NOW + timedelta(seconds=30))
    assert first.state is PublicationState.SCHEDULED


def test_the_delay_doubles_with_every_attempt() -> None:
    delays = [transient(attempt).retry_at for attempt in range(1, 8)]
    assert [d - NOW for d in delays if d is not None] == [
        timedelta(seconds=30 * 2**n) for n in range(7)
    ]  # 30 s, 1 min, 2 min ... 32 min


def test_after_the_last_attempt_a_person_must_look() -> None:
    assert transient(attempt=7).kind is OutcomeKind.RETRY_AT
    last = transient(attempt=8)
    assert last == Outcome(OutcomeKind.FAILED, "Service Unavailable")
    assert last.state is PublicationState.FAILED
    assert transient(attempt=9).kind is OutcomeKind.FAILED  # a row claimed once more than allowed


def test_a_retry_that_would_land_past_the_window_fails_now() -> None:
    retry_at = NOW + timedelta(seconds=60)  # attempt 2: one minute
    assert transient(attempt=2, not_after=retry_at).retry_at == retry_at  # just in time
    assert transient(attempt=2, not_after=retry_at - timedelta(microseconds=1)) == Outcome(
        OutcomeKind.FAILED, "Service Unavailable"
    )


def test_a_rate_limit_waits_for_the_platforms_reset_time_whatever_the_attempt_or_window() -> None:
    reset = NOW + timedelta(minutes=15)
    failure = Failure(FailureKind.RATE_LIMITED, "Too Many Requests", retry_at=reset)
    waited = outcome(failure, attempt=8, not_after=NOW + timedelta(minutes=1))
    # The sweeper, not the policy, expires a publication whose wait outlasts its window.
    assert waited == Outcome(OutcomeKind.RATE_LIMITED, "Too Many Requests", reset)
    assert waited.state is PublicationState.SCHEDULED


def test_a_rate_limit_without_a_reset_time_waits_the_back_off() -> None:
    failure = Failure(FailureKind.RATE_LIMITED, "Too Many Requests")
    assert outcome(failure, attempt=3).retry_at == NOW + timedelta(minutes=2)


def test_a_refused_token_waits_for_a_new_one() -> None:
    refused = outcome(Failure(FailureKind.AUTH_EXPIRED, "Invalid or expired token."), attempt=8)
    assert refused == Outcome(OutcomeKind.NEEDS_REAUTH, "Invalid or expired token.")
    assert refused.state is PublicationState.NEEDS_REAUTH


def test_a_send_that_may_have_gone_out_is_never_retried_blindly() -> None:
    for attempt in (1, 8):
        maybe = outcome(Failure(FailureKind.MAYBE_SENT, "read timed out"), attempt=attempt)
        assert maybe == Outcome(OutcomeKind.UNKNOWN, "read timed out")
        assert maybe.state is PublicationState.UNKNOWN


def test_a_refusal_names_the_platforms_reason_and_code() -> None:
    refusal = Failure(FailureKind.PERMANENT, "Your Tweet text is too long.", reason="too_long", code="186")
    assert outcome(refusal) == Outcome(OutcomeKind.FAILED, "too_long (186): Your Tweet text is too long.")
    without_code = Failure(FailureKind.PERMANENT, "Forbidden", reason="forbidden", code=None)
    assert outcome(without_code).reason == "forbidden (None): Forbidden"


def test_an_error_no_rule_covers_fails_with_its_message() -> None:
    failed = outcome(Failure(FailureKind.PERMANENT, "ConnectorError"))
    assert failed == Outcome(OutcomeKind.FAILED, "ConnectorError")
    assert failed.state is PublicationState.FAILED


@pytest.mark.parametrize("kind", list(FailureKind))
def test_every_outcome_is_a_state_a_sending_publication_may_move_to(kind: FailureKind) -> None:
    result = outcome(Failure(kind, "x", retry_at=NOW + timedelta(minutes=1)))
    assert check_publication_transition(PublicationState.SENDING, result.state) is result.state
    # A publication scheduled again always says when; any other never does.
    assert (result.retry_at is not None) == (result.state is PublicationState.SCHEDULED)


@given(
    base=st.floats(min_value=0.001, max_value=3600),
    attempt=st.integers(min_value=1, max_value=20),
)
def test_a_retry_never_comes_sooner_than_the_one_before(base: float, attempt: int) -> None:
    backoff = Backoff(base, max_attempts=30)
    assert timedelta(0) < backoff.delay(attempt) < backoff.delay(attempt + 1)
