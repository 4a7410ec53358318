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
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from smtool.errors import DatabaseUnreachable, SmtoolError
from smtool.i18n import _
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

# While the database is out of reach, jobs wait this long before trying again, doubling per failure
# up to the cap: a restarted PostgreSQL or a released SQLite lock is met within half a minute, and a
# long outage costs one attempt per half minute per job, not one per tick.
OUTAGE_FIRST_WAIT_SECONDS = 1.0
OUTAGE_MAX_WAIT_SECONDS = 30.0


def database_fault(error: BaseException) -> bool:
    """Whether `error` says the database is out of reach or locked (and may come back), as opposed
    to a statement that is wrong: a refused or dropped connection, a server restarting, SQLite's
    "database is locked" after the busy timeout."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def fault_reason(error: BaseException) -> str:
    """The driver's first line, without SQLAlchemy's SQL and parameters (which may hold citizens'
    text) or its link to the SQLAlchemy documentation."""
    orig = error.orig if isinstance(error, DBAPIError) else None
    lines = str(orig or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class DatabaseOutage:
    """What the worker's jobs share about the database being out of reach: it is logged once when
    it starts and once when it ends, and each failing job backs off meanwhile, instead of a
    traceback per job and tick (or, in the first pass, the end of the process). Nothing is lost by
    skipping: every job's work is in the database, and a publication whose send was under way is
    `sending` there, settled by the sweeper and reconciliation as after a crash.

    Backoff is per job, and the outage ends when a job that failed succeeds: on SQLite a lock stops
    writers while readers go on, and a job that never failed (it only read) must not declare the
    database back while the publisher still cannot write. Thread-safe: jobs run on APScheduler's
    threads.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._since: float | None = None
        self._failing: dict[str, tuple[int, float]] = {}  # job: (failures in a row, next try)

    @property
    def out(self) -> bool:
        with self._lock:
            return self._since is not None

    def run(self, name: str, job: Callable[[], None]) -> None:
        """Run `job` unless it is backing off; a database fault ends it quietly (reported once)."""
        with self._lock:
            failing = self._failing.get(name)
            if failing is not None and self._clock() < failing[1]:
                return
        try:
            job()
        except SQLAlchemyError as error:
            if not database_fault(error):
                raise
            self._failed(name, error)
        else:
            self._succeeded(name)

    def _failed(self, name: str, error: BaseException) -> None:
        with self._lock:
            now = self._clock()
            first = self._since is None
            if first:
                self._since = now
            failures = self._failing.get(name, (0, 0.0))[0] + 1
            wait = min(OUTAGE_FIRST_WAIT_SECONDS * 2 ** min(failures - 1, 16), OUTAGE_MAX_WAIT_SECONDS)
            self._failing[name] = (failures, now + wait)
        if first:
            # A person reads these outage lines (the counters' lines below are for scripts: English).
            log.warning(
                _(
                    "database out of reach or locked ({reason}, in {job}): the worker carries on and "
                    "tries again at least every {seconds} s"
                ).format(reason=fault_reason(error), job=name, seconds=f"{OUTAGE_MAX_WAIT_SECONDS:.0f}")
            )

    def _succeeded(self, name: str) -> None:
        with self._lock:
            if self._failing.pop(name, None) is None or self._since is None:
                return
            lasted = self._clock() - self._since
            # Every job may try again at its next run: the database answered one that it did not.
            self._failing.clear()
            self._since = None
        log.warning(
            _("database reachable again after {seconds} s; the worker goes on").format(
                seconds=f"{lasted:.0f}"
            )
        )


def open_when_reachable(
    open_context: Callable[[], Context], sleep: Callable[[float], None] = time.sleep
) -> Context:
    """`open_context()`, waiting while the database is out of reach or locked, as the worker's jobs
    do later: said once in the log, tried again after 1 s, doubling up to 30 s. A worker started by
    systemd before PostgreSQL, or while a backup locks SQLite, then starts when it can instead of
    exiting. A configuration error (a host that does not resolve, a refused login, a missing
    database or schema) is raised at once: waiting would not mend it."""
    wait = OUTAGE_FIRST_WAIT_SECONDS
    since: float | None = None
    while True:
        try:
            ctx = open_context()
        except DatabaseUnreachable as error:
            reason = error.reason
        except SQLAlchemyError as error:
            # Reached, then lost while the schema or the directory was read.
            if not database_fault(error):
                raise
            reason = fault_reason(error)
        else:
            if since is not None:
                log.warning(
                    _("database reachable after {seconds} s; the worker starts").format(
                        seconds=f"{time.monotonic() - since:.0f}"
                    )
                )
            return ctx
        if since is None:
            since = time.monotonic()
            log.warning(
                _(
                    "database out of reach or locked at start ({reason}): the worker waits and tries "
                    "again at least every {seconds} s"
                ).format(reason=reason, seconds=f"{OUTAGE_MAX_WAIT_SECONDS:.0f}")
            )
        sleep(wait)
        wait = min(wait * 2, OUTAGE_MAX_WAIT_SECONDS)


def run_once(
    ctx: Context, publisher: Publisher | None = None, ingestor: Ingestor | None = None
) -> Counter[str]:
    """One full pass: sweep, reconcile, publish everything due, then one ingest poll of every
    account. Returns counts per outcome (ingest counts prefixed "ingest_")."""
    publisher = publisher or Publisher(ctx)
    # One connector per account for the pass: ingest and metrics use the publisher's cache.
    connectors = publisher.connectors
    totals: Counter[str] = Counter()
    totals.update({f"swept_{k}": v for k, v in publisher.sweep().items()})
    totals.update({f"reconciled_{k}": v for k, v in publisher.reconcile().items()})
    totals.update(publisher.publish_due())
    ingest = (ingestor or Ingestor(ctx, factory=connectors)).poll_all()
    totals.update({f"ingest_{k}": v for k, v in ingest.items()})
    metrics = MetricsRefresher(ctx, factory=connectors).refresh_all()
    totals.update({f"metrics_{k}": v for k, v in metrics.items()})
    totals.update({f"reports_{k}": v for k, v in ReportScheduler(ctx, publisher.me).run_due().items()})
    return totals


class Worker:
    """The jobs of one worker process, and what they share between the scheduler's threads.

    APScheduler runs the jobs on its thread pool: never two runs of one job at once (max_instances=1),
    but different jobs at the same time. Publish, housekeeping, ingest and metrics share one
    connector per account (the Publisher's ConnectorCache, which takes a lock), so an account's
    client and token are built once per process, not once per job. The Ingestor's other state
    belongs to the ingest job alone, so one thread at a time changes it (`run_once` uses it before
    the scheduler starts). The metrics refresher and the report scheduler are likewise their own
    jobs'; token checks keep nothing between runs.
    """

    def __init__(
        self, ctx: Context, publisher: Publisher | None = None, ingestor: Ingestor | None = None
    ) -> None:
        self.ctx = ctx
        self.publisher = publisher or Publisher(ctx)
        self.ingestor = ingestor or Ingestor(ctx, factory=self.publisher.connectors)
        self.refresher = MetricsRefresher(ctx, factory=self.publisher.connectors)
        self.reporter = ReportScheduler(ctx, self.publisher.me)
        self.outage = DatabaseOutage()

    def guarded(self, job: Callable[[], None]) -> Callable[[], None]:
        """`job` as the scheduler runs it: a database out of reach or locked is a transient fault."""
        return partial(self.outage.run, job.__name__, job)

    def first_pass(self) -> None:
        """What `run_once` does, job by job and guarded: a database outage in the first pass is
        logged and waited out like one later, never the end of the worker."""
        for job in (self.housekeeping, self.publish, self.ingest, self.metrics, self.scheduled_reports):
            self.guarded(job)()

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
            path = take_checkpoint(self.ctx, self.publisher.me)[0]  # `_` translates here
        except (SmtoolError, SQLAlchemyError) as e:
            # A broken log, a missing key or a database out of reach must reach a person, not stop
            # publishing; the next day's run tries again.
            reason = fault_reason(e) if isinstance(e, SQLAlchemyError) else str(e)
            log.error(_("audit checkpoint not written: {reason}").format(reason=reason))
        else:
            log.info(_("audit checkpoint written: {path}").format(path=path))

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
        scheduler.add_job(
            worker.guarded(job),
            "interval",
            seconds=every.total_seconds(),
            max_instances=1,
            coalesce=True,
            name=job.__name__,
        )
    log.info(_("worker {worker} started").format(worker=worker.publisher.me))
    worker.checkpoint()
    worker.first_pass()
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info(_("worker {worker} stopped").format(worker=worker.publisher.me))
