"""Drafting and approval rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from smtool.config import load_settings
from smtool.errors import Conflict, InvalidTransition, PermissionDenied, UsageError
from smtool.services.context import Context
from smtool.services.publishing.approval import (
    approve_posts,
    reject_post,
    submit_post,
    waive_finding,
    withdraw_post,
)
from smtool.services.publishing.checks import BlockedByFindings, blocking_findings
from smtool.services.publishing.drafts import Attachment, Draft, create_post, edit_post, import_csv
from smtool.services.publishing.pauses import list_pauses, pause, resume
from smtool.services.publishing.views import list_posts, list_publications, show_post
from smtool.services.records import audit
from smtool.store.tables import AuditEvent, Post, Publication
from tests.checker.test_findings import FINDING_KEYS

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties sabiedriskajā apspriešanā līdz 15. decembrim."


def _submitted(ctx: Context, accounts: tuple[str, ...] = ("vk-x",), at: str | None = None) -> int:
    post_id = create_post(ctx, "anna", Draft(text=TEXT, accounts=accounts, at=at))
    submit_post(ctx, "anna", post_id)
    return post_id


def test_approval_writes_one_publication_per_target_in_the_same_transaction(ctx: Context) -> None:
    post_id = _submitted(ctx, ("vk-x", "vk-fb"))
    written = approve_posts(ctx, "karlis", [post_id])
    assert len(written) == 2
    with ctx.db.read() as session:
        rows = session.exec(select(Publication).where(Publication.post_id == post_id)).all()
        assert sorted(r.account_id for r in rows) == ["vk-fb", "vk-x"]
        assert {r.state for r in rows} == {"scheduled"}
        assert session.get(Post, post_id).state == "approved"  # type: ignore[union-attr]
    assert audit.verify(ctx.db).ok


def test_a_communicator_cannot_approve(ctx: Context) -> None:
    post_id = _submitted(ctx)
    with pytest.raises(PermissionDenied, match="approver"):
        approve_posts(ctx, "anna", [post_id])


def test_an_approver_who_is_not_a_spokesperson_cannot(ctx: Context) -> None:
    settings = ctx.settings.model_copy(
        update={"users": [*ctx.settings.users, ctx.settings.users[1].model_copy(update={"name": "janis"})]}
    )
    other = Context(settings, ctx.db)
    post_id = _submitted(ctx)
    with pytest.raises(PermissionDenied, match="not a spokesperson of account vk-x"):
        approve_posts(other, "janis", [post_id])


def test_only_a_spokesperson_of_every_target_may_waive_a_finding(ctx: Context) -> None:
    # janis approves (the role) but speaks for no account: a waiver would let him make vk-x say
    # what the guidelines flag.
    settings = ctx.settings.model_copy(
        update={"users": [*ctx.settings.users, ctx.settings.users[1].model_copy(update={"name": "janis"})]}
    )
    other = Context(settings, ctx.db)
    post_id = create_post(ctx, "anna", Draft(text="Es aicinu piedalīties. " + TEXT, accounts=["vk-x"]))
    (finding, *_) = blocking_findings(show_post(ctx, post_id)["findings"])
    with pytest.raises(PermissionDenied, match="only its spokespeople may waive checker findings"):
        waive_finding(
            other, "janis", post_id, rule=finding["rule"], match_hash=finding["match_hash"], reason="x"
        )
    assert show_post(ctx, post_id)["waivers"] == []
    with ctx.db.read() as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [(e.actor, json.loads(e.payload)["tried"]) for e in refused] == [("janis", "post.waive")]
    waive_finding(
        ctx, "karlis", post_id, rule=finding["rule"], match_hash=finding["match_hash"], reason="Citāts"
    )
    assert [w["approver"] for w in show_post(ctx, post_id)["waivers"]] == ["karlis"]


def test_editing_after_approval_voids_it_and_cancels_publications(ctx: Context) -> None:
    post_id = _submitted(ctx)
    approve_posts(ctx, "karlis", [post_id])
    edit_post(ctx, "anna", post_id, Draft(text=TEXT + " Paldies!", accounts=["vk-x"]))
    detail = show_post(ctx, post_id)
    assert detail["state"] == "draft"
    assert [p["state"] for p in detail["publications"]] == ["cancelled"]
    assert detail["approvals"][0]["voided"] is True
    with pytest.raises(InvalidTransition):
        approve_posts(ctx, "karlis", [post_id])


def test_approving_several_is_all_or_nothing(ctx: Context) -> None:
    good = _submitted(ctx)
    draft_only = create_post(ctx, "anna", Draft(text=TEXT, accounts=["vk-x"]))
    with pytest.raises(InvalidTransition):
        approve_posts(ctx, "karlis", [good, draft_only])
    assert show_post(ctx, good)["state"] == "submitted"


def test_stale_edit_is_a_conflict(ctx: Context) -> None:
    post_id = create_post(ctx, "anna", Draft(text=TEXT, accounts=["vk-x"]))
    edit_post(ctx, "anna", post_id, Draft(text=TEXT + " 1", accounts=["vk-x"]), expected_version=1)
    with pytest.raises(Conflict):
        edit_post(ctx, "anna", post_id, Draft(text=TEXT + " 2", accounts=["vk-x"]), expected_version=1)


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (Draft(text=TEXT, accounts=["nope"]), "unknown account 'nope'"),
        (Draft(text=TEXT, accounts=["vk-x"], at="2020-01-01 10:00"), "in the past"),
        (Draft(text="Valsts kanceleja informē. " * 20, accounts=["vk-x"]), "over its limit of 280"),
        (Draft(text=TEXT, accounts=["vk-x"], media=[Attachment("/no/such/file.png")]), "does not exist"),
        (Draft(text="   ", accounts=["vk-x"]), "no text"),
        (Draft(text=TEXT, accounts=["vk-x"], at="2026-03-29 03:30"), "does not exist in Europe/Riga"),
    ],
)
def test_bad_drafts_get_one_clear_message_and_write_nothing(ctx: Context, draft: Draft, message: str) -> None:
    before = audit.verify(ctx.db).rows
    with pytest.raises(UsageError, match=message):
        create_post(ctx, "anna", draft)
    with ctx.db.read() as session:
        assert session.exec(select(Post)).all() == []
    assert audit.verify(ctx.db).rows == before


def test_unknown_user_and_missing_role(ctx: Context) -> None:
    with pytest.raises(PermissionDenied, match="not a user"):
        create_post(ctx, "mallory", Draft(text=TEXT, accounts=["vk-x"]))
    with pytest.raises(PermissionDenied):
        create_post(ctx, "karlis", Draft(text=TEXT, accounts=["vk-x"]))


def test_error_findings_block_submission(ctx: Context) -> None:
    post_id = create_post(
        ctx, "anna", Draft(text="Es personīgi uzskatu, ka šis lēmums ir kļūdains.", accounts=["vk-x"])
    )
    with pytest.raises(BlockedByFindings, match=r"voice\.first-person"):
        submit_post(ctx, "anna", post_id)
    assert show_post(ctx, post_id)["state"] == "draft"


def test_reject_needs_a_reason_and_withdraw_cancels(ctx: Context) -> None:
    post_id = _submitted(ctx)
    with pytest.raises(UsageError, match="why"):
        reject_post(ctx, "karlis", post_id, " ")
    reject_post(ctx, "karlis", post_id, "Lūdzu pievienojiet saiti uz apspriešanu.")
    assert show_post(ctx, post_id)["state"] == "rejected"
    other = _submitted(ctx)
    approve_posts(ctx, "karlis", [other])
    assert len(withdraw_post(ctx, "anna", other)) == 1


def test_csv_import_is_all_or_nothing(ctx: Context, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"account,at,text\nvk-x,,{TEXT}\nnope,,{TEXT}\nvk-x,2020-01-01 10:00,{TEXT}\n", encoding="utf-8"
    )
    with pytest.raises(UsageError) as info:
        import_csv(ctx, "anna", bad)
    assert "line 3" in info.value.msg and "line 4" in info.value.msg and "line 2" not in info.value.msg
    with ctx.db.read() as session:
        assert session.exec(select(Post)).all() == []
    good = tmp_path / "good.csv"
    next_year = date.today().year + 1  # always in the future
    good.write_text(
        f"account,at,text\nvk-x,,{TEXT}\nvk-fb,{next_year}-01-01 10:00,{TEXT}\n", encoding="utf-8"
    )
    created = import_csv(ctx, "anna", good).post_ids
    assert [show_post(ctx, i)["state"] for i in created] == ["submitted", "submitted"]


def test_a_large_import_checked_on_every_core_names_each_bad_row_and_writes_nothing(
    ctx: Context, tmp_path: Path
) -> None:
    """Past services.parallel's threshold the rows are checked in forked processes: a row refused
    there (a checker error) or in validation refuses the whole file, named by its line."""
    next_year = date.today().year + 1
    lines = [
        f"vk-x,{next_year}-04-{1 + n // 600:02d} {8 + n % 600 // 60:02d}:{n % 60:02d},{TEXT} {n}"
        for n in range(900)
    ]
    lines[400] = f"nope,,{TEXT}"  # line 402: the header is line 1
    lines[700] = 'vk-fb,,"Zvaniet Jānim, personas kods 120389-11234."'
    big = tmp_path / "big.csv"
    big.write_text("account,at,text\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        import_csv(ctx, "anna", big)
    message = info.value.msg
    assert "2 bad rows, nothing imported" in message, message
    assert "line 402: unknown account 'nope'" in message, message
    assert "line 702: the text has errors an approver must waive first: personal-data" in message, message
    with ctx.db.read() as session:
        assert session.exec(select(Post)).all() == []
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "post.create")).all() == []


def test_pause_all_gets_through_while_a_large_import_runs(
    ctx: Context, config_file: Path, tmp_path: Path
) -> None:
    """The emergency stop must always work: an import checks its rows without a write lock and
    writes them in one short transaction, so `pause --all` never waits for it (it used to: minutes
    under the write lock, and "database is locked")."""
    rows = 1500
    big = tmp_path / "big.csv"
    next_year = date.today().year + 1
    lines = [
        f"vk-x,{next_year}-03-{1 + n // 600:02d} {8 + n % 600 // 60:02d}:{n % 60:02d},{TEXT} {n}"
        for n in range(rows)
    ]
    big.write_text("account,at,text\n" + "\n".join(lines) + "\n", encoding="utf-8")
    imported: list[int] = []
    failed: list[BaseException] = []

    def run_import() -> None:
        try:
            with Context.open(load_settings(config_file)) as other:
                imported.extend(import_csv(other, "anna", big).post_ids)
        except BaseException as e:
            failed.append(e)

    importer = threading.Thread(target=run_import)
    importer.start()
    during = 0
    while importer.is_alive():
        pause(ctx, "karlis", "*", "krīze")
        resume(ctx, "karlis", "*")
        during += importer.is_alive()
    importer.join()
    assert not failed, failed
    assert len(imported) == rows
    assert during >= 2, "pause --all should get through again and again while the import runs"
    assert audit.verify(ctx.db).ok


# A posting plan as Excel with Latvian regional settings saves it: semicolons (the comma is the
# decimal separator there), Latvian letters, times as Latvians write them.
LATVIAN_PLAN = (
    "account;at;text\r\n"
    "vk-x;1.12.{year} 09:30;Ķekavas iedzīvotāji aicināti piedalīties apspriešanā līdz 15. decembrim.\r\n"
    'vk-fb;"2.12.{year}. 14:00";"Šodien, 2. decembrī, sākas pieteikšanās; vairāk: vk.gov.lv"\r\n'
)


@pytest.mark.parametrize(
    ("encoding", "bom", "described"),
    [
        ("utf-8", True, "UTF-8 with a BOM, cells separated by semicolons"),
        ("cp1257", False, "Windows-1257, cells separated by semicolons"),
    ],
)
def test_a_latvian_excel_csv_is_imported_and_its_form_named(
    ctx: Context, tmp_path: Path, encoding: str, bom: bool, described: str
) -> None:
    year = date.today().year + 1  # always in the future
    plan = tmp_path / "plans.csv"
    plan.write_bytes((b"\xef\xbb\xbf" if bom else b"") + LATVIAN_PLAN.format(year=year).encode(encoding))
    imported = import_csv(ctx, "anna", plan)
    assert imported.form.describe() == described
    shown = [show_post(ctx, i) for i in imported.post_ids]
    assert [p["text"] for p in shown] == [
        "Ķekavas iedzīvotāji aicināti piedalīties apspriešanā līdz 15. decembrim.",
        "Šodien, 2. decembrī, sākas pieteikšanās; vairāk: vk.gov.lv",
    ]
    assert [p["state"] for p in shown] == ["submitted", "submitted"]
    # 1.12. 09:30 and 2.12. 14:00 in Riga (EET, UTC+2).
    assert [p["scheduled_at"] for p in shown] == [
        f"{year}-12-01T07:30:00+00:00",
        f"{year}-12-02T12:00:00+00:00",
    ]


def test_a_comma_csv_with_a_semicolon_in_a_text_keeps_its_commas(ctx: Context, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(f'account,at,text\nvk-x,,"{TEXT}; tiešsaistē"\n', encoding="utf-8")
    imported = import_csv(ctx, "anna", plan)
    assert imported.form.describe() == "UTF-8, cells separated by commas"
    assert show_post(ctx, imported.post_ids[0])["text"] == f"{TEXT}; tiešsaistē"


def test_a_file_in_neither_encoding_is_refused_saying_so(ctx: Context, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    # 0x98 is undefined in Windows-1257, and the bytes are not UTF-8.
    plan.write_bytes(b"account;at;text\nvk-x;;Teksts \x98\xff\n")
    with pytest.raises(UsageError, match="neither UTF-8 nor Windows-1257"):
        import_csv(ctx, "anna", plan)
    with ctx.db.read() as session:
        assert session.exec(select(Post)).all() == []


def test_missing_columns_name_the_form_the_file_was_read_in(ctx: Context, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_bytes("konts;laiks;teksts\nvk-x;;Teksts\n".encode("cp1257"))
    with pytest.raises(UsageError) as info:
        import_csv(ctx, "anna", plan)
    assert (
        "missing columns account, at, text; expected account, at, text (read as UTF-8, cells separated by semicolons)"
        in info.value.msg
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's one writer at a time
def test_pause_waits_out_a_writer_longer_than_the_busy_timeout(ctx: Context, db_url: str) -> None:
    """The emergency stop must get through, not fail with "database is locked", even when another
    writer (an import's write on a machine that is slow today) holds the lock past the 5 s every
    other write waits."""
    path = make_url(db_url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release_later() -> None:
        time.sleep(7)  # past the 5 s busy timeout
        holder.execute("ROLLBACK")

    releaser = threading.Thread(target=release_later)
    releaser.start()
    try:
        pause(ctx, "karlis", "*", "krīze")
    finally:
        releaser.join()
    assert [p.scope for p in list_pauses(ctx)] == ["*"]
    # Any other write still gives up after 5 s.
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"), ctx.db.write() as session:
            session.execute(text("SELECT 1"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# The keys of `post show --json`, `post list --json` and `publications list --json`, in the order
# they are printed: scripts and people diffing the output rely on it.
POST_KEYS = [
    "id",
    "author",
    "state",
    "text",
    "variants",
    "accounts",
    "scheduled_at",
    "scheduled_local",
    "scheduled_local_input",
    "campaigns",
    "media",
    "version",
    "content_hash",
]
PUBLICATION_KEYS = [
    "id",
    "post_id",
    "account",
    "state",
    "due_at",
    "not_after",
    "attempt",
    "remote_id",
    "claimed_by",
    "last_error",
    "published_at",
]


def test_the_views_keep_their_keys_in_the_printed_order(ctx: Context) -> None:
    post_id = create_post(ctx, "anna", Draft(text="Es aicinu piedalīties. " + TEXT, accounts=["vk-x"]))
    for finding in blocking_findings(show_post(ctx, post_id)["findings"]):
        waive_finding(
            ctx, "karlis", post_id, rule=finding["rule"], match_hash=finding["match_hash"], reason="Citāts"
        )
    submit_post(ctx, "anna", post_id)
    approve_posts(ctx, "karlis", [post_id])
    detail = show_post(ctx, post_id)
    assert list(detail) == [*POST_KEYS, "findings", "approvals", "waivers", "publications"]
    assert [list(f) for f in detail["findings"]] == [[*FINDING_KEYS, "match_hash", "account"]] * len(
        detail["findings"]
    )
    assert any(f["waived"] for f in detail["findings"])
    assert list(detail["approvals"][0]) == ["approver", "decision", "comment", "at", "voided"]
    assert list(detail["waivers"][0]) == ["rule", "match_hash", "reason", "approver"]
    assert list(detail["publications"][0]) == PUBLICATION_KEYS
    assert list(list_posts(ctx)[0]) == POST_KEYS
    assert list_publications(ctx) == detail["publications"]
