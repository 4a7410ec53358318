"""The worker process: APScheduler ticks, the database decides what is due.

Jobs: publish due publications, sweep lapsed claims and expired windows, reconcile unknown outcomes,
poll every account for comments and mentions (the moderation queue), refresh recent posts' metrics,
write the scheduled reports that are due, ask hourly whom each token speaks for (takeover defence),
sign an audit checkpoint into [security] checkpoint_folder at start and daily.
Several workers, on one machine or many, share the work through the database's claims; within one
worker the jobs run on APScheduler's threads (see `Worker` for what they share).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from smtool.errors import SmtoolError
from smtool.services.context import Context
from smtool.services.installation.tokens import expiry_alerts
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.monitoring.takeover import TOKEN_CHECK_SECONDS, verify_tokens
from smtool.services.people import DIRECTORY_REFRESH_SECONDS
from smtool.services.publishing.outbox import Publisher
from smtool.services.records.checkpoints import take_checkpoint
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


class Worker:
    """The jobs of one worker process, and what they share between the scheduler's threads.

    APScheduler runs the jobs on its thread pool: never two runs of one job at once (max_instances=1),
    but different jobs at the same time. Publish and housekeeping share the Publisher, which guards
    its connector cache with a lock. The Ingestor and its connector cache belong to the ingest job
    alone, so one thread at a time changes them (`run_once` uses them before the scheduler starts).
    The metrics refresher and the report scheduler are likewise their own jobs'; token checks keep
    nothing between runs.
    """

    def __init__(
        self, ctx: Context, publisher: Publisher | None = None, ingestor: Ingestor | None = None
    ) -> None:
        self.ctx = ctx
        self.publisher = publisher or Publisher(ctx)
        self.ingestor = ingestor or Ingestor(ctx)
        self.refresher = MetricsRefresher(ctx)
        self.reporter = ReportScheduler(ctx, self.publisher.me)

    def publish(self) -> None:
        outcomes = self.publisher.publish_due()
        if outcomes:
            log.info("published: %s", dict(outcomes))

    def housekeeping(self) -> None:
        swept = self.publisher.sweep()
        reconciled = self.publisher.reconcile()
        if swept or reconciled:
            log.info("swept: %s reconciled: %s", dict(swept), dict(reconciled))

    def ingest(self) -> None:
        counts = self.ingestor.poll_all()
        if counts.get("new") or counts.get("alerts") or counts.get("errors"):
            log.info("ingest: %s", dict(counts))

    def metrics(self) -> None:
        counts = self.refresher.refresh_all()
        if counts:
            log.info("metrics: %s", dict(counts))

    def scheduled_reports(self) -> None:
        counts = self.reporter.run_due()
        if counts:
            log.info("scheduled reports: %s", dict(counts))

    def tokens(self) -> None:
        counts = verify_tokens(self.ctx)  # takeover defence: whom each token speaks for
        counts["token_expiry_alerts"] = expiry_alerts(self.ctx)  # a Page token about to run out
        if counts.get("takeover_alerts") or counts.get("token_check_errors") or counts["token_expiry_alerts"]:
            log.warning("token check: %s", dict(counts))

    def checkpoint(self) -> None:
        """Sign the audit log's head into the checkpoint folder: at start and daily, so that rows
        cut from the end of the log are found (`smtool audit verify`) however long nobody looked."""
        try:
            path, _ = take_checkpoint(self.ctx, self.publisher.me)
        except (SmtoolError, SQLAlchemyError) as e:
            # A broken log, a missing key or a database out of reach must reach a person, not stop
            # publishing; the next day's run tries again.
            log.error("audit checkpoint not written: %s", e)
        else:
            log.info("audit checkpoint written: %s", path)

    def directory(self) -> None:
        # Users and accounts changed by `smtool config apply` reach a running worker: a spokesperson
        # removed, an account's takeover answer or base_url changed.
        self.ctx.refresh_directory()

    def jobs(self) -> list[tuple[Callable[[], None], timedelta]]:
        """Every job with the time between its runs."""
        settings = self.ctx.settings
        return [
            (self.publish, timedelta(seconds=settings.publishing.tick_seconds)),
            (self.housekeeping, timedelta(seconds=max(settings.publishing.lease_seconds / 4, 1))),
            (self.ingest, timedelta(seconds=settings.inbox.poll_seconds)),
            (self.metrics, timedelta(minutes=settings.metrics.interval_minutes)),
            # The report periods end at local midnight; a check every ten minutes is soon enough.
            (self.scheduled_reports, timedelta(minutes=10)),
            (self.tokens, timedelta(seconds=TOKEN_CHECK_SECONDS)),
            (self.directory, timedelta(seconds=DIRECTORY_REFRESH_SECONDS)),
            (self.checkpoint, timedelta(days=1)),
        ]


def run_forever(ctx: Context) -> None:
    """Run the jobs on intervals until interrupted."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    worker = Worker(ctx)
    scheduler = BlockingScheduler(timezone="UTC")
    for job, every in worker.jobs():
        # max_instances=1 and coalesce: a slow tick is never run twice at once by this process.
        scheduler.add_job(job, "interval", seconds=every.total_seconds(), max_instances=1, coalesce=True)
    log.info("worker %s started", worker.publisher.me)
    worker.checkpoint()
    run_once(ctx, worker.publisher, worker.ingestor)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("worker %s stopped", worker.publisher.me)
