"""The worker process: APScheduler ticks, the database decides what is due.

Jobs: publish due publications, sweep lapsed claims and expired windows, reconcile unknown outcomes,
poll every account for comments and mentions (the moderation queue), refresh recent posts' metrics,
write the scheduled reports that are due, ask hourly whom each token speaks for (takeover defence).
Several workers, on one machine or many, share the work through the database's claims.
"""

from __future__ import annotations

import logging
from collections import Counter

from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.monitoring.takeover import TOKEN_CHECK_SECONDS, verify_tokens
from smtool.services.publishing.outbox import Publisher
from smtool.services.reports.metrics import MetricsRefresher
from smtool.services.reports.schedule import ReportScheduler

log = logging.getLogger("smtool.worker")


def run_once(
    ctx: Context, publisher: Publisher | None = None, ingestor: Ingestor | None = None
) -> Counter[str]:
    """One full pass: sweep, reconcile, publish everything due, then one ingest poll of every
    account. Returns counts per outcome (ingest counts prefixed "ingest_")."""
    publisher = publisher or Publisher(ctx)
    totals: Counter[str] = Counter()
    totals.update({f"swept_{k}": v for k, v in publisher.sweep().items()})
    totals.update({f"reconciled_{k}": v for k, v in publisher.reconcile().items()})
    totals.update(publisher.publish_due())
    totals.update({f"ingest_{k}": v for k, v in (ingestor or Ingestor(ctx)).poll_all().items()})
    totals.update({f"metrics_{k}": v for k, v in MetricsRefresher(ctx).refresh_all().items()})
    totals.update({f"reports_{k}": v for k, v in ReportScheduler(ctx, publisher.me).run_due().items()})
    return totals


def run_forever(ctx: Context) -> None:
    """Run the jobs on intervals until interrupted."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    publisher = Publisher(ctx)
    ingestor = Ingestor(ctx)
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

    def ingest() -> None:
        counts = ingestor.poll_all()
        if counts.get("new") or counts.get("alerts") or counts.get("errors"):
            log.info("ingest: %s", dict(counts))

    # max_instances=1 and coalesce: a slow tick is never run twice at once by this process.
    scheduler.add_job(publish, "interval", seconds=settings.tick_seconds, max_instances=1, coalesce=True)
    scheduler.add_job(
        housekeeping, "interval", seconds=max(settings.lease_seconds / 4, 1), max_instances=1, coalesce=True
    )
    scheduler.add_job(
        ingest, "interval", seconds=ctx.settings.inbox.poll_seconds, max_instances=1, coalesce=True
    )
    refresher = MetricsRefresher(ctx)
    reporter = ReportScheduler(ctx, publisher.me)

    def metrics() -> None:
        counts = refresher.refresh_all()
        if counts:
            log.info("metrics: %s", dict(counts))

    def scheduled_reports() -> None:
        counts = reporter.run_due()
        if counts:
            log.info("scheduled reports: %s", dict(counts))

    scheduler.add_job(
        metrics, "interval", minutes=ctx.settings.metrics.interval_minutes, max_instances=1, coalesce=True
    )
    # The report periods end at local midnight; a check every ten minutes is soon enough.
    scheduler.add_job(scheduled_reports, "interval", minutes=10, max_instances=1, coalesce=True)

    def tokens() -> None:
        counts = verify_tokens(ctx)  # takeover defence: whom each token speaks for
        if counts.get("takeover_alerts") or counts.get("token_check_errors"):
            log.warning("token check: %s", dict(counts))

    scheduler.add_job(tokens, "interval", seconds=TOKEN_CHECK_SECONDS, max_instances=1, coalesce=True)
    log.info("worker %s started", publisher.me)
    run_once(ctx, publisher, ingestor)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("worker %s stopped", publisher.me)
