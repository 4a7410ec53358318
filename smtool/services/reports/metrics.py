"""The metrics job: engagement figures of recent posts, fetched in batches into snapshots.

Every refresh takes, per account, the posts published within [metrics] refresh_days whose newest
snapshot is older than interval_minutes (never measured first, then the stalest), and asks the
platform in batches (X: 100 ids a call; Facebook: the connector batches what Graph allows). The
platform call happens outside any transaction; each batch's snapshots are then written in one.

A rate limit stops that account until the platform's reset time; what was not fetched stays stale
and is therefore first in line at the next refresh: nothing is dropped. Two workers refreshing at
the same moment may both store a snapshot; reports read only the newest, so that costs a row.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy import select as select_columns
from sqlmodel import col, select

from connectors.base import AuthExpired, ConnectorError, PublishedRef, RateLimited
from connectors.base import MetricSnapshot as Measured
from smtool.domain.states import PublicationState
from smtool.errors import SmtoolError
from smtool.services.context import Context
from smtool.services.platforms import ConnectorFactory, connector_for
from smtool.store.tables import Account, MetricSnapshot, Publication

log = logging.getLogger("smtool.metrics")

# A post to measure: its publication id, its remote id and when it was published.
Due = tuple[int, str, datetime]

# Posts per platform call: X's GET /2/tweets takes 100 ids; the connectors split further if needed.
BATCH = 100


def _raw(snapshot: Measured) -> dict[str, dict[str, Any]]:
    # Keep the platform's figure groups (public_metrics, insights, ...), not the post's text again.
    # What a group holds is the platform's own JSON, different per platform and API version: open.
    return {k: v for k, v in snapshot.raw.items() if isinstance(v, dict)}


class MetricsRefresher:
    """Refreshes metrics of every account's recent posts; one instance per worker process."""

    def __init__(self, ctx: Context, factory: ConnectorFactory = connector_for) -> None:
        self.ctx = ctx
        self.factory = factory
        self._paused_until: dict[str, datetime] = {}

    def due(self, now: datetime, account_id: str | None = None) -> dict[str, list[Due]]:
        """(publication id, remote id, published at) of the posts to measure now, by account (of
        one account, or of every one in a single query: a pass asks once, not once per account),
        never-measured first, then the stalest, at most max_posts_per_tick per account."""
        settings = self.ctx.settings.metrics
        latest = (
            select(func.max(MetricSnapshot.taken_at))
            .where(col(MetricSnapshot.publication_id) == col(Publication.id))
            .scalar_subquery()
        )
        query = (
            select_columns(  # five columns: more than sqlmodel's `select` types
                col(Publication.account_id),
                col(Publication.id),
                col(Publication.remote_id),
                col(Publication.published_at),
                latest.label("latest"),
            )
            .where(
                col(Publication.state) == PublicationState.PUBLISHED.value,
                col(Publication.remote_id).is_not(None),
                col(Publication.published_at) >= now - timedelta(days=settings.refresh_days),
            )
            .order_by(col(Publication.published_at).desc())
        )
        if account_id is not None:
            query = query.where(col(Publication.account_id) == account_id)
        stale_before = now - timedelta(minutes=settings.interval_minutes)
        with self.ctx.db.read() as session:
            rows = session.execute(query).all()
        todo: dict[str, list[tuple[datetime | None, Due]]] = {}
        for account, publication, remote, published, measured in rows:
            if (measured is None or measured < stale_before) and publication and remote and published:
                todo.setdefault(account, []).append((measured, (publication, remote, published)))
        due: dict[str, list[Due]] = {}
        for account, posts in todo.items():
            posts.sort(key=lambda p: (p[0] is not None, p[0] or now))  # stable: newest first within
            due[account] = [post for _, post in posts[: settings.max_posts_per_tick]]
        return due

    def refresh_all(self, now: datetime | None = None) -> Counter[str]:
        """One refresh of every active account with a usable token; returns counts per outcome."""
        now = now or self.ctx.clock()
        totals: Counter[str] = Counter()
        with self.ctx.db.read() as session:
            accounts = session.exec(
                select(Account).where(col(Account.active).is_(True)).order_by(col(Account.id))
            ).all()
        due = self.due(now)
        for account in accounts:
            if account.token_status != "ok":
                totals["skipped_no_token"] += 1
                continue
            paused = self._paused_until.get(account.id)
            if paused and paused > now:
                totals["skipped_rate_limited"] += 1
                continue
            totals.update(self.refresh_account(account, now, due.get(account.id, [])))
        return totals

    def refresh_account(
        self, account: Account, now: datetime, due: Sequence[Due] | None = None
    ) -> Counter[str]:
        """Measure the account's `due` posts (by default, those due now); a connector is built only
        when some are due."""
        counts: Counter[str] = Counter()
        if due is None:
            due = self.due(now, account.id).get(account.id, [])
        if not due:
            return counts
        try:
            connector = self.factory(self.ctx, account)
        except SmtoolError as error:
            log.warning("metrics %s: %s", account.id, error)
            counts["errors"] += 1
            return counts
        for start in range(0, len(due), BATCH):
            batch = due[start : start + BATCH]
            refs = [
                PublishedRef(account.platform, remote, account.id, published)
                for _, remote, published in batch
            ]
            try:
                measured = connector.fetch_metrics(refs)
            except RateLimited as limited:
                # Stop here; the rest stays stale and comes first next time.
                self._paused_until[account.id] = limited.retry_at
                counts["rate_limited"] += 1
                counts["deferred"] += len(due) - start
                log.info("metrics %s: rate limited until %s", account.id, limited.retry_at.isoformat())
                return counts
            except (AuthExpired, ConnectorError) as error:
                counts["errors"] += 1
                counts["deferred"] += len(due) - start
                log.warning("metrics %s: %s", account.id, error.platform_message)
                return counts
            counts["measured"] += self.store(batch, measured)
            counts["gone"] += len(batch) - len({m.remote_id for m in measured})
        return counts

    def store(self, batch: Sequence[Due], measured: Sequence[Measured]) -> int:
        """Write the snapshots of one batch in one transaction; returns how many were written."""
        ids = {remote: publication for publication, remote, _ in batch}
        rows = [
            {
                "publication_id": ids[m.remote_id],
                "taken_at": m.taken_at,
                "impressions": m.impressions,
                "likes": m.likes,
                "replies": m.replies,
                "shares": m.shares,
                "clicks": m.clicks,
                "quotes": m.quotes,
                "bookmarks": m.bookmarks,
                "raw": _raw(m),
            }
            for m in measured
            if m.remote_id in ids
        ]
        if rows:
            with self.ctx.db.write() as session:
                session.execute(insert(MetricSnapshot), rows)
        return len(rows)
