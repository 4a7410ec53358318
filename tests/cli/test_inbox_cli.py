"""`smtool inbox` as a person or a script uses it: real subprocesses on an installation on the sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from connectors.base import IncomingItem
from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor
from smtool.services.text import strip_unsafe
from smtool.store.tables import AuditEvent
from tests.services.test_ingest import BAD_INPUT
from tests.support.cli import Result, run_smtool
from tests.support.sandbox import write_installation

SHOUTY = "\x1b[2J[bold]Kad[/bold] būs atbilde?\u202e NUL:\x00"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, SandboxServer]]:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    server = SandboxServer(new_sandbox_state(seed=5), port=0, seed=5).start()
    try:
        config = write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", server)
        x = server.account("x")
        server.sandbox.inject_mention(x.id, SHOUTY, None)
        server.sandbox.inject_mention(x.id, "Paldies par informāciju.", None)
        with Context.open(load_settings(config)) as ctx:
            assert Ingestor(ctx).poll_all()["new"] == 2
        yield config, server
    finally:
        server.stop()


def _run(config: Path, *args: str) -> Result:
    # Reading the queue is a role's task now (issue 15, item 7): the reader is liga, a press officer,
    # unless the command names someone with --as.
    result = run_smtool(
        "--config", str(config), "inbox", *args, cwd=config.parent, env={"SMTOOL_USER": "liga"}
    )
    assert "Traceback" not in result.err, result.err
    return result


def test_list_show_and_claim_give_the_shapes_scripts_rely_on(installed: tuple[Path, SandboxServer]) -> None:
    config, server = installed
    listed = _run(config, "list", "--json")
    assert listed.code == 0
    items = json.loads(listed.out)
    assert len(items) == 2
    for key in ("id", "platform", "account", "author", "text", "state", "flags", "assigned_to"):
        assert all(key in item for item in items)
    handle = server.account("x").handle.lstrip("@")
    assert any(item["text"] == f"@{handle} {SHOUTY}" for item in items)  # exactly as sent

    first = json.loads(_run(config, "claim", "--as", "liga", "--json").out)
    assert first["claimed_by"] == "liga" and "question" in first["flags"]
    shown = json.loads(_run(config, "show", str(first["id"]), "--json").out)
    assert shown["text"] == first["text"] and shown["actions"][0]["action"] == "claim"
    assert _run(config, "claim", "--as", "liga", "--json").code == 0
    empty = _run(config, "claim", "--as", "liga", "--json")
    assert empty.code == 1 and empty.out == ""


def test_table_output_is_inert_and_bad_input_exits_2(installed: tuple[Path, SandboxServer]) -> None:
    config, _server = installed
    table = _run(config, "list")
    assert table.code == 0 and "\x1b" not in table.out and "\u202e" not in table.out
    item_id = json.loads(_run(config, "list", "--json", "--flag", "question").out)[0]["id"]
    detail = _run(config, "show", str(item_id))
    assert detail.code == 0 and "\x1b" not in detail.out and "\x00" not in detail.out
    assert "[bold]Kad[/bold]" in detail.out  # markup shown as text, not applied
    bad_reason = _run(config, "hide", str(item_id), "--reason", "dislike", "--as", "liga")
    assert bad_reason.code == 2 and "comment policy" in bad_reason.err
    assert _run(config, "list", "--state", "bogus").code == 2
    assert _run(config, "resolve", "999", "--as", "liga").code == 1
    stale = _run(config, "resolve", str(item_id), "--version", "99", "--as", "liga")
    assert stale.code == 1 and "changed by someone else" in stale.err
    assert _run(config, "resolve", str(item_id), "--as", "liga").code == 0
    assert json.loads(_run(config, "list", "--json", "--state", "resolved").out)[0]["id"] == item_id


def test_hostile_text_comes_back_exactly_in_json_and_inert_on_screen(
    installed: tuple[Path, SandboxServer],
) -> None:
    config, server = installed
    texts = [*BAD_INPUT, "Ā" * 100 * 1024]
    remote = {server.sandbox.inject_mention(server.account("x").id, t, "\x1b[5m[b]x\u202e"): t for t in texts}
    with Context.open(load_settings(config)) as ctx:
        assert Ingestor(ctx).poll_all()["new"] == len(texts)
    listed = {i["remote_id"]: i for i in json.loads(_run(config, "list", "--json", "--limit", "100").out)}
    handle = server.account("x").handle.lstrip("@")
    table = _run(config, "list", "--limit", "100").out
    assert strip_unsafe(table) == table  # no escape, control or bidi character reaches the terminal
    for remote_id, text in remote.items():
        item = listed[remote_id]
        assert item["text"] == f"@{handle} {text}" and item["author_handle"] == "@\x1b[5m[b]x\u202e"
        shown = _run(config, "show", str(item["id"]))
        assert shown.code == 0 and strip_unsafe(shown.out) == shown.out
        assert json.loads(_run(config, "show", str(item["id"]), "--json").out)["text"] == item["text"]
    markup = next(listed[r]["id"] for r, t in remote.items() if t == BAD_INPUT[0])
    detail = _run(config, "show", str(markup))
    assert "[link=https://evil.example]klikšķini[/link]" in detail.out  # markup shown, not applied


TAXES = """
[[users]]
name = "janis"
roles = ["specialist"]
team = "taxes"

[[routing]]
team = "taxes"
keywords = ["nodok*"]
"""


def test_a_script_pages_filters_and_searches_the_list(installed: tuple[Path, SandboxServer]) -> None:
    config, _server = installed
    config.write_text(config.read_text(encoding="utf-8") + TAXES, encoding="utf-8")
    now = datetime.now(UTC)
    texts = [("Kā samaksāt nodokli?" if n % 10 == 0 else f"ziņa numur {n}") for n in range(60)]
    items = [
        IncomingItem(
            "x",
            str(900_000 + n),
            "sandbox-x",
            "mention",
            str(n),
            f"Iedzīvotājs {n}",
            f"@c{n}",
            t,
            now,
            None,
            None,
        )
        for n, t in enumerate(texts)
    ]
    with Context.open(load_settings(config)) as ctx:
        assert Ingestor(ctx).store("sandbox-x", "test", None, items, None) == 60

    first = _run(config, "list", "--json")
    page = json.loads(first.out)  # stdout is only the list, even when there is more
    assert first.code == 0 and len(page) == 50  # the default --limit
    more = re.search(r"--after (\S+)", first.err)
    assert more is not None
    rest = _run(config, "list", "--json", "--after", more.group(1))
    assert rest.code == 0 and "--after" not in rest.err
    ids = [i["id"] for i in page + json.loads(rest.out)]
    assert len(ids) == 62 == len(set(ids))

    taxes = json.loads(_run(config, "list", "--json", "--team", "taxes").out)
    assert sorted(i["remote_id"] for i in taxes) == sorted(str(900_000 + n) for n in range(0, 60, 10))
    found = json.loads(_run(config, "list", "--json", "--search", "numur 17").out)
    assert [i["text"] for i in found] == ["ziņa numur 17"]

    closed = found[0]["id"]
    assert _run(config, "spam", str(closed), "--as", "liga").code == 0
    assert closed not in [i["id"] for i in json.loads(_run(config, "list", "--json", "--limit", "100").out)]
    every = json.loads(_run(config, "list", "--json", "--limit", "100", "--all").out)
    assert len(every) == 62 and any(i["id"] == closed and i["state"] == "spam" for i in every)


def test_every_inbox_command_has_help_text() -> None:
    from smtool.cli.inbox import group

    names = {c.name for c in group.registered_commands}
    assert {"list", "claim", "show", "reply", "hide", "unhide", "assign", "resolve", "spam"} <= names
    # Help is given with help= (marked for translation), not as the callback's docstring.
    assert all(c.callback is not None and c.help for c in group.registered_commands)


def test_a_communicator_cannot_read_the_queue_and_a_press_officer_leaves_one_audit_row(
    installed: tuple[Path, SandboxServer],
) -> None:
    config, _ = installed
    for args in (("list",), ("show", "1")):
        refused = _run(config, *args, "--as", "anna")
        assert refused.code == 1 and refused.out == ""
        assert "anna may not read citizens' comments and who wrote them" in refused.err
    assert _run(config, "list", "--as", "liga", "--json").code == 0
    with Context.open(load_settings(config)) as ctx, ctx.db.read() as session:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.action).in_(["citizen_data.read", "access.denied"]))
        ).all()
    assert [(r.actor, r.action, r.subject_id) for r in rows] == [
        ("anna", "access.denied", "inbox.list"),
        ("anna", "access.denied", "inbox.show"),
        ("liga", "citizen_data.read", "inbox.list"),
    ]


def test_a_specialists_reply_is_proposed_then_approved_by_hash(installed: tuple[Path, SandboxServer]) -> None:
    config, _ = installed
    with config.open("a", encoding="utf-8") as file:
        file.write('\n[[users]]\nname = "janis"\nroles = ["specialist"]\nteam = "press"\n')
    assert run_smtool("--config", str(config), "config", "apply", "--yes", cwd=config.parent).code == 0
    refused = _run(config, "reply", "2", "Paldies!", "--as", "janis")
    assert refused.code == 1 and "may not reply publicly on account sandbox-x" in refused.err
    assert "smtool inbox propose 2 TEXT" in refused.err
    proposed = _run(config, "propose", "2", "Paldies par jautājumu!", "--as", "janis")
    assert proposed.code == 0 and "nothing was sent" in proposed.out
    waiting = json.loads(_run(config, "proposals", "--as", "liga", "--json").out)
    assert [(p["item"], p["author"], p["text"]) for p in waiting] == [(2, "janis", "Paldies par jautājumu!")]
    wrong = _run(config, "approve-reply", "2", "--hash", "0" * 16, "--as", "liga")
    assert wrong.code == 1 and "not the text you read" in wrong.err
    approved = _run(config, "approve-reply", "2", "--hash", waiting[0]["content_hash"][:16], "--as", "liga")
    assert approved.code == 0 and "queued as publication" in approved.out
    shown = json.loads(_run(config, "show", "2", "--json").out)
    assert shown["state"] == "answered" and shown["proposals"][0]["state"] == "approved"


def test_a_reply_during_a_pause_says_it_waits_for_the_pause(installed: tuple[Path, SandboxServer]) -> None:
    config, _ = installed
    paused = run_smtool(
        "--config", str(config), "pause", "--all", "--reason", "Krīze", "--as", "karlis", cwd=config.parent
    )
    assert paused.code == 0, paused.err
    replied = _run(config, "reply", "2", "Paldies par jautājumu!")
    assert replied.code == 0, replied.err
    # Not "the worker sends it" (issue 18, item 21): nothing goes out while publishing is paused.
    assert "not sent yet: all publishing is paused (Krīze)" in replied.out
    assert "the worker sends it" not in replied.out
