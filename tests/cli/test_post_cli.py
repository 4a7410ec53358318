"""The publishing commands as scripts use them, in real processes against the sandbox."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlmodel import col, select

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.store.tables import AuditEvent, Publication
from tests.support.cli import Result, run_smtool
from tests.support.media import jpeg, png
from tests.support.sandbox import write_installation

# Times a person schedules: June of next year, always in the future and in summer time (EEST).
YEAR = date.today().year + 1
TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim."


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, SandboxServer]]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    server = SandboxServer(new_sandbox_state(seed=9), port=0).start()
    try:
        write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", server)
        yield tmp_path, server
    finally:
        server.stop()


def _run(folder: Path, *args: str, stdin: str = "") -> Result:
    result = run_smtool(*args, cwd=folder, stdin=stdin)
    assert "Traceback" not in result.err, result.err
    return result


def test_the_script_shapes_from_draft_to_published(env: tuple[Path, SandboxServer]) -> None:
    folder, server = env
    new = _run(
        folder,
        "post",
        "new",
        "--as",
        "anna",
        "--account",
        "sandbox-x",
        "--account",
        "sandbox-fb",
        "--now",
        TEXT,
    )
    assert new.code == 0, new.err
    post_id = new.out.strip()
    assert post_id.isdigit()  # the id alone on stdout
    second = _run(
        folder, "post", "new", "--as", "anna", "--account", "sandbox-x", TEXT + " Otrā."
    ).out.strip()
    for pid in (post_id, second):
        assert _run(folder, "post", "submit", pid, "--as", "anna").code == 0
    submitted = json.loads(_run(folder, "post", "list", "--state", "submitted", "--json").out)
    assert sorted(str(p["id"]) for p in submitted) == sorted([post_id, second])
    assert _run(folder, "post", "approve", post_id, second, "--as", "karlis").code == 0
    done = _run(folder, "worker", "--once", "--json")
    assert done.code == 0, done.err
    assert json.loads(done.out)["published"] == 3
    published = json.loads(_run(folder, "publications", "list", "--state", "published", "--json").out)
    assert len(published) == 3
    on_x = requests.get(f"{server.base_url}/_sandbox/published?platform=x", timeout=5).json()
    assert sorted(p["text"] for p in on_x) == sorted([TEXT, TEXT + " Otrā."])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("post", "new", "--as", "anna", "--account", "nope", TEXT), "unknown account 'nope'"),
        (
            ("post", "new", "--as", "anna", "--account", "sandbox-x", "--at", "2020-01-01 09:00", TEXT),
            "in the past",
        ),
        (("post", "new", "--as", "anna", "--account", "sandbox-x", "x" * 300), "over its limit of 280"),
        (
            ("post", "new", "--as", "anna", "--account", "sandbox-x", "--media", "missing.png", TEXT),
            "does not exist",
        ),
        (("post", "new", "--as", "karlis", "--account", "sandbox-x", TEXT), "may not draft posts"),
        (("post", "new", "--account", "sandbox-x", TEXT), "--as USER"),
        (
            ("post", "new", "--as", "anna", "--account", "sandbox-x", "--at", "2026-10-25 03:30", TEXT),
            "happens twice",
        ),
    ],
)
def test_bad_input_gets_one_clear_message(
    env: tuple[Path, SandboxServer], args: tuple[str, ...], message: str
) -> None:
    folder, _ = env
    result = _run(folder, *args)
    assert result.code in (1, 2)
    assert message in result.err
    assert json.loads(_run(folder, "post", "list", "--json").out) == []


def test_approving_a_post_that_changed_is_refused(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    post_id = _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", TEXT).out.strip()
    assert _run(folder, "post", "submit", post_id, "--as", "anna").code == 0
    assert _run(folder, "post", "edit", post_id, TEXT + " Labots.", "--as", "anna").code == 0
    refused = _run(folder, "post", "approve", post_id, "--as", "karlis")
    assert refused.code == 1 and "draft cannot be approved" in refused.err
    denied = _run(folder, "post", "approve", post_id, "--as", "anna")
    assert denied.code == 1 and "approver" in denied.err


def test_csv_import_reports_every_bad_row(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    (folder / "posts.csv").write_text(
        f"account,at,text\nsandbox-x,,{TEXT}\nnope,,{TEXT}\nsandbox-x,2020-01-01 10:00,{TEXT}\n",
        encoding="utf-8",
    )
    result = _run(folder, "post", "import", "posts.csv", "--as", "anna")
    assert result.code == 2
    assert "line 3" in result.err and "line 4" in result.err
    assert json.loads(_run(folder, "post", "list", "--json").out) == []
    # The same plan as a Latvian Excel saves it: Windows-1257, semicolons, a Latvian time.
    (folder / "plans.csv").write_bytes(
        f"account;at;text\r\nsandbox-x;1.12.2099 9:30;{TEXT}\r\n".encode("cp1257")
    )
    result = _run(folder, "post", "import", "plans.csv", "--as", "anna")
    assert result.code == 0, result.err
    assert "Read plans.csv as Windows-1257, cells separated by semicolons." in result.err


def test_counts_and_an_approval_without_comment_read_as_sentences(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    post_id = _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", TEXT).out.strip()
    assert _run(folder, "post", "submit", post_id, "--as", "anna").code == 0
    approved = _run(folder, "post", "approve", post_id, "--as", "karlis")
    assert approved.code == 0 and "Approved 1 post; 1 publication scheduled." in approved.out, approved.out
    shown = _run(folder, "post", "show", post_id).out
    approval = next(line for line in shown.splitlines() if line.startswith("approved by karlis"))
    assert approval == "approved by karlis"  # not "approved by karlis: " with nothing after it
    (folder / "one.csv").write_text(f"account,text\nsandbox-x,{TEXT}\n", encoding="utf-8")
    missing = _run(folder, "post", "import", "one.csv", "--as", "anna")
    assert missing.code == 2 and "missing column at;" in missing.err, missing.err


def test_pause_and_resume(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    assert _run(folder, "pause", "--all", "--as", "karlis").code == 2  # a reason is required
    assert _run(folder, "pause", "--all", "--reason", "Krīze", "--as", "karlis").code == 0
    assert "Krīze" in _run(folder, "pauses").out
    assert _run(folder, "pause", "--all", "--reason", "x", "--as", "anna").code == 1  # not allowed
    assert _run(folder, "resume", "--all", "--as", "karlis").code == 0
    assert _run(folder, "resume", "--all", "--as", "karlis").code == 1  # not paused


def test_variants_and_an_edit_that_keeps_schedule_and_variants(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    post_id = _run(
        folder,
        "post",
        "new",
        "--as",
        "anna",
        "--account",
        "sandbox-x",
        "--account",
        "sandbox-fb",
        "--at",
        f"{YEAR}-06-01 09:30",
        "--variant",
        "x=" + TEXT[:100],
        TEXT,
    ).out.strip()
    assert (
        _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", "--variant", "x", TEXT).code
        == 2
    )
    assert _run(folder, "post", "edit", post_id, TEXT + " Labots.", "--as", "anna").code == 0
    detail = json.loads(_run(folder, "post", "show", post_id, "--json").out)
    assert detail["scheduled_local"] == f"{YEAR}-06-01 09:30 EEST"
    assert detail["variants"] == {"x": TEXT[:100]}
    assert detail["accounts"] == ["sandbox-fb", "sandbox-x"]


def _show(folder: Path, post_id: str) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(_run(folder, "post", "show", post_id, "--json").out)
    return shown


def _approved(folder: Path, accounts: list[str], at: str | None = None) -> str:
    targets = [arg for account in accounts for arg in ("--account", account)]
    when = ["--at", at] if at else ["--now"]
    post_id = _run(folder, "post", "new", "--as", "anna", *targets, *when, TEXT).out.strip()
    assert _run(folder, "post", "submit", post_id, "--as", "anna").code == 0
    assert _run(folder, "post", "approve", post_id, "--as", "karlis").code == 0
    return post_id


def _reschedules(folder: Path, post_id: str) -> list[str]:
    """The payloads of the post's `post.reschedule` audit lines."""
    with Context.open(load_settings(folder / "config.toml")) as ctx, ctx.db.read() as session:
        return list(
            session.exec(
                select(AuditEvent.payload).where(
                    AuditEvent.action == "post.reschedule", AuditEvent.subject_id == post_id
                )
            ).all()
        )


def test_rescheduling_an_approved_post_sends_it_back_for_approval(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    post_id = _approved(folder, ["sandbox-x", "sandbox-fb"], at=f"{YEAR}-06-01 09:30")
    moved = _run(folder, "post", "schedule", post_id, "--at", f"{YEAR}-06-02 10:00", "--as", "anna")
    assert moved.code == 0, moved.err
    detail = _show(folder, post_id)
    # The approver signed off a post going out at a time: it goes back to them, not to a draft.
    assert detail["state"] == "submitted"
    assert moved.out == f"Post {post_id} rescheduled; it waits for approval.\n"
    assert detail["scheduled_local_input"] == f"{YEAR}-06-02 10:00"
    assert [p["state"] for p in detail["publications"]] == ["cancelled", "cancelled"]
    assert [a["voided"] for a in detail["approvals"]] == [True]
    assert len(_reschedules(folder, post_id)) == 1
    assert _run(folder, "post", "approve", post_id, "--as", "karlis").code == 0
    scheduled = json.loads(_run(folder, "publications", "list", "--state", "scheduled", "--json").out)
    assert {p["due_at"] for p in scheduled} == {f"{YEAR}-06-02T07:00:00+00:00"}


def test_rescheduling_a_draft_keeps_it_a_draft_and_now_means_once_approved(
    env: tuple[Path, SandboxServer],
) -> None:
    folder, _ = env
    post_id = _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", TEXT).out.strip()
    moved = _run(folder, "post", "schedule", post_id, "--at", f"{YEAR}-06-02 10:00", "--as", "anna")
    assert moved.out == f"Post {post_id} rescheduled; submit it for approval.\n"
    assert _show(folder, post_id)["scheduled_local"] == f"{YEAR}-06-02 10:00 EEST"
    assert _run(folder, "post", "schedule", post_id, "--now", "--as", "anna").code == 0
    detail = _show(folder, post_id)
    assert (detail["state"], detail["scheduled_local"]) == ("draft", "as soon as approved")
    past = _run(folder, "post", "schedule", post_id, "--at", "2020-01-01 10:00", "--as", "anna")
    assert past.code == 2 and "in the past" in past.err


def test_a_post_already_out_on_one_account_cannot_be_rescheduled(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    assert _run(folder, "pause", "--account", "sandbox-fb", "--reason", "Krīze", "--as", "karlis").code == 0
    post_id = _approved(folder, ["sandbox-x", "sandbox-fb"])
    assert json.loads(_run(folder, "worker", "--once", "--json").out)["published"] == 1
    before = _show(folder, post_id)
    refused = _run(folder, "post", "schedule", post_id, "--at", f"{YEAR}-06-02 10:00", "--as", "anna")
    assert refused.code == 1
    assert "already underway on sandbox-x (published)" in refused.err
    assert _show(folder, post_id) == before  # the paused account's publication is still scheduled
    assert _reschedules(folder, post_id) == []


def test_a_post_being_sent_cannot_be_rescheduled(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    post_id = _approved(folder, ["sandbox-x"], at=f"{YEAR}-06-01 09:30")
    with Context.open(load_settings(folder / "config.toml")) as ctx, ctx.db.write() as session:
        # A worker committed `sending` and is waiting for the platform (or crashed there).
        row = session.exec(select(Publication).where(col(Publication.post_id) == int(post_id))).one()
        row.state = "sending"
    before = _show(folder, post_id)
    refused = _run(folder, "post", "schedule", post_id, "--now", "--as", "anna")
    assert refused.code == 1 and "already underway on sandbox-x (sending)" in refused.err
    assert _show(folder, post_id) == before


def test_post_show_lists_every_media_item_and_an_edit_keeps_them(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    (folder / "karte.png").write_bytes(png(4, 3))
    (folder / "foto.jpg").write_bytes(jpeg(640, 480))
    new = _run(
        folder,
        *("post", "new", "--as", "anna", "--account", "sandbox-x", "--now"),
        *("--media", "karte.png", "--alt", "Latvijas karte", "--media", "foto.jpg", TEXT),
    )
    assert new.code == 0, new.err
    post_id = new.out.strip()
    shown = _run(folder, "post", "show", post_id)
    digest = hashlib.sha256(png(4, 3)).hexdigest()
    assert (
        f"Media 1: karte.png · image/png · {len(png(4, 3))} bytes · 4x3 px · sha256 {digest[:12]}"
        in shown.out
    )
    assert "alt: Latvijas karte" in shown.out
    assert "Media 2: foto.jpg · image/jpeg" in shown.out and "640x480 px" in shown.out
    assert "no alt text" in shown.out
    media = json.loads(_run(folder, "post", "show", post_id, "--json").out)["media"]
    assert [(m["name"], m["type"], m["alt"], m["sha256"]) for m in media] == [
        ("karte.png", "image/png", "Latvijas karte", digest),
        ("foto.jpg", "image/jpeg", None, hashlib.sha256(jpeg(640, 480)).hexdigest()),
    ]
    (folder / "karte.png").unlink()  # the store has the bytes; an edit without --media keeps them
    edited = _run(folder, "post", "edit", post_id, "--as", "anna", TEXT + " Jauns teksts.")
    assert edited.code == 0, edited.err
    assert json.loads(_run(folder, "post", "show", post_id, "--json").out)["media"] == media


@pytest.mark.parametrize(
    ("files", "args", "code", "message"),
    [
        ({"a.png": b"x"}, ("--media", "a.png", "--alt", "A", "--alt", "B"), 2, "2 --alt for 1 --media"),
        ({"notes.png": b"Parole: ...\n"}, ("--media", "notes.png"), 1, "notes.png is not a JPEG, PNG"),
        ({}, ("--media", "smtool.key"), 1, "installation's own files"),
    ],
)
def test_media_refusals_name_the_file(
    env: tuple[Path, SandboxServer], files: dict[str, bytes], args: tuple[str, ...], code: int, message: str
) -> None:
    folder, _ = env
    for name, data in files.items():
        (folder / name).write_bytes(data)
    result = _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", *args, TEXT)
    assert (result.code, result.out) == (code, "")
    assert message in " ".join(result.err.split())
    assert not (folder / "media").exists() or not any((folder / "media").rglob("*"))


def test_findings_speak_the_posts_language(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    posts = {
        "lv": ("Manuprāt, pieteikšanās sāksies 1. decembrī.", "Personiska viedokļa"),
        "en": ("In my view, applications open on 1 December.", "Personal opinion marker"),
    }
    for text, wording in posts.values():
        post_id = _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", text).out.strip()
        messages = [f["message"] for f in _show(folder, post_id)["findings"] if f["rule"] == "voice.opinion"]
        assert messages and all(wording in m for m in messages), messages
        checked = _run(folder, "post", "check", post_id, "--as", "anna")
        assert wording in checked.out, checked.out


def test_approving_during_a_pause_says_what_holds_the_post(env: tuple[Path, SandboxServer]) -> None:
    folder, _ = env
    assert _run(folder, "pause", "--account", "sandbox-x", "--reason", "Pārbaude", "--as", "karlis").code == 0
    post_id = _run(folder, "post", "new", "--as", "anna", "--account", "sandbox-x", "--now", TEXT).out.strip()
    assert _run(folder, "post", "submit", post_id, "--as", "anna").code == 0
    approved = _run(folder, "post", "approve", post_id, "--as", "karlis")
    assert approved.code == 0, approved.err
    # Issue 18, item 21: "scheduled" alone would promise it goes out now.
    assert "Not sent yet: publishing is paused on sandbox-x (Pārbaude)" in approved.out
