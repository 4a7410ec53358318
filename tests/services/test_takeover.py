"""Account takeover defence against the sandbox: a post made on the account outside smtool, or a
token the platform refuses, raises an alert and (with on_takeover = "pause") stops publishing there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.installation import directory
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.monitoring.takeover import verify_tokens
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.pauses import list_pauses, resume
from smtool.store.tables import AuditEvent, InboxItem, Publication
from smtool.worker import run_once
from tests.support.sandbox import Sandbox


@pytest.fixture
def guarded(sandbox: Sandbox) -> Iterator[Context]:
    """The sandbox installation with on_takeover = "pause", except the Facebook Page (alert only)."""
    text = sandbox.config.read_text(encoding="utf-8")
    text = text.replace('id = "sandbox-fb"\n', 'id = "sandbox-fb"\non_takeover = "alert"\n')
    sandbox.config.write_text(text + '\n[security]\non_takeover = "pause"\n', encoding="utf-8")
    with Context.open(load_settings(sandbox.config)) as context:
        directory.apply(context, load_settings(sandbox.config), "local:test")  # the Page's own answer
        yield context


def _alerts(ctx: Context) -> list[InboxItem]:
    with ctx.db.read() as session:
        return list(
            session.exec(select(InboxItem).where(InboxItem.kind == "alert").order_by(col(InboxItem.id)))
        )


def _suspicions(ctx: Context) -> list[str]:
    with ctx.db.read() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "account.takeover_suspected"))
        return [e.subject_id for e in rows]


def test_a_post_injected_outside_smtool_raises_the_alert_and_pauses_the_account(
    guarded: Context, sandbox: Sandbox
) -> None:
    Ingestor(guarded).poll_all()  # first look: what is already there is no alert
    outside = sandbox.control(
        "POST", "posts", {"account": sandbox.server.account("x").id, "text": "Pērciet kriptovalūtu!"}
    )["id"]
    counts = Ingestor(guarded).poll_all()
    assert counts["alerts"] == 1 and counts["takeover_pauses"] == 1
    (alert,) = _alerts(guarded)
    assert alert.remote_id == outside and alert.account_id == "sandbox-x" and "takeover" in alert.flags
    assert [(p.scope, "takeover" in p.reason) for p in list_pauses(guarded)] == [("sandbox-x", True)]

    # Publishing to the account waits; another poll raises nothing twice.
    post_id = create_post(guarded, "anna", Draft(text="Valsts kanceleja informē.", accounts=["sandbox-x"]))
    submit_post(guarded, "anna", post_id)
    approve_posts(guarded, "karlis", [post_id])
    totals = run_once(guarded)
    assert totals["published"] == 0 and totals["ingest_takeover_pauses"] == 0
    assert len(_alerts(guarded)) == 1 and _suspicions(guarded) == ["sandbox-x"]

    resume(guarded, "karlis", "sandbox-x")  # a person checked the account
    assert run_once(guarded)["published"] == 1
    with guarded.db.read() as session:
        assert session.exec(select(Publication.state)).one() == "published"


def test_a_refused_token_raises_one_alert_and_pauses_only_where_configured(
    guarded: Context, sandbox: Sandbox
) -> None:
    sandbox.fault("x", "expired_token", count=50)
    sandbox.fault("facebook", "expired_token", count=50)
    counts = Ingestor(guarded).poll_all()
    assert counts["takeover_alerts"] == 2 and counts["takeover_pauses"] == 1
    assert {a.account_id for a in _alerts(guarded)} == {"sandbox-x", "sandbox-fb"}
    assert [p.scope for p in list_pauses(guarded)] == ["sandbox-x"]  # the Page only alerts
    again = Ingestor(guarded).poll_all()
    assert again["takeover_alerts"] == 0  # once per stored token
    assert sorted(_suspicions(guarded)) == ["sandbox-fb", "sandbox-x"]


def test_by_default_a_takeover_sign_alerts_without_pausing(sctx: Context, sandbox: Sandbox) -> None:
    Ingestor(sctx).poll_all()
    sandbox.control("POST", "posts", {"account": sandbox.server.account("x").id, "text": "Sveiki!"})
    assert Ingestor(sctx).poll_all()["alerts"] == 1
    assert list_pauses(sctx) == [] and _suspicions(sctx) == ["sandbox-x"]


def test_the_hourly_token_check_finds_refused_and_swapped_tokens(guarded: Context, sandbox: Sandbox) -> None:
    assert verify_tokens(guarded)["tokens_verified"] == 2  # both tokens speak for their accounts
    assert _alerts(guarded) == []

    sandbox.fault("x", "expired_token", endpoint="GET /2/users/me")
    counts = verify_tokens(guarded)
    assert counts["takeover_alerts"] == 1 and counts["takeover_pauses"] == 1
    (refused,) = _alerts(guarded)
    assert refused.account_id == "sandbox-x" and "refused" in refused.text

    # The Page's token now answers for another Page than the one configured.
    with guarded.db.engine.begin() as connection:
        connection.execute(text("UPDATE accounts SET remote_id='999' WHERE id='sandbox-fb'"))
    counts = verify_tokens(guarded)
    assert counts["takeover_alerts"] == 1 and counts["takeover_pauses"] == 0  # the Page only alerts
    swapped = _alerts(guarded)[-1]
    assert swapped.account_id == "sandbox-fb" and "another account" in swapped.text
    assert verify_tokens(guarded)["takeover_alerts"] == 0  # raised once per token
