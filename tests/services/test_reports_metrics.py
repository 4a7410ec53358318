"""The metrics job against the sandbox with the real X and Facebook clients, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from connectors.base import Connector
from smtool.services.context import Context
from smtool.services.platforms import connector_for
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.outbox import Publisher
from smtool.services.reports.metrics import MetricsRefresher
from smtool.store.tables import Account, MetricSnapshot, Publication
from smtool.store.types import utcnow
from tests.support.sandbox import Sandbox
from tests.support.store_data import add_post


def _publish(ctx: Context, n: int) -> None:
    for i in range(n):
        text = f"Valsts kanceleja aicina piedalīties apspriešanā līdz 15. decembrim, tēma nr. {i}."
        post_id = create_post(ctx, "anna", Draft(text=text, accounts=("sandbox-x", "sandbox-fb")))
        submit_post(ctx, "anna", post_id)
        approve_posts(ctx, "karlis", [post_id])
    assert Publisher(ctx).publish_due()["published"] == 2 * n


def _snapshots(ctx: Context, account: str) -> list[MetricSnapshot]:
    with ctx.db.read() as session:
        query = (
            select(MetricSnapshot)
            .join(Publication, col(Publication.id) == col(MetricSnapshot.publication_id))
            .where(col(Publication.account_id) == account)
            .order_by(col(MetricSnapshot.id))
        )
        return list(session.exec(query).all())


def test_recent_posts_are_measured_and_their_figures_grow(sctx: Context, sandbox: Sandbox) -> None:
    _publish(sctx, 2)
    refresher = MetricsRefresher(sctx)
    assert refresher.refresh_all()["measured"] == 4
    assert refresher.refresh_all()["measured"] == 0  # measured less than interval_minutes ago
    first = {s.publication_id: s for s in _snapshots(sctx, "sandbox-x")}
    sandbox.control("POST", "clock", {"advance_seconds": 8 * 3600})
    later = utcnow() + timedelta(hours=2)
    assert refresher.refresh_all(now=later)["measured"] == 4
    x = _snapshots(sctx, "sandbox-x")
    assert len(x) == 4
    for snapshot in x[2:]:
        before = first[snapshot.publication_id]
        assert snapshot.impressions is not None and before.impressions is not None
        assert snapshot.impressions > before.impressions
        assert (snapshot.likes or 0) >= (before.likes or 0)
        assert snapshot.clicks is not None  # X gives link clicks on our own recent posts
        assert "public_metrics" in snapshot.raw and "text" not in snapshot.raw
    fb = _snapshots(sctx, "sandbox-fb")
    assert len(fb) == 4 and all(s.impressions is not None and s.quotes is None for s in fb)


def test_a_rate_limit_defers_the_account_and_drops_nothing(sctx: Context, sandbox: Sandbox) -> None:
    _publish(sctx, 2)
    sandbox.fault("x", "rate_limit", "GET /2/tweets")
    refresher = MetricsRefresher(sctx)
    counts = refresher.refresh_all()
    assert counts["rate_limited"] == 1 and counts["deferred"] == 2
    assert _snapshots(sctx, "sandbox-x") == []
    assert len(_snapshots(sctx, "sandbox-fb")) == 2  # other accounts go on
    assert refresher.refresh_all()["skipped_rate_limited"] == 1  # until the platform's reset time
    sandbox.control("POST", "clock", {"advance_seconds": 16 * 60})
    resumed = refresher.refresh_all(now=utcnow() + timedelta(minutes=16))
    assert resumed["measured"] == 2  # the deferred X posts; Facebook's are not stale yet
    assert len(_snapshots(sctx, "sandbox-x")) == 2


def test_posts_older_than_the_refresh_window_are_left_alone(sctx: Context, sandbox: Sandbox) -> None:
    _publish(sctx, 1)
    with sctx.db.write() as session:
        for publication in session.exec(select(Publication)).all():
            publication.published_at = utcnow() - timedelta(days=31)
            session.add(publication)
    assert MetricsRefresher(sctx).refresh_all()["measured"] == 0


def test_x_posts_are_measured_100_a_call(sctx: Context, sandbox: Sandbox) -> None:
    with sctx.db.read() as session:
        account = session.get(Account, "sandbox-x")
        assert account is not None and account.remote_id
    made: list[Connector] = []

    def counting(ctx: Context, account: Account) -> Connector:
        made.append(connector_for(ctx, account))
        return made[-1]

    for n in range(150):
        remote = sandbox.control("POST", "posts", {"account": account.remote_id, "text": f"Ziņa {n}"})["id"]
        publication = add_post(sctx, "sandbox-x", utcnow() - timedelta(hours=1))
        with sctx.db.write() as session:
            row = session.get(Publication, publication)
            assert row is not None
            row.remote_id = remote
            session.add(row)
    counts = MetricsRefresher(sctx, factory=counting).refresh_all()
    assert counts["measured"] == 150 and counts["gone"] == 0
    assert sum(int(getattr(c, "api_calls", 0)) for c in made) == 2


def test_the_worker_pass_measures_what_it_published(sctx: Context, sandbox: Sandbox) -> None:
    from smtool.worker import run_once

    post_id = create_post(
        sctx, "anna", Draft(text="Aicinām uz atvērto durvju dienu.", accounts=("sandbox-x",))
    )
    submit_post(sctx, "anna", post_id)
    approve_posts(sctx, "karlis", [post_id])
    totals = run_once(sctx)
    assert totals["published"] == 1 and totals["metrics_measured"] == 1
    assert run_once(sctx)["metrics_measured"] == 0
