"""Reading citizens' data needs a role and is audited (issue 15, item 7): the queue, an item, the
proposals and the archive; one audit row per read, the refusals audited too. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from connectors.base import IncomingItem
from smtool.config import load_settings
from smtool.errors import PermissionDenied
from smtool.services import citizen_data
from smtool.services.context import Context
from smtool.services.installation import directory
from smtool.services.monitoring import proposals, queue, queue_pages, reading
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.records.archive import export_archive
from smtool.services.refusals import REFUSED
from smtool.store.tables import AuditEvent
from tests.support.sandbox import Sandbox

PEOPLE = """
[[users]]
name = "janis"
roles = ["specialist"]
team = "taxes"

[[users]]
name = "ilze"
roles = ["specialist"]

[[routing]]
team = "taxes"
keywords = ["nodok*"]
"""


@pytest.fixture
def dctx(sandbox: Sandbox) -> Iterator[Context]:
    sandbox.config.write_text(sandbox.config.read_text(encoding="utf-8") + PEOPLE, encoding="utf-8")
    settings = load_settings(sandbox.config)
    with Context.open(settings) as ctx:
        directory.apply(ctx, settings, "local:test")
        now = datetime.now(UTC)
        texts = ["Kā samaksāt nodokļus?", "Kad strādā klientu centrs?", "Vai nodoklis mainīsies?"]
        Ingestor(ctx).store(
            "sandbox-x",
            "test",
            None,
            [
                IncomingItem(
                    "x",
                    str(500 + n),
                    "sandbox-x",
                    "mention",
                    "7",
                    "Anna Iedzīvotāja",
                    "@anna_lv",
                    text,
                    now - timedelta(minutes=5 - n),
                    None,
                    None,
                )
                for n, text in enumerate(texts)
            ],
            None,
        )
        yield ctx


def _reads(ctx: Context) -> list[dict[str, object]]:
    with ctx.db.read() as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.action == citizen_data.READ).order_by(col(AuditEvent.id))
        ).all()
    return [{"actor": r.actor, **json.loads(r.payload)} for r in rows]


def _refused(ctx: Context) -> list[tuple[str, str]]:
    with ctx.db.read() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == REFUSED)).all()
    return [(r.actor, str(r.subject_id)) for r in rows]


def _ids(ctx: Context) -> dict[str, int]:
    return {i["text"]: i["id"] for i in queue_pages.list_items(ctx).items}


@pytest.mark.parametrize("who", ["anna", "karlis"])  # a communicator, an approver
def test_roles_without_the_right_cannot_list_or_show_and_are_audited(dctx: Context, who: str) -> None:
    item_id = next(iter(_ids(dctx).values()))
    with pytest.raises(PermissionDenied, match="read citizens' comments"):
        reading.read_queue(dctx, who)
    with pytest.raises(PermissionDenied, match="read citizens' comments"):
        reading.read_item(dctx, who, item_id)
    with pytest.raises(PermissionDenied):
        proposals.waiting_proposals(dctx, who)
    assert _reads(dctx) == []
    assert _refused(dctx) == [(who, "inbox.list"), (who, "inbox.show"), (who, "inbox.proposals")]


def test_a_press_officer_reads_and_each_read_is_one_audit_row(dctx: Context) -> None:
    page = reading.read_queue(dctx, "liga", flag="question", limit=2)
    assert len(page.items) == 2
    item_id = page.items[0]["id"]
    read = reading.read_item(dctx, "liga", item_id, around=10)
    assert read.item["id"] == item_id
    shown_around = [i["id"] for i in read.around.earlier]
    assert len(shown_around) == 2  # the same author's earlier items
    reading.read_queue(dctx, "martins", record=False)  # a re-read the TUI already recorded
    reads = _reads(dctx)
    assert (reads[0]["actor"], reads[0]["what"], reads[0]["items"]) == ("liga", "inbox.list", 2)
    assert reads[0]["filters"] == {
        "state": None, "team": None, "flag": "question", "search": None, "limit": 2, "all": False, "after": None
    }  # fmt: skip
    assert reads[1]["what"] == "inbox.show" and reads[1]["item_ids"] == [item_id, *shown_around]
    assert reads[1]["items"] == 3
    assert len(reads) == 2


def test_a_specialist_reads_only_their_own_and_their_teams_items(dctx: Context) -> None:
    ids = _ids(dctx)
    general = ids["Kad strādā klientu centrs?"]
    listed = reading.read_queue(dctx, "janis")
    assert sorted(i["id"] for i in listed.items) == sorted(
        ids[t] for t in ("Kā samaksāt nodokļus?", "Vai nodoklis mainīsies?")
    )
    with pytest.raises(PermissionDenied, match="only their own team's items"):
        reading.read_queue(dctx, "janis", team="press")
    with pytest.raises(PermissionDenied, match=f"inbox item {general} is for press"):
        reading.read_item(dctx, "janis", general)
    # The author's earlier items of another team stay out of a specialist's view.
    around = reading.read_item(dctx, "janis", ids["Vai nodoklis mainīsies?"], around=10).around
    assert [i["id"] for i in around.earlier] == [ids["Kā samaksāt nodokļus?"]]
    queue.assign(dctx, "liga", general, "ilze")  # a specialist with no team: their own items only
    assert reading.read_item(dctx, "ilze", general).item["assigned_to"] == "ilze"
    with pytest.raises(PermissionDenied, match="no team"):
        reading.read_queue(dctx, "ilze")
    assert ("janis", "inbox.show") in _refused(dctx) and ("ilze", "inbox.list") in _refused(dctx)


def test_the_archive_is_exported_only_by_whoever_may_read_every_item(dctx: Context, tmp_path: Path) -> None:
    day = datetime.now(UTC).date()
    for who, reason in (("anna", "read citizens' comments"), ("janis", "holds every item")):
        with pytest.raises(PermissionDenied, match=reason):
            export_archive(
                dctx, day - timedelta(days=1), day + timedelta(days=1), tmp_path / f"{who}.zip", who
            )
        assert not (tmp_path / f"{who}.zip").exists()
    assert ("anna", "archive.export") in _refused(dctx)
    export_archive(dctx, day - timedelta(days=1), day + timedelta(days=1), tmp_path / "m.zip", "martins")
    export_archive(dctx, day - timedelta(days=1), day + timedelta(days=1), tmp_path / "o.zip", "local:smtool")
    reads = [r for r in _reads(dctx) if r["what"] == "archive.export"]
    assert [(r["actor"], r["items"]) for r in reads] == [("martins", 3), ("local:smtool", 3)]
