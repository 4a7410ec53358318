"""The outbox's retry policy: what a failed platform call means for the publication it was sending.

The outbox tells the connector's error apart as a `Failure` (the domain knows no connector), asks
`after_failure` what follows, and applies the `Outcome` in the transaction that records it. Nothing
here reads a clock or a database: the attempt number, the time and the publication's window are
arguments.

A failure never expires a publication by itself: a retry that would land past the window fails it
(a person decides what to do), and a rate-limit wait past the window is expired by the sweeper like
any scheduled publication whose window has closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import assert_never

from smtool.domain.states import PublicationState


class FailureKind(StrEnum):
    """What went wrong with a send, in the outbox's terms."""

    RATE_LIMITED = "rate_limited"  # refused for now, nothing was done
    AUTH_EXPIRED = "auth_expired"  # the token is refused, or no usable token is stored
    MAYBE_SENT = "maybe_sent"  # the request may have reached the platform, or it says "duplicate"
    TRANSIENT = "transient"  # nothing was done, and sending again may work
    PERMANENT = "permanent"  # the platform refused for good, or an error no rule here covers


@dataclass(frozen=True)
class Failure:
    """A failed send as the policy needs it.

    `message` is the platform's own text (untrusted, kept as it is) or the error's name when the
    platform gave none. `retry_at` is a rate limit's reset time, when the platform said one;
    `reason` and `code` are a refusal's reason and the platform's code for it.
    """

    kind: FailureKind
    message: str
    retry_at: datetime | None = None
    reason: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Backoff:
    """How long a failed publication waits: `base_seconds` after the first attempt, doubled after
    each further one, until `max_attempts` attempts have been made."""

    base_seconds: float
    max_attempts: int

    def delay(self, attempt: int) -> timedelta:
        """The wait after attempt number `attempt` (the first is 1) failed."""
        return timedelta(seconds=self.base_seconds * 2 ** max(attempt - 1, 0))


class OutcomeKind(StrEnum):
    RETRY_AT = "retry_at"  # scheduled again at `retry_at`
    RATE_LIMITED = "rate_limited"  # scheduled again at `retry_at`, and the account sends nothing before
    NEEDS_REAUTH = "needs_reauth"  # waits for a new token; the account is marked as needing one
    UNKNOWN = "unknown"  # settled by reading the account's own posts, never by a blind resend
    FAILED = "failed"  # a person must look at it


_STATE = {
    OutcomeKind.RETRY_AT: PublicationState.SCHEDULED,
    OutcomeKind.RATE_LIMITED: PublicationState.SCHEDULED,
    OutcomeKind.NEEDS_REAUTH: PublicationState.NEEDS_REAUTH,
    OutcomeKind.UNKNOWN: PublicationState.UNKNOWN,
    OutcomeKind.FAILED: PublicationState.FAILED,
}


@dataclass(frozen=True)
class Outcome:
    """What follows a failed send: `reason` is the text a person sees as the publication's last
    error; `retry_at` is set exactly when the publication is scheduled again."""

    kind: OutcomeKind
    reason: str
    retry_at: datetime | None = None

    @property
    def state(self) -> PublicationState:
        """The publication's state after the failure."""
        return _STATE[self.kind]


def after_failure(
    failure: Failure, *, attempt: int, now: datetime, not_after: datetime | None, backoff: Backoff
) -> Outcome:
    """What follows the failure of attempt number `attempt` (the first is 1) at `now`, for a
    publication that must be out by `not_after` (None: no limit)."""
    match failure.kind:
        case FailureKind.RATE_LIMITED:
            # Nothing was done and the publication is not at fault: no attempt limit and no window
            # check. Connectors give the platform's reset time, or the platform's usual window when
            # it names none; a failure without a time waits the back-off rather than retry at once.
            retry_at = failure.retry_at or now + backoff.delay(attempt)
            return Outcome(OutcomeKind.RATE_LIMITED, failure.message, retry_at)
        case FailureKind.AUTH_EXPIRED:
            return Outcome(OutcomeKind.NEEDS_REAUTH, failure.message)
        case FailureKind.MAYBE_SENT:
            # A duplicate may be our own earlier attempt: reconcile, never resend.
            return Outcome(OutcomeKind.UNKNOWN, failure.message)
        case FailureKind.TRANSIENT:
            return _retry(failure.message, attempt, now, not_after, backoff)
        case FailureKind.PERMANENT:
            if failure.reason is None:
                return Outcome(OutcomeKind.FAILED, failure.message)
            return Outcome(OutcomeKind.FAILED, f"{failure.reason} ({failure.code}): {failure.message}")
        case _:
            assert_never(failure.kind)


def _retry(
    message: str, attempt: int, now: datetime, not_after: datetime | None, backoff: Backoff
) -> Outcome:
    """Again after the back-off, unless the attempts are used up or the retry would miss the window."""
    retry_at = now + backoff.delay(attempt)
    if attempt >= backoff.max_attempts or (not_after is not None and retry_at > not_after):
        return Outcome(OutcomeKind.FAILED, message)
    return Outcome(OutcomeKind.RETRY_AT, message, retry_at)
