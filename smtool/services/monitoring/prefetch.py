"""Ingest's pipeline: the platform's next page is fetched while the current one is triaged.

Triage and routing are most of ingest's own work, and each page's answer is mostly waiting for the
platform; a thread fetching pages lets the two overlap. The fetching thread is the only user of
the connector until `prepared_while_fetching` returns (it is joined on every way out, after at most
the call in flight), so the connector is never used by two threads at once. Nothing is stored here:
the caller stores every item, in the connector's order, and the cursor in one transaction, as
without the pipeline.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from connectors.base import IncomingItem, IncomingPage, PagedIncoming

Row = TypeVar("Row")

# Pages fetched ahead of the one being prepared: enough to keep the platform busy, few enough that
# a failing preparation wastes little.
AHEAD = 4


def prepared_while_fetching(
    paged: PagedIncoming,
    cursor: str | None,
    prepare: Callable[[Sequence[IncomingItem]], list[Row]],
) -> tuple[list[IncomingItem], str | None, dict[str, Row]]:
    """fetch_incoming's result (every item in order, the new cursor) and each item's prepared row by
    remote id, prepared page by page as the pages arrive. Raises what fetching or `prepare` raises."""
    pages: queue.Queue[IncomingPage | BaseException] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def hand_over(got: IncomingPage | BaseException) -> bool:
        while not stop.is_set():
            try:
                pages.put(got, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for page in paged.incoming_pages(cursor):
                if not hand_over(page):
                    return
            # Only a connector bug ends without the last page; the caller must not wait for ever.
            hand_over(RuntimeError("the platform's pages ended without their result"))
        except BaseException as error:  # handed to the caller's thread, which raises it
            hand_over(error)

    thread = threading.Thread(target=fetch, name="smtool-ingest-fetch", daemon=True)
    thread.start()
    prepared: dict[str, Row] = {}
    try:
        for page in _received(pages):
            if page.items:
                prepared.update(zip([i.remote_id for i in page.items], prepare(page.items), strict=True))
            if page.done and page.result is not None:
                items, new_cursor = page.result
                return items, new_cursor, prepared
        raise AssertionError("unreachable")  # pragma: no cover - _received ends only with a result
    finally:
        stop.set()
        thread.join()


def _received(pages: queue.Queue[IncomingPage | BaseException]) -> Iterator[IncomingPage]:
    while True:
        got = pages.get()
        if isinstance(got, BaseException):
            raise got
        yield got
