"""Seals: what an insider with write access to the database changes after approval never goes out.

On both databases, with the real X client against the sandbox: each insider path is tried by SQL or
on the file system, then the worker runs; the assertion is what reached the platform (nothing), the
state a person sees (`held`), the audit row and the alert.
"""

from __future__ import annotations

import json
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import select

import smtool.store.migrate
from smtool.config import load_settings
from smtool.domain.inbox_states import PRIORITY_ALERT
from smtool.services.context import Context
from smtool.services.installation.keys import rotate
from smtool.services.installation.setup import upgrade_database
from smtool.services.installation.status import status
from smtool.services.monitoring import queue
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.publishing.approval import approve_posts, submit_post, withdraw_post
from smtool.services.publishing.calendar import account_overview
from smtool.services.publishing.drafts import Attachment, Draft, create_post
from smtool.services.publishing.seals import SealFields, manifest, seal_message, verify_publications
from smtool.services.publishing.views import list_publications
from smtool.services.records.audit import verify
from smtool.store.tables import AuditEvent, InboxItem, Post, Publication, PublicationSeal
from smtool.worker import run_once
from tests.support.cli import run_smtool
from tests.support.media import png
from tests.support.sandbox import Sandbox

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim. #{n}"
REPLY = "Pieteikšanās sāksies 1. decembrī."
FORGED = "Valsts kanceleja paziņo: pakalpojums slēgts uz visiem laikiem."
# One pixel PNGs: the sandbox accepts them as images.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
    "0000050001e226059b0000000049454e44ae426082"
)


def _approved(ctx: Context, n: int = 0, media: tuple[Attachment, ...] = ()) -> int:
    """An approved post on the sandbox X account; returns its publication's id."""
    post_id = create_post(ctx, "anna", Draft(text=TEXT.format(n=n), accounts=("sandbox-x",), media=media))
    submit_post(ctx, "anna", post_id)
    [publication] = approve_posts(ctx, "karlis", [post_id])
    return publication


def _question(ctx: Context, sandbox: Sandbox) -> int:
    """A citizen's question on the sandbox X account, ingested; returns its inbox item's id."""
    x = sandbox.server.account("x").id
    remote = sandbox.control("POST", "mentions", {"account": x, "text": "Kad būs atvērta pieteikšanās?"})
    Ingestor(ctx).poll_all()
    with ctx.db.read() as session:
        item = session.exec(select(InboxItem).where(InboxItem.remote_id == remote["id"])).one()
    assert item.id is not None
    return item.id


def _sql(ctx: Context, statement: str, **values: object) -> None:
    """An insider's change, straight into the database."""
    with ctx.db.write() as session:
        session.execute(text(statement), values)


def _held(ctx: Context, publication_id: int) -> dict[str, object]:
    """Asserts the worker held the row, audited and alerted; returns the audit payload."""
    with ctx.db.read() as session:
        row = session.get(Publication, publication_id)
        assert row is not None and row.state == "held"
        assert row.last_error and "not sent" in row.last_error
        events = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "publication.seal_mismatch",
                AuditEvent.subject_id == str(publication_id),
            )
        ).all()
        alerts = session.exec(
            select(InboxItem).where(
                InboxItem.kind == "alert", InboxItem.remote_id == f"smtool:seal:{publication_id}"
            )
        ).all()
    assert len(events) == 1 and len(alerts) == 1
    assert alerts[0].priority == PRIORITY_ALERT and alerts[0].flags == ["seal_mismatch"]
    assert f"Publication {publication_id}" in alerts[0].text
    payload: dict[str, object] = json.loads(events[0].payload)
    assert payload["publication"] == publication_id
    return payload


def test_text_changed_in_the_database_after_approval_is_held_not_sent(
    sctx: Context, sandbox: Sandbox
) -> None:
    publication = _approved(sctx)
    assert verify_publications(sctx) == []
    _sql(sctx, "UPDATE publications SET text = :t WHERE id = :id", t=FORGED, id=publication)
    found = run_smtool(
        "--config", str(sandbox.config), "publications", "verify", "--json", cwd=sandbox.config.parent
    )
    assert found.code == 1 and [(p["id"], p["differs"]) for p in json.loads(found.out)] == [
        (publication, ["text"])
    ]
    totals = run_once(sctx)
    assert totals["held"] == 1 and totals["published"] == 0
    assert sandbox.published("x") == []
    payload = _held(sctx, publication)
    assert payload["differs"] == ["text"]
    assert payload["post_matches_approval"] is True  # only the outbox row was changed
    assert run_once(sctx)["published"] == 0  # held stays held
    # A person sees it: the list, the accounts' attention count, and the audit chain is intact.
    assert [p["id"] for p in list_publications(sctx, "held")] == [publication]
    assert {a.id: a.attention for a in account_overview(sctx).accounts}["sandbox-x"] == 1
    assert status(sctx).attention == {"held": 1}
    assert verify(sctx.db).ok
    shown = run_smtool(
        "--config",
        str(sandbox.config),
        "publications",
        "list",
        "--state",
        "held",
        "--json",
        cwd=sandbox.config.parent,
    )
    assert shown.code == 0 and [r["id"] for r in json.loads(shown.out)] == [publication]


def test_putting_a_held_row_back_by_hand_holds_it_again(sctx: Context, sandbox: Sandbox) -> None:
    publication = _approved(sctx)
    _sql(sctx, "UPDATE publications SET text = :t WHERE id = :id", t=FORGED, id=publication)
    run_once(sctx)
    _sql(sctx, "UPDATE publications SET state = 'scheduled' WHERE id = :id", id=publication)
    assert run_once(sctx)["published"] == 0
    assert sandbox.published("x") == []


def test_an_approval_and_a_publication_inserted_by_sql_are_not_sent(sctx: Context, sandbox: Sandbox) -> None:
    genuine = _approved(sctx)
    with sctx.db.read() as session:
        row, sealed = session.get(Publication, genuine), session.get(PublicationSeal, genuine)
        assert row is not None and sealed is not None
        post_id, stolen_seal = row.post_id, sealed.seal
    for seal in (None, stolen_seal):  # none at all, or a genuine row's seal copied over
        _sql(
            sctx,
            "INSERT INTO approvals (post_id, approver, decision, content_hash, created_at) "
            "VALUES (:post, 'karlis', 'approved', 'x', CURRENT_TIMESTAMP)",
            post=post_id,
        )
        _sql(
            sctx,
            "INSERT INTO publications (post_id, approval_id, account_id, text, state, due_at, attempt,"
            " version, created_at, updated_at) SELECT :post, MAX(id), 'sandbox-fb', :t, 'scheduled',"
            " CURRENT_TIMESTAMP, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM approvals",
            post=post_id,
            t=FORGED,
        )
        if seal is not None:
            _sql(
                sctx,
                "INSERT INTO publication_seals (publication_id, seal, sealed_at)"
                " SELECT MAX(id), :seal, CURRENT_TIMESTAMP FROM publications",
                seal=seal,
            )
    assert [p["account"] for p in verify_publications(sctx)] == ["sandbox-fb", "sandbox-fb"]
    totals = run_once(sctx)
    assert totals["held"] == 2 and totals["published"] == 1
    assert [p["text"] for p in sandbox.published("x")] == [TEXT.format(n=0)]
    assert sandbox.published("facebook") == []
    with sctx.db.read() as session:
        forged = session.exec(select(Publication.id).where(Publication.account_id == "sandbox-fb")).all()
    reasons = [_held(sctx, forged_id) for forged_id in sorted(forged)]
    assert "no seal" in str(reasons[0]["reason"]) and reasons[0]["differs"] == []
    assert "publication_id" in reasons[1]["differs"] and "text" in reasons[1]["differs"]


def test_media_swapped_in_the_database_after_approval_are_not_sent(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    # The bytes on disk cannot change what is sent (the store is content-addressed and checked,
    # tests/services/test_media.py); what an insider can change is which stored item a post names.
    approved, other = tmp_path / "karte.png", tmp_path / "cits.png"
    approved.write_bytes(PNG)
    other.write_bytes(png(2, 2))
    publication = _approved(sctx, media=(Attachment(str(approved)),))
    draft = create_post(
        sctx, "anna", Draft(text=TEXT.format(n=1), accounts=("sandbox-x",), media=(Attachment(str(other)),))
    )
    with sctx.db.write() as session:
        target = session.get(Publication, publication)
        assert target is not None
        post, swapped = session.get(Post, target.post_id), session.get(Post, draft)
        assert post is not None and swapped is not None
        post.media = list(swapped.media)
        session.add(post)
    assert run_once(sctx)["published"] == 0
    assert sandbox.published("x") == []
    assert _held(sctx, publication)["differs"] == ["media"]


def test_an_unchanged_image_goes_out_with_the_approved_bytes(
    sctx: Context, sandbox: Sandbox, tmp_path: Path
) -> None:
    image = tmp_path / "karte.png"
    image.write_bytes(PNG)
    _approved(sctx, media=(Attachment(str(image)),))
    assert run_once(sctx)["published"] == 1
    assert [m["size"] for m in sandbox.server.state.media.values()] == [len(PNG)]


def test_a_normal_approval_and_a_moderation_reply_publish_exactly_once(
    sctx: Context, sandbox: Sandbox
) -> None:
    _approved(sctx)
    queue.reply(sctx, "liga", _question(sctx, sandbox), REPLY)
    totals = run_once(sctx)
    assert totals["published"] == 2 and not totals["held"]
    assert run_once(sctx)["published"] == 0
    texts = sorted(p["text"] for p in sandbox.published("x"))
    assert texts == sorted([TEXT.format(n=0), REPLY])


def test_a_reply_redirected_to_another_thread_is_held(sctx: Context, sandbox: Sandbox) -> None:
    item_id = _question(sctx, sandbox)
    publication = queue.reply(sctx, "liga", item_id, REPLY)
    _sql(sctx, "UPDATE inbox_items SET remote_id = '1' WHERE id = :id", id=item_id)
    assert run_once(sctx)["published"] == 0
    assert _held(sctx, int(publication))["differs"] == ["reply_to_remote_id"]


def test_a_withdrawn_posts_row_set_back_to_scheduled_is_held(sctx: Context, sandbox: Sandbox) -> None:
    publication = _approved(sctx)
    with sctx.db.read() as session:
        row = session.get(Publication, publication)
        assert row is not None
    withdraw_post(sctx, "anna", row.post_id)
    _sql(sctx, "UPDATE publications SET state = 'scheduled' WHERE id = :id", id=publication)
    assert run_once(sctx)["published"] == 0
    assert _held(sctx, publication)["differs"] == ["approval"]


def test_withdrawing_the_post_cancels_a_held_row(sctx: Context, sandbox: Sandbox) -> None:
    publication = _approved(sctx)
    _sql(sctx, "UPDATE publications SET text = :t WHERE id = :id", t=FORGED, id=publication)
    run_once(sctx)
    with sctx.db.read() as session:
        row = session.get(Publication, publication)
        assert row is not None
    assert withdraw_post(sctx, "karlis", row.post_id) == [publication]


def test_a_purged_publication_takes_its_seal_with_it(sctx: Context, sandbox: Sandbox) -> None:
    publication = _approved(sctx)
    _sql(sctx, "DELETE FROM publications WHERE id = :id", id=publication)  # as retention purges
    with sctx.db.read() as session:
        assert session.get(PublicationSeal, publication) is None


def test_seals_survive_rotating_the_token_key(sctx: Context, sandbox: Sandbox) -> None:
    _approved(sctx)
    rotate(sctx, actor="test")
    assert run_once(sctx)["published"] == 1


def test_db_upgrade_seals_what_was_waiting_before_seals_once(sctx: Context, sandbox: Sandbox) -> None:
    waiting = _approved(sctx, 1)
    _sql(sctx, "DELETE FROM publication_seals")  # as every row was before seals
    config = Config()
    config.set_main_option("script_location", str(Path(smtool.store.migrate.__file__).parent / "migrations"))
    scripts = ScriptDirectory.from_config(config)
    [seals] = [s for s in scripts.walk_revisions() if s.path.endswith("_publication_seals.py")]
    with sctx.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        assert isinstance(seals.down_revision, str)
        command.downgrade(config, seals.down_revision)
    settings = load_settings(sandbox.config)
    upgrade_database(settings, "local:smtool")
    with sctx.db.read() as session:
        sealed = session.exec(
            select(AuditEvent.payload).where(AuditEvent.action == "publication.seal_existing")
        ).all()
        seals_now = session.exec(select(PublicationSeal.publication_id)).all()
    assert len(sealed) == 1 and json.loads(sealed[0])["publications"] == [waiting]
    assert seals_now == [waiting]
    # A row inserted afterwards is not laundered by another upgrade.
    _sql(sctx, "DELETE FROM publication_seals")
    upgrade_database(settings, "local:smtool")
    assert run_once(sctx)["published"] == 0


def _fields(**changes: object) -> SealFields:
    fields = SealFields(
        publication_id=1,
        post_id=2,
        approval_id=3,
        approver="karlis",
        account_id="vk-x",
        text="ab",
        media=[],
        media_alt=[],
        reply_to_item_id=None,
        reply_to_remote_id=None,
        not_after=None,
    )
    fields.update(changes)  # type: ignore[typeddict-item]
    return fields


def test_the_seal_input_is_unambiguous() -> None:
    base = seal_message(manifest(_fields()))
    # The same characters split differently between fields, or dressed as an encoding's delimiters.
    variants = [
        _fields(text="a", approver="bkarlis"),
        _fields(text="abk", approver="arlis"),
        _fields(text='ab","approver":"karlis'),
        _fields(media=["ab"], text=""),
        _fields(publication_id=12, post_id=0),
        _fields(reply_to_item_id=1, publication_id=None),
        _fields(text="ab", reply_to_remote_id=""),
    ]
    messages = {seal_message(manifest(f)) for f in variants}
    assert base not in messages and len(messages) == len(variants)
