"""A batch's platform calls, made concurrently: every account at once, each account's in order.

The batch is committed as `sending` before any call is made (outbox). Here the calls run on a thread
pool, one task per account: an account's publications go one after another, in due order, so they
reach its timeline in the order they were due and at most one request per account is in flight. When
the platform answers an account with a rate limit or refuses its token, the account's remaining
publications of the batch are not sent (each would get the same answer) and are recorded as if they
had been, without the attempt; the claim then skips the account until its limit resets or its token
is replaced. Other accounts go on: one account's 429 blocks nobody else.

A call is not started once the row's lease is half used: the sweeper may then be about to take the
row for a crashed send, and reconciliation could schedule it again. Such a row goes back to the
queue unsent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from connectors.base import AuthExpired, IncomingItem, RateLimited
from smtool.domain.media import MediaEntry
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
    """No call starts after this (half the lease after the `sending` commit)."""


class SendPool:
    """Threads for the platform calls of one worker process (the outbox's only threads)."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="smtool-send")

    def close(self) -> None:
        """Wait for calls under way and stop the threads."""
        self._pool.shutdown(wait=True)

    def run(
        self,
        sends: Sequence[Send],
        call: Callable[[Send], SendResult],
        clock: Callable[[], datetime],
    ) -> list[SendResult]:
        """Make every call of the batch; returns a result per send whose task finished.

        A task that ends in an exception (none should: `call` turns every error into a result)
        leaves its rows `sending`, settled by the sweeper and reconciliation as after a crash; the
        other accounts' results are still returned. BaseException (the process stopping) passes.
        """
        by_account: dict[str, list[Send]] = {}
        for send in sends:
            by_account.setdefault(send.account.id, []).append(send)
        if len(by_account) == 1:
            return _account_in_order(next(iter(by_account.values())), call, clock)
        futures: list[Future[list[SendResult]]] = [
            self._pool.submit(_account_in_order, queue, call, clock) for queue in by_account.values()
        ]
        results: list[SendResult] = []
        for future in futures:
            try:
                results.extend(future.result())
            except Exception as error:  # logged without a traceback: the worker's log is read by people
                log.error("a send task failed (%r); its publications stay `sending` for the sweeper", error)
        return results


def _account_in_order(
    queue: Sequence[Send], call: Callable[[Send], SendResult], clock: Callable[[], datetime]
) -> list[SendResult]:
    """One account's sends, one after another; after a rate limit or a refused token, the rest
    are answered with the same error unsent."""
    results: list[SendResult] = []
    stopped: RateLimited | AuthExpired | None = None
    for send in queue:
        if stopped is not None:
            results.append(SendResult(send.publication_id, send.account.id, error=stopped, attempted=False))
            continue
        if clock() > send.start_by:
            results.append(SendResult(send.publication_id, send.account.id, attempted=False))
            continue
        result = call(send)
        if isinstance(result.error, RateLimited):
            stopped = RateLimited(_unsent(result.error), result.error.retry_at)
        elif isinstance(result.error, AuthExpired):
            stopped = AuthExpired(_unsent(result.error))
        results.append(result)
    return results


def _unsent(error: RateLimited | AuthExpired) -> str:
    return f"not sent: the platform refused an earlier post of this account ({error.platform_message})"
