"""Ingest from the sandbox with the real X and Facebook clients, on both databases.

The assertions are what a press officer would notice: every comment and mention once in the queue,
exactly as the citizen wrote it, triaged and routed, across pages and restarts.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy import text as sql
from sqlmodel import col, func, select

from connectors.base import IncomingItem, IncomingPage, Transient
from smtool.services.context import Context
from smtool.services.monitoring import prefetch, queue_pages
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.text import escape_nul, inert, unescape_nul
from smtool.store import fts
from smtool.store.tables import AuditEvent, InboxItem, IngestCursor
from smtool.worker import run_once
from tests.support.sandbox import Sandbox
from tests.support.texts import BAD_INPUT


def _count(ctx: Context) -> int:
    with ctx.db.read() as session:
        return int(session.exec(select(func.count()).select_from(InboxItem)).one())


def _remote_ids(ctx: Context, platform: str) -> list[str]:
    with ctx.db.read() as session:
        return list(session.exec(select(InboxItem.remote_id).where(InboxItem.platform == platform)).all())


def test_ingest_pages_and_restarts_store_each_item_exactly_once(sctx: Context, sandbox: Sandbox) -> None:
    sandbox.control("POST", "posts", {"account": sandbox.server.account("facebook").id, "text": "Sveiki!"})
    first = sandbox.control("POST", "simulate", {"count": 230, "platform": "x"})["items"]
    first += sandbox.control("POST", "simulate", {"count": 120, "platform": "facebook"})["items"]
    counts = Ingestor(sctx).poll_all()  # X pages of 100, Facebook pages of 100
    assert counts["new"] == 350 and counts["fetched"] == 350
    assert Ingestor(sctx).poll_all()["new"] == 0  # a restarted worker reads nothing twice

    second = sandbox.control("POST", "simulate", {"count": 75})["items"]
    assert Ingestor(sctx).poll_all()["new"] == 75
    expected = first + second
    for platform in ("x", "facebook"):
        stored = _remote_ids(sctx, platform)
        assert len(stored) == len(set(stored))
        assert set(stored) == {i["id"] for i in expected if i["platform"] == platform}
    assert _count(sctx) == len(expected)
    with sctx.db.read() as session:
        cursors = session.exec(select(IngestCursor).where(IngestCursor.stream == "incoming")).all()
        ingests = session.exec(select(AuditEvent).where(AuditEvent.action == "inbox.ingest")).all()
    assert {c.account_id for c in cursors} == {"sandbox-x", "sandbox-fb"}
    assert all(c.cursor for c in cursors) and ingests


def test_the_inbox_search_finds_every_new_item_and_items_added_elsewhere(
    sctx: Context, sandbox: Sandbox
) -> None:
    # Ingest indexes a page at once at the end of its transaction (SQLite, migration 0014); an
    # item inserted any other way is still indexed by the trigger.
    sandbox.control("POST", "posts", {"account": sandbox.server.account("facebook").id, "text": "Sveiki!"})
    sandbox.control("POST", "simulate", {"count": 150, "platform": "x"})
    sandbox.control("POST", "simulate", {"count": 150, "platform": "facebook"})
    assert Ingestor(sctx).poll_all()["new"] == 300
    with sctx.db.write() as session:
        session.add(
            InboxItem(
                platform="x",
                remote_id="elsewhere-1",
                account_id="sandbox-x",
                kind="mention",
                author_name="Cits Ceļš",
                text="Ārkārtasziņa par plūdiem",
                created_at=sctx.clock(),
                fetched_at=sctx.clock(),
                raw={},
                team="press",
            )
        )
    with sctx.db.read() as session:
        items = session.exec(select(InboxItem)).all()
        assert len(items) == 301
        for item in items:
            # A plain word of the text (PostgreSQL's parser reads "bit.ly/x" as one address) and the name.
            word = next(w for w in item.text.split() if w.isalpha())
            found = fts.matching_ids(session, f"{word} {item.author_name or ''}", cap=len(items))
            assert found is not None and item.id in found, (item.text, item.author_name)
        if session.get_bind().dialect.name == "sqlite":
            assert session.execute(sql("SELECT count(*) FROM inbox_fts_deferred")).scalar_one() == 0


def test_pages_prepared_while_fetched_are_stored_oldest_first(sctx: Context, sandbox: Sandbox) -> None:
    # X answers newest first; the pipeline prepares each page as it comes, yet the queue's ids
    # still follow the platform's order, oldest first.
    made = sandbox.control("POST", "simulate", {"count": 250, "platform": "x"})["items"]
    assert Ingestor(sctx).poll_all()["new"] == 250
    with sctx.db.read() as session:
        stored = session.exec(select(InboxItem.remote_id).order_by(col(InboxItem.id))).all()
    assert list(stored) == sorted((i["id"] for i in made), key=int)


class _Pages:
    """A paged fetcher whose platform fails after two pages."""

    def __init__(self, items: list[IncomingItem]) -> None:
        self.items = items

    def incoming_pages(self, cursor: str | None) -> Iterator[IncomingPage]:
        yield IncomingPage(self.items[:1])
        yield IncomingPage(self.items[1:])
        raise Transient("the platform went away")


def test_a_failure_after_some_pages_reaches_the_caller_and_the_fetch_ends() -> None:
    item = IncomingItem("x", "1", "vk-x", "mention", "7", "A", "@a", "teksts", datetime.now(UTC), None, None)
    before = threading.active_count()
    with pytest.raises(Transient):
        prefetch.prepared_while_fetching(_Pages([item, item]), None, lambda page: [i.text for i in page])
    assert threading.active_count() == before


def test_a_crash_before_the_commit_rereads_and_stores_once(sctx: Context, sandbox: Sandbox) -> None:
    sandbox.control("POST", "simulate", {"count": 40, "platform": "x"})
    ingestor = Ingestor(sctx)
    with sctx.db.read() as session:
        account = session.exec(select(InboxItem)).first()
    assert account is None
    # The worker fetched but died before storing: the cursor did not move, so the next poll re-reads.
    from smtool.store.tables import Account

    with sctx.db.read() as session:
        x_account = session.get(Account, "sandbox-x")
    assert x_account is not None
    items, _cursor = ingestor.connector(x_account).fetch_incoming(None)
    assert len(items) == 40
    assert Ingestor(sctx).poll_all()["new"] == 40
    # A late store of the same items (a second worker) adds nothing and keeps the newer cursor.
    assert ingestor.store("sandbox-x", "incoming", None, items, "1") == 0
    with sctx.db.read() as session:
        row = session.get(IngestCursor, ("sandbox-x", "incoming"))
    assert row is not None and row.cursor != "1"
    assert _count(sctx) == 40


def _writes_during(ctx: Context, action: Callable[[], object]) -> list[str]:
    """The INSERT, UPDATE and DELETE statements the database ran while `action` ran."""
    seen: list[str] = []

    def statement(_conn: object, _cursor: object, sql_text: str, *_: object) -> None:
        if sql_text.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(sql_text)

    event.listen(ctx.db.engine, "before_cursor_execute", statement)
    try:
        action()
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", statement)
    return seen


def test_a_poll_that_finds_nothing_new_writes_nothing(sctx: Context, sandbox: Sandbox) -> None:
    # Most polls of a quiet account find nothing: no write transaction then (a worker pass over a
    # hundred accounts would otherwise write hundreds), and the next new item still comes once.
    sandbox.control("POST", "posts", {"account": sandbox.server.account("facebook").id, "text": "Sveiki!"})
    sandbox.control("POST", "simulate", {"count": 5})
    assert Ingestor(sctx).poll_all()["new"] == 5
    with sctx.db.read() as session:
        before = {(c.account_id, c.stream): c.cursor for c in session.exec(select(IngestCursor)).all()}
    assert {stream for _, stream in before} == {"incoming", "own_posts"}
    counts: Counter[str] = Counter()
    assert _writes_during(sctx, lambda: counts.update(Ingestor(sctx).poll_all())) == []
    assert counts["new"] == 0 and counts["alerts"] == 0 and not counts["errors"]
    with sctx.db.read() as session:
        after = {(c.account_id, c.stream): c.cursor for c in session.exec(select(IngestCursor)).all()}
    assert after == before
    sandbox.control("POST", "simulate", {"count": 3})
    assert Ingestor(sctx).poll_all()["new"] == 3
    assert _count(sctx) == 8


def test_a_quiet_poll_after_a_failed_one_clears_the_error(sctx: Context, sandbox: Sandbox) -> None:
    ingestor = Ingestor(sctx)
    ingestor.poll_all()
    sandbox.fault("x", "server_error", "GET /2/users/:id/mentions")
    assert ingestor.poll_all()["errors"] == 1
    with sctx.db.read() as session:
        failed = session.get(IngestCursor, ("sandbox-x", "incoming"))
    assert failed is not None and failed.last_error
    assert sandbox.control("GET", "faults") == []
    assert ingestor.poll_all()["new"] == 0  # nothing new, yet the row is written: the error goes
    with sctx.db.read() as session:
        mended = session.get(IngestCursor, ("sandbox-x", "incoming"))
    assert mended is not None and mended.last_error is None and mended.cursor == failed.cursor


def test_triage_and_routing_set_flags_priority_and_team(sctx: Context, sandbox: Sandbox) -> None:
    x = sandbox.server.account("x").id
    texts = {
        "question": "Kad būs gatavs mans pieteikums e-pakalpojumā?",
        "personal": "Mans personas kods ir 120389-11234, lūdzu pārbaudiet",
        "abuse": "Jūs visi esat zagļi un idioti!",
        "plain": "Paldies par informāciju.",
    }
    ids = {k: sandbox.control("POST", "mentions", {"account": x, "text": t})["id"] for k, t in texts.items()}
    run_once(sctx)
    with sctx.db.read() as session:
        rows = {r.remote_id: r for r in session.exec(select(InboxItem)).all()}
    question, personal, abuse, plain = (rows[ids[k]] for k in ("question", "personal", "abuse", "plain"))
    assert "question" in question.flags and question.priority == 1
    assert "personal_data" in personal.flags and personal.priority == 2
    assert "abuse" in abuse.flags and abuse.priority == 2
    assert plain.flags == [] and plain.priority == 0
    assert question.team == "press"  # no [[routing]] in this installation: the press office
    assert all(r.response_due_at is not None and r.response_due_at > r.created_at for r in rows.values())


def test_bad_input_is_stored_exactly_and_shown_inert(sctx: Context, sandbox: Sandbox) -> None:
    fb_page = sandbox.server.account("facebook").id
    post = sandbox.control("POST", "posts", {"account": fb_page, "text": "Ziņa"})["id"]
    Ingestor(sctx).poll_all()  # sets the own-posts watermark
    big = "Ā" * 100 * 1024
    texts = [*BAD_INPUT, big]
    for text in texts:
        sandbox.control("POST", "comments", {"post_id": post, "text": text})
    # A reply to a parent the queue never saw, from an author with an odd name.
    sandbox.control("POST", "comments", {"post_id": post, "text": "x", "author": "\x1b[1mBold\x00 name"})
    counts = Ingestor(sctx).poll_all()
    assert counts["errors"] == 0 and counts["new"] == len(texts) + 1
    page = queue_pages.list_items(sctx, limit=100)
    by_text = {i["text"]: i for i in page.items}
    for text in texts:
        assert text in by_text, repr(text[:40])
        shown = inert(by_text[text]["text"])
        assert "\x1b" not in shown and "\x00" not in shown and "\u202e" not in shown
    assert any(i["author_name"] == "\x1b[1mBold\x00 name" for i in page.items)
    # Zero-width characters that only hide things are shown; the joiner in emoji sequences stays.
    assert "zero<U+200B>width\u200d" in inert(BAD_INPUT[2])
    assert inert(BAD_INPUT[4]) == BAD_INPUT[4]
    detail = queue_pages.show_item(sctx, by_text[BAD_INPUT[3]]["id"])
    assert detail["text"] == BAD_INPUT[3]


def test_deleted_authors_and_replies_to_vanished_parents(sctx: Context, sandbox: Sandbox) -> None:
    x = sandbox.server.account("x").id
    platform = sandbox.server.sandbox
    # A citizen's tweet the queue never sees (it does not mention us), answered by a mention...
    parent = platform.x_create(platform.x_citizen("kaimins"), "Kas notiek ar ceļu?", source="citizen")
    reply = sandbox.control(
        "POST", "mentions", {"account": x, "text": "Jautājiet viņiem!", "in_reply_to": parent["id"]}
    )["id"]
    gone = sandbox.control("POST", "mentions", {"account": x, "text": "Kad?", "author": "aizgajis"})["id"]
    # ...then the parent is deleted and the second author closes their account: X still serves the
    # mention, but without the author among the included users.
    platform.state.tweets[parent["id"]]["deleted"] = True
    del platform.state.x_users[platform.state.tweets[gone]["author_id"]]
    counts = Ingestor(sctx).poll_all()
    assert counts["errors"] == 0 and counts["new"] == 2
    with sctx.db.read() as session:
        rows = {r.remote_id: r for r in session.exec(select(InboxItem)).all()}
    assert rows[reply].parent_remote_id == parent["id"] and "deleted_author" not in rows[reply].flags
    orphan = queue_pages.surroundings(sctx, int(rows[reply].id or 0))
    assert orphan.thread == []  # nothing of the vanished conversation is in the store
    shown = queue_pages.show_item(sctx, int(rows[gone].id or 0))
    assert shown["author"] is None and shown["author_id"] and "deleted_author" in shown["flags"]
    assert shown["text"].endswith(" Kad?")
    assert [i["id"] for i in queue_pages.list_items(sctx, flag="deleted_author").items] == [shown["id"]]


def test_nul_escape_round_trips() -> None:
    for value in ["", "\x00", "\\0", "\\\x00\\", "a\\\\0b\x00c", "plain"]:
        assert unescape_nul(escape_nul(value)) == value


def test_keyword_search_makes_mention_elsewhere_items(sandbox: Sandbox, db_url: str) -> None:
    from smtool.config import load_settings

    text = sandbox.config.read_text(encoding="utf-8")
    sandbox.config.write_text(
        text.replace("[database]", '[inbox]\nsearch_terms = ["Valsts kanceleja"]\n\n[database]', 1),
        encoding="utf-8",
    )
    with Context.open(load_settings(sandbox.config)) as ctx:
        server = sandbox.server.sandbox
        citizen_tweet = server.x_create(server.x_citizen(None), "Ko dara Valsts kanceleja?", source="citizen")
        server.x_create(server.x_citizen(None), "Nav saistīts", source="citizen")
        counts = Ingestor(ctx).poll_all()
        assert counts["new"] == 1
        with ctx.db.read() as session:
            item = session.exec(select(InboxItem)).one()
        assert item.kind == "mention_elsewhere" and item.remote_id == citizen_tweet["id"]
        assert Ingestor(ctx).poll_all()["new"] == 0


def test_a_post_smtool_did_not_publish_raises_a_takeover_alert(sctx: Context, sandbox: Sandbox) -> None:
    x = sandbox.server.account("x").id
    assert Ingestor(sctx).poll_all()["alerts"] == 0  # first look: only the watermark
    post_id = create_post(
        sctx, "anna", Draft(text="Valsts kanceleja informē par darba laiku.", accounts=["sandbox-x"])
    )
    submit_post(sctx, "anna", post_id)
    approve_posts(sctx, "karlis", [post_id])
    outside = sandbox.control("POST", "posts", {"account": x, "text": "Pērciet kriptovalūtu tagad!"})["id"]
    totals = run_once(sctx)
    assert totals["published"] == 1 and totals["ingest_alerts"] == 1
    with sctx.db.read() as session:
        alert = session.exec(select(InboxItem).where(InboxItem.kind == "alert")).one()
        count = session.exec(
            select(func.count()).select_from(InboxItem).where(col(InboxItem.kind) == "alert")
        ).one()
    assert alert.remote_id == outside and alert.priority == 3 and "takeover" in alert.flags
    assert run_once(sctx)["ingest_alerts"] == 0 and count == 1
