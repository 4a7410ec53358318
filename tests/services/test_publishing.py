"""The outbox worker against the sandbox with the real X and Facebook clients, on both databases.

Each fault is injected through the sandbox's control API; the assertion is always what reached the
platform (exactly once) and the state a person sees.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import col, select

from smtool.services.context import Context
from smtool.services.installation.accounts import set_token
from smtool.services.publishing.approval import approve_posts, submit_post, withdraw_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.outbox import Publisher
from smtool.services.publishing.pauses import pause, resume
from smtool.services.publishing.views import show_post
from smtool.store.tables import Account, AuditEvent, Publication
from smtool.store.types import utcnow
from smtool.worker import run_once
from tests.support.sandbox import Sandbox

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim. #{n}"


def _approved(ctx: Context, n: int = 0, accounts: tuple[str, ...] = ("sandbox-x",)) -> int:
    post_id = create_post(ctx, "anna", Draft(text=TEXT.format(n=n), accounts=accounts))
    submit_post(ctx, "anna", post_id)
    approve_posts(ctx, "karlis", [post_id])
    return post_id


def _states(ctx: Context, post_id: int) -> list[str]:
    return [p["state"] for p in show_post(ctx, post_id)["publications"]]


def _texts(sandbox: Sandbox, platform: str = "x") -> list[str]:
    return [p["text"] for p in sandbox.published(platform)]


def _make_due(ctx: Context) -> None:
    """Time passes: retries and rate-limit windows are due now."""
    with ctx.db.write() as session:
        for row in session.exec(select(Publication).where(Publication.state == "scheduled")).all():
            row.due_at = utcnow() - timedelta(seconds=1)
            session.add(row)
        for account in session.exec(select(Account)).all():
            account.rate_limited_until = None
            session.add(account)


def test_an_approved_post_goes_out_once_on_every_target(sctx: Context, sandbox: Sandbox) -> None:
    post_id = _approved(sctx, accounts=("sandbox-x", "sandbox-fb"))
    totals = run_once(sctx)
    assert totals["published"] == 2
    assert _texts(sandbox, "x") == [TEXT.format(n=0)]
    assert _texts(sandbox, "facebook") == [TEXT.format(n=0)]
    detail = show_post(sctx, post_id)
    assert detail["state"] == "published"
    assert all(p["remote_id"] for p in detail["publications"])
    assert run_once(sctx)["published"] == 0  # nothing twice
    # Every state change of every publication is in the audit log, in order.
    with sctx.db.read() as session:
        trail = session.exec(
            select(AuditEvent.subject_id, AuditEvent.action)
            .where(AuditEvent.subject_type == "publication")
            .order_by(col(AuditEvent.id))
        ).all()
    for publication in detail["publications"]:
        actions = [action for subject, action in trail if subject == str(publication["id"])]
        assert actions == ["publication.sending", "publication.published"]


def test_a_lapsed_claim_goes_back_to_the_queue_audited(sctx: Context, sandbox: Sandbox) -> None:
    _approved(sctx)
    with sctx.db.write() as session:
        from smtool.services.publishing.outbox import claim_next

        # A worker that claimed and then stalled: its lease has already run out.
        claimed = claim_next(session, "stalled", utcnow(), timedelta(seconds=-1))
    assert claimed is not None
    assert Publisher(sctx, me="sweeper").sweep()["returned"] == 1
    with sctx.db.read() as session:
        returned = session.exec(select(AuditEvent).where(AuditEvent.action == "publication.returned")).one()
    assert returned.subject_id == str(claimed) and json.loads(returned.payload)["worker"] == "stalled"
    assert run_once(sctx)["published"] == 1


def test_rate_limit_waits_for_the_reset_time(sctx: Context, sandbox: Sandbox) -> None:
    sandbox.fault("x", "rate_limit", "POST /2/tweets")
    post_id = _approved(sctx)
    assert run_once(sctx)["retry"] == 1
    with sctx.db.read() as session:
        publication = session.exec(select(Publication)).one()
        account = session.get(Account, "sandbox-x")
    assert publication.state == "scheduled" and publication.due_at > utcnow()
    assert account is not None and account.rate_limited_until == publication.due_at
    assert run_once(sctx)["published"] == 0  # the account waits
    sandbox.control("POST", "clock", {"advance_seconds": 16 * 60})  # the platform's window passes
    _make_due(sctx)
    assert run_once(sctx)["published"] == 1
    assert _texts(sandbox) == [TEXT.format(n=0)]
    assert show_post(sctx, post_id)["state"] == "published"


def test_server_error_is_retried_with_backoff(sctx: Context, sandbox: Sandbox) -> None:
    sandbox.fault("x", "server_error", "POST /2/tweets", count=2)
    post_id = _approved(sctx)
    assert run_once(sctx)["retry"] == 1
    _make_due(sctx)
    assert run_once(sctx)["retry"] == 1
    _make_due(sctx)
    assert run_once(sctx)["published"] == 1
    assert _texts(sandbox) == [TEXT.format(n=0)]
    assert show_post(sctx, post_id)["publications"][0]["attempt"] == 3


def test_expired_token_waits_for_a_new_token(sctx: Context, sandbox: Sandbox) -> None:
    sandbox.fault("x", "expired_token", "POST /2/tweets")
    post_id = _approved(sctx)
    assert run_once(sctx)["needs_reauth"] == 1
    assert _states(sctx, post_id) == ["needs_reauth"]
    with sctx.db.read() as session:
        assert session.get(Account, "sandbox-x").token_status == "needs_reauth"  # type: ignore[union-attr]
    token = next(a.token for a in sandbox.server.state.accounts if a.platform == "x")
    set_token(sctx, "sandbox-x", token, "local:operator")  # the installation's OS account
    assert run_once(sctx)["published"] == 1
    assert _texts(sandbox) == [TEXT.format(n=0)]


def test_timeout_after_send_is_reconciled_never_resent(sctx: Context, sandbox: Sandbox) -> None:
    sandbox.fault("x", "timeout_after_store", "POST /2/tweets")
    post_id = _approved(sctx)
    assert run_once(sctx)["unknown"] == 1
    assert _states(sctx, post_id) == ["unknown"]
    totals = run_once(sctx)
    assert totals["reconciled_found"] == 1
    assert _states(sctx, post_id) == ["published"]
    assert _texts(sandbox) == [TEXT.format(n=0)]  # once, not twice


def test_a_post_with_a_link_and_an_ampersand_settles_in_one_round(sctx: Context, sandbox: Sandbox) -> None:
    # X serves it back as "... &amp; ... https://t.co/..." with the address in entities.urls.
    written = "Pieteikumi & jautājumi līdz 15. decembrim (<5 minūtes): https://www.vk.gov.lv/lv/apspriesana"
    post_id = create_post(sctx, "anna", Draft(text=written, accounts=["sandbox-x"]))
    submit_post(sctx, "anna", post_id)
    approve_posts(sctx, "karlis", [post_id])
    sandbox.fault("x", "timeout_after_store", "POST /2/tweets")
    assert run_once(sctx)["unknown"] == 1
    served = sandbox.control("GET", "published?platform=x")[0]
    assert run_once(sctx)["reconciled_found"] == 1
    assert _states(sctx, post_id) == ["published"]
    assert _texts(sandbox) == [written]  # once, not twice
    assert served["text"] == written  # the sandbox keeps what was written; X's rendering is on the wire


def test_duplicate_answer_is_reconciled(sctx: Context, sandbox: Sandbox) -> None:
    sandbox.fault("x", "duplicate", "POST /2/tweets")
    post_id = _approved(sctx)
    assert run_once(sctx)["unknown"] == 1
    # Not on the account's timeline: after reading it, sending again is not a blind resend.
    totals = run_once(sctx)
    assert totals["reconciled_rescheduled"] == 1 and totals["published"] == 1
    assert _texts(sandbox) == [TEXT.format(n=0)]
    assert show_post(sctx, post_id)["state"] == "published"


def test_a_post_withdrawn_while_its_send_is_unknown_is_never_sent_again(
    sctx: Context, sandbox: Sandbox
) -> None:
    sandbox.fault("x", "duplicate", "POST /2/tweets")  # the answer is lost; nothing reached the timeline
    post_id = _approved(sctx)
    assert run_once(sctx)["unknown"] == 1
    withdraw_post(sctx, "anna", post_id)
    totals = run_once(sctx)
    assert totals["reconciled_cancelled"] == 1 and totals["published"] == 0
    assert _states(sctx, post_id) == ["cancelled"]
    assert run_once(sctx)["published"] == 0
    assert _texts(sandbox) == []


def test_a_post_withdrawn_after_its_send_went_out_is_recorded_as_published(
    sctx: Context, sandbox: Sandbox
) -> None:
    sandbox.fault("x", "timeout_after_store", "POST /2/tweets")  # out, but the answer never came
    post_id = _approved(sctx)
    assert run_once(sctx)["unknown"] == 1
    withdraw_post(sctx, "anna", post_id)
    assert run_once(sctx)["reconciled_found"] == 1
    # The record says what the platform shows: it went out once, before the withdrawal took effect.
    assert _states(sctx, post_id) == ["published"] and show_post(sctx, post_id)["state"] == "withdrawn"
    assert _texts(sandbox) == [TEXT.format(n=0)]


def test_a_crash_mid_call_becomes_unknown_then_reconciled(sctx: Context, sandbox: Sandbox) -> None:
    post_id = _approved(sctx)
    publisher = Publisher(sctx, me="crashed")
    with sctx.db.write() as session:
        from smtool.services.publishing.outbox import claim_next

        claimed = claim_next(session, "crashed", utcnow(), timedelta(seconds=5))
    assert claimed is not None
    # The worker set `sending`, the post reached the platform, then the process died.
    with sctx.db.write() as session:
        session.execute(text("UPDATE publications SET state='sending' WHERE id=:id"), {"id": claimed})
    sandbox.control(
        "POST", "posts", {"account": sandbox.server.state.accounts[0].id, "text": TEXT.format(n=0)}
    )
    with sctx.db.write() as session:
        row = session.get(Publication, claimed)
        assert row is not None
        row.lease_until = utcnow() - timedelta(seconds=1)
        row.sent_at = utcnow() - timedelta(seconds=2)
        session.add(row)
    assert publisher.sweep()["unknown"] == 1
    assert publisher.reconcile()["found"] == 1
    assert _states(sctx, post_id) == ["published"]
    assert len(_texts(sandbox)) == 1


def test_paused_account_waits_and_nothing_is_lost(sctx: Context, sandbox: Sandbox) -> None:
    pause(sctx, "karlis", "sandbox-x", "Krīze: pārbaudām informāciju")
    post_id = _approved(sctx)
    assert run_once(sctx)["published"] == 0
    assert _states(sctx, post_id) == ["scheduled"]
    resume(sctx, "karlis", "sandbox-x")
    assert run_once(sctx)["published"] == 1
    assert _texts(sandbox) == [TEXT.format(n=0)]


def test_past_its_window_it_expires_and_needs_approval_again(sctx: Context, sandbox: Sandbox) -> None:
    post_id = _approved(sctx)
    with sctx.db.write() as session:
        row = session.exec(select(Publication)).one()
        row.not_after = utcnow() - timedelta(minutes=1)
        session.add(row)
    assert run_once(sctx)["swept_expired"] == 1
    assert _states(sctx, post_id) == ["expired"]
    assert show_post(sctx, post_id)["state"] == "submitted"
    assert _texts(sandbox) == []
    approve_posts(sctx, "karlis", [post_id])
    assert run_once(sctx)["published"] == 1
    assert _texts(sandbox) == [TEXT.format(n=0)]


def test_a_settled_row_is_not_settled_again_nor_audited_twice(sctx: Context, sandbox: Sandbox) -> None:
    # Two workers reconcile the same `unknown` row: the second finds it already settled.
    sandbox.fault("x", "timeout_after_store", "POST /2/tweets")
    post_id = _approved(sctx)
    assert run_once(sctx)["unknown"] == 1
    first, second = Publisher(sctx, me="a"), Publisher(sctx, me="b")
    with sctx.db.read() as session:
        row = session.exec(select(Publication)).one()
        account = session.get(Account, "sandbox-x")
    assert account is not None and row.sent_at is not None
    own = first.connector(account).recent_own_posts(row.sent_at - timedelta(minutes=1))
    grace = timedelta(seconds=0)
    assert first._settle(row, own, grace, "x") == "found"
    assert second._settle(row, own, grace, "x") == "lost"
    with sctx.db.read() as session:
        reconciled = session.exec(
            select(AuditEvent).where(AuditEvent.action == "publication.reconciled")
        ).all()
    assert len(reconciled) == 1
    assert show_post(sctx, post_id)["state"] == "published"
