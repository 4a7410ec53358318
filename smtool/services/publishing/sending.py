"""A batch's platform calls, made concurrently: every account at once, each account's in order.

The batch is committed as `sending` before any call is made (outbox). Here the calls run on a thread
pool, one task per account: an account's publications go one after another, in due order, so they
reach its timeline in the order they were due and at most one request per account is in flight. When
the platform answers an account with a rate limit or refuses its token, the account's remaining
publications of the batch are not sent (each would get the same answer) and are recorded as if they
had been, without the attempt; the claim then skips the account until its limit resets or its token
is replaced. Other accounts go on: one account's 429 blocks nobody else.

A call is not started when it could outlast the row's lease (after the lease less the request
timeout, or half the lease if that is later): the sweeper could then take the row for a crashed
send, and reconciliation schedule it again. Such a row goes back to the queue unsent, its attempt
given back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from connectors.base import AuthExpired, IncomingItem, RateLimited
from smtool.domain.media import MediaEntry
from smtool.i18n import N_, _
from smtool.services.publishing.results import SendResult
from smtool.store.tables import Account

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Send:
    """A publication committed as `sending`, with what the platform call needs."""

    publication_id: int
    account: Account
    text: str
    media: list[MediaEntry | str]
    answered: IncomingItem | None
    start_by: datetime
    """No call starts after this (see the module's note on leases)."""


Stop = RateLimited | AuthExpired
"""An account's answer that stops its other sends: the same answer would come to each."""


class Sending:
    """A batch's calls under way; `results` waits for them."""

    def __init__(self, futures: list[Future[list[SendResult]]]) -> None:
        self._futures = futures

    def results(self) -> list[SendResult]:
        """A result per send whose task finished.

        A task that ends in an exception (none should: the call turns every error into a result)
        leaves its rows `sending`, settled by the sweeper and reconciliation as after a crash; the
        other accounts' results are still returned. BaseException (the process stopping) passes.
        """
        results: list[SendResult] = []
        for future in self._futures:
            try:
                results.extend(future.result())
            except Exception as error:  # logged without a traceback: the worker's log is read by people
                log.error("a send task failed (%r); its publications stay `sending` for the sweeper", error)
        return results


class SendPool:
    """Threads for the platform calls of one worker process (the outbox's only threads)."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="smtool-send")

    def close(self) -> None:
        """Wait for calls under way and stop the threads."""
        self._pool.shutdown(wait=True)

    def start(
        self,
        sends: Sequence[Send],
        call: Callable[[Send], SendResult],
        clock: Callable[[], datetime],
        stopped: Mapping[str, Stop],
    ) -> Sending:
        """Start every call of the batch, one task per account; returns at once, so the caller can
        claim the next batch meanwhile. An account in `stopped` (refused in an earlier batch of this
        pass) sends nothing: each of its rows gets the same answer, unsent."""
        by_account: dict[str, list[Send]] = {}
        for send in sends:
            by_account.setdefault(send.account.id, []).append(send)
        return Sending(
            [
                self._pool.submit(_account_in_order, queue, call, clock, stopped.get(account))
                for account, queue in by_account.items()
            ]
        )


def stops(results: Sequence[SendResult]) -> dict[str, Stop]:
    """The accounts a batch's results stop for the rest of the pass, with the answer to give."""
    found: dict[str, Stop] = {}
    for result in results:
        if isinstance(result.error, RateLimited):
            found[result.account_id] = RateLimited(_unsent(result.error), result.error.retry_at)
        elif isinstance(result.error, AuthExpired):
            found[result.account_id] = AuthExpired(_unsent(result.error))
    return found


def _account_in_order(
    queue: Sequence[Send],
    call: Callable[[Send], SendResult],
    clock: Callable[[], datetime],
    stop: Stop | None,
) -> list[SendResult]:
    """One account's sends, one after another; after a rate limit or a refused token, the rest
    are answered with the same error, unsent."""
    results: list[SendResult] = []
    for send in queue:
        if stop is not None:
            results.append(SendResult(send.publication_id, send.account.id, error=stop, attempted=False))
            continue
        if clock() > send.start_by:
            results.append(SendResult(send.publication_id, send.account.id, attempted=False))
            continue
        result = call(send)
        stop = stops([result]).get(send.account.id)
        results.append(result)
    return results


def _unsent(error: Stop) -> str:
    unsent = _(_UNSENT)
    if error.platform_message.startswith(unsent):
        return error.platform_message  # already the answer to an earlier post
    return f"{unsent} ({error.platform_message})"


# Stored as the publication's reason, in the worker's language like the other reasons it writes.
_UNSENT = N_("not sent: the platform refused an earlier post of this account")
