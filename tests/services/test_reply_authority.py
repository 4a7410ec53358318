"""Who may answer citizens publicly (issue 15, item 7): only the roles an account's settings allow
and its spokespeople reply; a specialist's reply is a proposal that one of them approves (exactly
that text, then sent once) or rejects (never sent). SQLite and PostgreSQL, the real X client against
the sandbox, the real worker."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from smtool.config import load_settings
from smtool.errors import NotFound, PermissionDenied, UsageError
from smtool.services.context import Context
from smtool.services.installation import directory
from smtool.services.monitoring import proposals, queue, queue_pages
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.monitoring.views import InboxItemView, item_view
from smtool.services.publishing.checks import BlockedByFindings
from smtool.services.refusals import REFUSED
from smtool.store.tables import AuditEvent, InboxItem, Publication, ReplyProposal
from smtool.worker import run_once
from tests.support.sandbox import Sandbox

PEOPLE = """
[[users]]
name = "janis"
roles = ["specialist"]
team = "taxes"

[[routing]]
team = "taxes"
keywords = ["nodok*"]
"""
ANSWER = "Nodokli var samaksāt VID EDS sistēmā."


def _open(sandbox: Sandbox, extra: str = "", account_line: str = "") -> Context:
    text = sandbox.config.read_text(encoding="utf-8") + PEOPLE + extra
    if account_line:
        # Only the X account gets the line: the Facebook Page keeps the default.
        text = text.replace('id = "sandbox-x"\n', f'id = "sandbox-x"\n{account_line}\n', 1)
    sandbox.config.write_text(text, encoding="utf-8")
    settings = load_settings(sandbox.config)
    ctx = Context.open(settings)
    directory.apply(ctx, settings, "local:test")
    return ctx


@pytest.fixture
def rctx(sandbox: Sandbox) -> Iterator[Context]:
    with _open(sandbox) as ctx:
        yield ctx


def _tax_question(sandbox: Sandbox, ctx: Context) -> InboxItemView:
    body = {"account": sandbox.server.account("x").id, "text": "Kā samaksāt nodokļus par 2025. gadu?"}
    remote = sandbox.control("POST", "mentions", body)["id"]
    Ingestor(ctx).poll_all()
    with ctx.db.read() as session:
        item = session.exec(select(InboxItem).where(InboxItem.remote_id == remote)).one()
    assert item.team == "taxes"
    return item_view(item)


def _sent(sandbox: Sandbox, text: str) -> list[dict[str, object]]:
    return [p for p in sandbox.published("x") if p["text"] == text]


def _refusals(ctx: Context, use_case: str) -> list[AuditEvent]:
    with ctx.db.read() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == REFUSED)).all()
    return [r for r in rows if r.subject_id == use_case]


def test_a_specialists_reply_is_refused_naming_the_account_and_who_may(
    rctx: Context, sandbox: Sandbox
) -> None:
    item = _tax_question(sandbox, rctx)
    with pytest.raises(PermissionDenied) as refused:
        queue.reply(rctx, "janis", item["id"], ANSWER)
    assert "sandbox-x" in refused.value.msg and "press_officer" in refused.value.msg
    assert "karlis" in refused.value.msg and f"inbox propose {item['id']}" in refused.value.msg
    assert _refusals(rctx, "inbox.reply")[-1].actor == "janis"
    with rctx.db.read() as session:
        assert session.exec(select(Publication)).all() == []


def test_a_specialists_reply_waits_for_a_press_officer_then_goes_out_once(
    rctx: Context, sandbox: Sandbox
) -> None:
    item = _tax_question(sandbox, rctx)
    proposal = proposals.propose(rctx, "janis", item["id"], ANSWER)
    assert run_once(rctx)["published"] == 0 and _sent(sandbox, ANSWER) == []
    shown = queue_pages.show_item(rctx, item["id"])
    assert shown["state"] == "new" and shown["replies"] == []
    assert [(p["author"], p["state"], p["text"]) for p in shown["proposals"]] == [
        ("janis", "proposed", ANSWER)
    ]
    waiting = proposals.waiting_proposals(rctx, "liga")
    assert [p["id"] for p in waiting] == [proposal["id"]]

    # A specialist cannot let their own text out by approving it.
    with pytest.raises(PermissionDenied, match="may not reply publicly on account sandbox-x"):
        proposals.approve(rctx, "janis", item["id"], proposal["content_hash"])

    publication = proposals.approve(rctx, "liga", item["id"], proposal["content_hash"][:16])
    with pytest.raises(NotFound, match="no proposed reply is waiting"):
        proposals.approve(rctx, "liga", item["id"], proposal["content_hash"])
    assert run_once(rctx)["published"] == 1
    assert run_once(rctx)["published"] == 0
    sent = _sent(sandbox, ANSWER)
    assert len(sent) == 1 and sent[0]["in_reply_to"] == item["remote_id"]
    with rctx.db.read() as session:
        reply = session.get(Publication, publication)
        assert reply is not None and reply.state == "published"
        stored = session.get(ReplyProposal, proposal["id"])
        assert stored is not None and stored.state == "approved" and stored.decided_by == "liga"
        assert stored.publication_id == publication
        approved = session.exec(select(AuditEvent).where(AuditEvent.action == "inbox.approve_reply")).one()
    # In the approver's name, with the author on record.
    assert approved.actor == "liga" and json.loads(approved.payload)["proposed_by"] == "janis"
    assert queue_pages.show_item(rctx, item["id"])["state"] == "answered"


def test_a_rejected_proposal_never_goes_out(rctx: Context, sandbox: Sandbox) -> None:
    item = _tax_question(sandbox, rctx)
    proposal = proposals.propose(rctx, "janis", item["id"], ANSWER)
    with pytest.raises(UsageError, match="say why"):
        proposals.reject(rctx, "liga", item["id"], "  ")
    rejected = proposals.reject(rctx, "liga", item["id"], "Atsauce uz VID lapu, lūdzu")
    assert rejected["state"] == "rejected" and rejected["comment"] == "Atsauce uz VID lapu, lūdzu"
    with pytest.raises(NotFound, match="no proposed reply is waiting"):
        proposals.approve(rctx, "liga", item["id"], proposal["content_hash"])
    assert run_once(rctx)["published"] == 0 and _sent(sandbox, ANSWER) == []
    assert proposals.waiting_proposals(rctx, "liga") == []
    with rctx.db.read() as session:
        assert session.exec(select(Publication)).all() == []
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.action == "inbox.reject_reply")).one().actor
            == "liga"
        )


def test_approving_a_text_other_than_the_one_read_is_refused(rctx: Context, sandbox: Sandbox) -> None:
    item = _tax_question(sandbox, rctx)
    read = proposals.propose(rctx, "janis", item["id"], ANSWER)
    changed = proposals.propose(rctx, "janis", item["id"], ANSWER + " Vai zvaniet 67120000.")
    # The officer read the first text: the second replaced it, so approving what they read is refused.
    with pytest.raises(proposals.NotTheTextRead, match="not the text you read"):
        proposals.approve(rctx, "liga", item["id"], read["content_hash"])
    assert [p["state"] for p in queue_pages.show_item(rctx, item["id"])["proposals"]] == [
        "superseded",
        "proposed",
    ]
    # A text altered behind smtool no longer matches its own hash: refused, never sent.
    with rctx.db.write() as session:
        session.execute(
            update(ReplyProposal).where(col(ReplyProposal.id) == changed["id"]).values(text="Cits teksts.")
        )
    with pytest.raises(proposals.NotTheTextRead, match="no longer matches its hash"):
        proposals.approve(rctx, "liga", item["id"], changed["content_hash"])
    with pytest.raises(UsageError, match="at least 12"):
        proposals.approve(rctx, "liga", item["id"], changed["content_hash"][:6])
    assert run_once(rctx)["published"] == 0
    with rctx.db.read() as session:
        assert session.exec(select(Publication)).all() == []


def test_a_proposal_passes_the_checker_like_a_reply(rctx: Context, sandbox: Sandbox) -> None:
    item = _tax_question(sandbox, rctx)
    with pytest.raises(BlockedByFindings, match="cannot go out as written"):
        proposals.propose(rctx, "janis", item["id"], "Rakstiet man uz janis.berzins@gmail.com, es palīdzēšu.")
    assert queue_pages.show_item(rctx, item["id"])["proposals"] == []


def test_only_the_roles_an_account_allows_reply_and_approve_there(sandbox: Sandbox) -> None:
    with _open(sandbox, account_line='reply_roles = ["manager"]') as ctx:
        item = _tax_question(sandbox, ctx)
        queue.assign(ctx, "liga", item["id"], "press")
        with pytest.raises(PermissionDenied, match="only a manager or its spokespeople"):
            queue.reply(ctx, "liga", item["id"], ANSWER)
        proposal = proposals.propose(ctx, "liga", item["id"], ANSWER)
        with pytest.raises(PermissionDenied):
            proposals.approve(ctx, "liga", item["id"], proposal["content_hash"])
        assert [p["id"] for p in proposals.waiting_proposals(ctx, "martins")] == [proposal["id"]]
        # The account's spokesperson always may, whatever the roles.
        proposals.approve(ctx, "karlis", item["id"], proposal["content_hash"])
        assert run_once(ctx)["published"] == 1
        assert len(_sent(sandbox, ANSWER)) == 1
        assert [r.actor for r in _refusals(ctx, "inbox.approve_reply")] == ["liga"]
