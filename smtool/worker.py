"""The worker process: APScheduler ticks, the database decides what is due.

Jobs: publish due publications, sweep lapsed claims and expired windows, reconcile unknown outcomes.
Later issues add the ingest poll and the metrics refresh. Several workers, on one machine or many,
share the work through the database's claims.
"""

from __future__ import annotations

import logging
from collections import Counter

from smtool.services.context import Context
from smtool.services.publishing import Publisher

log = logging.getLogger("smtool.worker")


def run_once(ctx: Context, publisher: Publisher | None = None) -> Counter[str]:
    """One full pass: sweep, reconcile, publish everything due. Returns counts per outcome."""
    publisher = publisher or Publisher(ctx)
    totals: Counter[str] = Counter()
    totals.update({f"swept_{k}": v for k, v in publisher.sweep().items()})
    totals.update({f"reconciled_{k}": v for k, v in publisher.reconcile().items()})
    totals.update(publisher.publish_due())
    return totals


def run_forever(ctx: Context) -> None:
    """Run the jobs on intervals until interrupted."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    publisher = Publisher(ctx)
    settings = ctx.settings.publishing
    scheduler = BlockingScheduler(timezone="UTC")

    def publish() -> None:
        outcomes = publisher.publish_due()
        if outcomes:
            log.info("published: %s", dict(outcomes))

    def housekeeping() -> None:
        swept = publisher.sweep()
        reconciled = publisher.reconcile()
        if swept or reconciled:
            log.info("swept: %s reconciled: %s", dict(swept), dict(reconciled))

    # max_instances=1 and coalesce: a slow tick is never run twice at once by this process.
    scheduler.add_job(publish, "interval", seconds=settings.tick_seconds, max_instances=1, coalesce=True)
    scheduler.add_job(
        housekeeping, "interval", seconds=max(settings.lease_seconds / 4, 1), max_instances=1, coalesce=True
    )
    log.info("worker %s started", publisher.me)
    run_once(ctx, publisher)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("worker %s stopped", publisher.me)
