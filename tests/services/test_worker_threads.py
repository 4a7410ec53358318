"""The worker's jobs on several threads at once, as APScheduler runs them, on both databases.

What is asserted is what reached the sandbox platform (every post exactly once, including those a
crashed worker left `unknown`) and that the Publisher the threads share built one connector per
account.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from connectors.base import Connector
from smtool.services.context import Context
from smtool.services.platforms import connector_for
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.outbox import Publisher
from smtool.store.tables import Account, Publication
from smtool.store.types import utcnow
from smtool.worker import Worker
from tests.support.sandbox import Sandbox

POSTS = 10
TEXT = "Valsts kanceleja informē: klientu apkalpošanas laiki mainās, paziņojums {n}."
ACCOUNTS = {"sandbox-x": "x", "sandbox-fb": "facebook"}


class SlowCountingFactory:
    """`connector_for`, counting what it builds; slow enough that threads missing the cache
    together are all inside a build at once."""

    def __init__(self) -> None:
        self.built: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, ctx: Context, account: Account) -> Connector:
        time.sleep(0.3)
        connector = connector_for(ctx, account)
        with self._lock:
            self.built[account.id] += 1
        return connector


def _approve_posts(ctx: Context) -> None:
    ids = []
    for n in range(POSTS):
        post_id = create_post(ctx, "anna", Draft(text=TEXT.format(n=n), accounts=list(ACCOUNTS)))
        submit_post(ctx, "anna", post_id)
        ids.append(post_id)
    approve_posts(ctx, "karlis", ids)


def _crashed_mid_call(ctx: Context, sandbox: Sandbox) -> None:
    """On each account a worker died during two calls: one post reached the platform, one did not."""
    with ctx.db.write() as session:
        for account_id, platform in ACCOUNTS.items():
            rows = session.exec(
                select(Publication).where(Publication.account_id == account_id).limit(2)
            ).all()
            for row in rows:
                session.execute(
                    text(
                        "UPDATE publications SET state = 'unknown', attempt = 1, claimed_by = 'dead'"
                        " WHERE id = :id"
                    ),
                    {"id": row.id},
                )
                row.sent_at = utcnow() - timedelta(seconds=2)
                session.add(row)
            remote = sandbox.server.account(platform).id
            sandbox.control("POST", "posts", {"account": remote, "text": rows[0].text})


def test_jobs_on_threads_at_once_publish_each_post_once_with_one_connector_per_account(
    sctx: Context, sandbox: Sandbox
) -> None:
    _approve_posts(sctx)
    _crashed_mid_call(sctx, sandbox)
    factory = SlowCountingFactory()
    worker = Worker(sctx, publisher=Publisher(sctx, factory=factory))
    # Every job at once, publish on two threads: the Publisher is shared by whatever threads call it.
    jobs: list[Callable[[], None]] = [
        worker.publish,
        worker.publish,
        worker.housekeeping,
        worker.ingest,
        worker.metrics,
        worker.scheduled_reports,
        worker.tokens,
    ]
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        start.wait(timeout=30)
        job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result()  # a job's exception fails the test here
    worker.publish()  # what reconciliation rescheduled while the publish threads ran

    expected = Counter(TEXT.format(n=n) for n in range(POSTS))
    for platform in ACCOUNTS.values():
        assert Counter(p["text"] for p in sandbox.published(platform)) == expected, platform
    with sctx.db.read() as session:
        states = Counter(session.exec(select(Publication.state)).all())
    assert states == {"published": POSTS * len(ACCOUNTS)}
    assert factory.built == dict.fromkeys(ACCOUNTS, 1)
