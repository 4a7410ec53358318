"""The CLI's own conventions, as a new user meets them (issue 18): exit codes (findings and failed
operations 1, usage and configuration 2), options with a fixed set of values, list paging, one time
format for people, and what the commands say. Real subprocesses on an installation on the sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.monitoring.ingest import Ingestor
from tests.support.cli import Result, run_smtool
from tests.support.sandbox import write_installation

TEXT = "Valsts kanceleja aicina iedzīvotājus piedalīties apspriešanā līdz 15. decembrim."
# The checker blocks this: a personal opinion on an institution's account.
OPINION = "Es personīgi uzskatu, ka šis lēmums ir kļūdains."


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installation on the sandbox with one citizen's mention in the inbox."""
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    server = SandboxServer(new_sandbox_state(seed=18), port=0, seed=18).start()
    try:
        config = write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", server)
        server.sandbox.inject_mention(server.account("x").id, "Kad būs atbilde?", None)
        with Context.open(load_settings(config)) as ctx:
            assert Ingestor(ctx).poll_all()["new"] == 1
        yield tmp_path
    finally:
        server.stop()


def _run(folder: Path, *args: str, stdin: str = "") -> Result:
    # Wide enough that a table never wraps a time over two lines.
    result = run_smtool(*args, cwd=folder, stdin=stdin, env={"COLUMNS": "200"})
    assert "Traceback" not in result.err and "Internal error" not in result.err, result.err
    return result


def _post(folder: Path, text: str = TEXT, *extra: str, accounts: tuple[str, ...] = ("sandbox-x",)) -> int:
    targets = [word for account in accounts for word in ("--account", account)]
    created = _run(folder, "post", "new", "--as", "anna", *targets, *extra, text)
    assert created.code == 0, created.err
    return int(created.out)


def _item(folder: Path) -> int:
    listed = _run(folder, "inbox", "list", "--json", "--as", "liga")
    return int(json.loads(listed.out)[0]["id"])


# --- 6: a date is not a phone number -------------------------------------------------------------------


def test_a_date_and_time_are_not_a_phone_number(folder: Path) -> None:
    checked = _run(folder, "check", "Pasākums notiks 2026-12-03 plkst. 10:00")
    assert checked.code == 0 and "phone" not in checked.out, checked.out


# --- 12: accounts and users added to config.toml are not in effect until applied; commands say so ------


def test_commands_say_when_config_toml_has_accounts_or_users_not_applied(folder: Path) -> None:
    config = folder / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[accounts]]\nid = "vk-new"\nplatform = "x"\nhandle = "@VkNew"\nspokespeople = ["karlis"]\n'
        + '\n[[users]]\nname = "zane"\nroles = ["communicator"]\n',
        encoding="utf-8",
    )
    note = "not applied yet; see `smtool config apply --dry-run`"
    for command in (("account", "list"), ("user", "list")):
        listed = _run(folder, *command)
        assert listed.code == 0 and note in listed.err, (command, listed.err)
    token = _run(folder, "account", "set-token", "vk-new", stdin="made-up-token\n")
    assert token.code == 1 and note in token.err and "no account 'vk-new'" in token.err, token.err


# --- 7: findings exit 1, bad input 2 ---------------------------------------------------------------------


def test_a_post_or_reply_blocked_by_findings_exits_1_and_bad_input_still_2(folder: Path) -> None:
    post_id = _post(folder, OPINION)
    blocked = _run(folder, "post", "submit", str(post_id), "--as", "anna")
    assert blocked.code == 1, blocked.err
    assert "voice." in blocked.err and "Invalid input" not in blocked.err
    item = _item(folder)
    reply = _run(folder, "inbox", "reply", str(item), OPINION, "--as", "liga")
    assert reply.code == 1 and "cannot go out as written" in reply.err, reply.err
    assert _run(folder, "inbox", "reply", str(item), "  ", "--as", "liga").code == 2  # no text: usage


# --- 11: an import names CSV lines, never a post that was not created --------------------------------


def test_import_blocked_by_findings_names_the_line_not_a_post(folder: Path) -> None:
    (folder / "posts.csv").write_text(
        f'account,at,text\nsandbox-x,,{TEXT}\nsandbox-x,,"{OPINION}"\n', encoding="utf-8"
    )
    result = _run(folder, "post", "import", "posts.csv", "--as", "anna")
    assert result.code == 2
    assert "line 3: the text has errors an approver must waive first: voice." in result.err, result.err
    assert "post " not in result.err.replace("posts.csv", "")
    assert json.loads(_run(folder, "post", "list", "--json").out) == []


# --- 8: every option with a fixed set of values refuses others --------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("post", "list", "--state", "bogus"),
        ("publications", "list", "--state", "bogus"),
        ("inbox", "list", "--state", "bogus", "--as", "liga"),
        ("inbox", "list", "--flag", "bogus", "--as", "liga"),
        ("inbox", "list", "--team", "bogus", "--as", "liga"),
        ("inbox", "claim", "--team", "bogus", "--as", "liga"),
        ("check", "--lang", "xx", "Teksts"),
        ("check", "--platform", "myspace", "Teksts"),
        ("check", "--account-kind", "bogus", "Teksts"),
        ("check", "--format", "yaml", "Teksts"),
        ("report", "cadence", "--format", "pdf"),
    ],
)
def test_an_option_with_fixed_values_refuses_others_with_exit_2(
    folder: Path, command: tuple[str, ...]
) -> None:
    refused = _run(folder, *command)
    assert refused.code == 2 and refused.out == "", (refused.out, refused.err)
    assert "bogus" in refused.err or "xx" in refused.err or "myspace" in refused.err or "'" in refused.err


def test_an_unknown_state_names_the_states_there_are(folder: Path) -> None:
    refused = _run(folder, "publications", "list", "--state", "bogus")
    assert "unknown state 'bogus'" in refused.err and "held" in refused.err, refused.err


# --- 9: every list pages the same way, none truncates silently --------------------------------------

NEXT = re.compile(r"More: smtool (.*) --after (\S+)")


def _pages(folder: Path, *command: str) -> list[list[dict[str, object]]]:
    """Every page of a list, following the next-page note on stderr as a script would."""
    pages: list[list[dict[str, object]]] = []
    after: tuple[str, ...] = ()
    while True:
        listed = _run(folder, *command, "--json", *after)
        assert listed.code == 0, listed.err
        pages.append(json.loads(listed.out))
        more = NEXT.search(listed.err)
        if more is None:
            return pages
        assert more.group(1) == " ".join(command)  # the note repeats the filters the next page needs
        after = ("--after", more.group(2))


def test_post_and_publication_lists_page_with_limit_and_after(folder: Path) -> None:
    posts = [_post(folder, f"{TEXT} ({n})", "--now") for n in range(5)]
    for post_id in posts:
        assert _run(folder, "post", "submit", str(post_id), "--as", "anna").code == 0
    assert _run(folder, "post", "approve", *map(str, posts), "--as", "karlis").code == 0

    post_pages = _pages(folder, "post", "list", "--limit", "2")
    assert [len(p) for p in post_pages] == [2, 2, 1]
    assert [p["id"] for page in post_pages for p in page] == sorted(posts, reverse=True)

    publication_pages = _pages(folder, "publications", "list", "--state", "scheduled", "--limit", "2")
    assert [len(p) for p in publication_pages] == [2, 2, 1]
    assert sorted(p["post_id"] for page in publication_pages for p in page) == posts

    table = _run(folder, "post", "list", "--limit", "4")
    assert table.code == 0 and "More: smtool post list --limit 4 --after" in table.out
    assert "More:" not in _run(folder, "post", "list").out  # five posts fit the default page
    assert _run(folder, "post", "list", "--after", "nonsense").code == 2
    assert _run(folder, "publications", "list", "--limit", "0").code == 2


# --- 14: one time format for people, in the institution's zone ----------------------------------------

LOCAL = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d EES?T")
RAW = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\bUTC\b|\bNone\b")


def test_people_read_local_times_in_one_format_everywhere(folder: Path) -> None:
    item = _item(folder)
    assert _run(folder, "inbox", "claim", "--as", "liga").code == 0
    shown = _run(folder, "inbox", "show", str(item), "--as", "liga")
    assert shown.code == 0 and LOCAL.search(shown.out), shown.out
    assert not RAW.search(shown.out), shown.out
    assert "no reply sent yet" in shown.out and "not resolved yet" in shown.out
    assert _run(folder, "inbox", "reply", str(item), "Paldies, atbildēsim drīz.", "--as", "liga").code == 0
    assert _run(folder, "worker", "--once").code == 0  # the reply goes out
    answered = _run(folder, "inbox", "show", str(item), "--as", "liga")
    assert re.search(r"Response: first reply after \d+ working min", answered.out), answered.out
    assert not RAW.search(answered.out), answered.out

    post_id = _post(folder, TEXT, "--now")
    assert _run(folder, "post", "submit", str(post_id), "--as", "anna").code == 0
    assert _run(folder, "post", "approve", str(post_id), "--as", "karlis").code == 0
    assert _run(folder, "pause", "--all", "--reason", "Krīze", "--as", "karlis").code == 0
    for command in (("publications", "list"), ("pauses",)):
        listed = _run(folder, *command)
        assert listed.code == 0 and LOCAL.search(listed.out), (command, listed.out)
        assert not RAW.search(listed.out), (command, listed.out)
    # Scripts get ISO 8601 UTC, from every command alike.
    (paused,) = json.loads(_run(folder, "pauses", "--json").out)
    assert datetime.fromisoformat(paused["at"]).utcoffset() == timedelta(0) and "T" in paused["at"]
    (account,) = [
        a for a in json.loads(_run(folder, "account", "list", "--json").out) if a["id"] == "sandbox-x"
    ]
    assert "T" in account["token_set_at"]


# --- 13: worker --once exits 1 when anything failed -------------------------------------------------


def test_worker_once_exits_1_when_a_platform_is_unreachable_and_0_when_all_went_well(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    server = SandboxServer(new_sandbox_state(seed=13), port=0, seed=13).start()
    try:
        write_installation(tmp_path, f"sqlite:///{tmp_path / 'smtool.db'}", server)
        post_id = _post(tmp_path, TEXT, "--now")
        assert _run(tmp_path, "post", "submit", str(post_id), "--as", "anna").code == 0
        assert _run(tmp_path, "post", "approve", str(post_id), "--as", "karlis").code == 0
        fine = _run(tmp_path, "worker", "--once", "--json")
        assert fine.code == 0 and json.loads(fine.out)["published"] == 1, fine.err
    finally:
        server.stop()
    unreachable = _run(tmp_path, "worker", "--once")
    assert unreachable.code == 1, unreachable.err
    assert "Failed: " in unreachable.err and "ingest_errors" in unreachable.err
    as_json = _run(tmp_path, "worker", "--once", "--json")
    assert as_json.code == 1 and json.loads(as_json.out)["ingest_errors"] >= 1


# --- 10: post show shows every text that goes out, and each finding once with its accounts -----------


def test_post_show_shows_variants_and_campaigns_and_names_the_accounts_of_each_finding(folder: Path) -> None:
    variant = "x=Es personīgi uzskatu, ka tā ir laba ziņa [x]."
    both = ("sandbox-x", "sandbox-fb")
    post_id = _post(folder, OPINION, "--campaign", "LV-ESF-2026", "--variant", variant, accounts=both)
    shown = _run(folder, "post", "show", str(post_id))
    assert shown.code == 0
    assert "Campaigns: LV-ESF-2026" in shown.out
    assert "Variant for x: Es personīgi uzskatu, ka tā ir laba ziņa [x]." in shown.out
    findings = [line for line in shown.out.splitlines() if line.startswith("  ")]
    assert findings and len(findings) == len(set(findings)), shown.out
    assert all(" on sandbox-" in line for line in findings), shown.out
    assert any(" on sandbox-fb, sandbox-x " in line for line in findings), shown.out


# --- 16: the burst rule sees the institution's recent posts at submission ---------------------------


def test_submit_warns_of_a_burst_and_of_a_near_repeat_on_another_account(folder: Path) -> None:
    posts = [_post(folder, f"Paziņojums numur {n}: {TEXT}", "--now") for n in range(5)]
    for post_id in posts:
        assert _run(folder, "post", "submit", str(post_id), "--as", "anna").code == 0
    assert _run(folder, "post", "approve", *map(str, posts), "--as", "karlis").code == 0

    sixth = _post(folder, "Aicinām pieteikties kursiem līdz piektdienai.", "--now")
    submitted = _run(folder, "post", "submit", str(sixth), "--as", "anna")
    assert submitted.code == 0 and "burst.cadence on sandbox-x" in submitted.out, submitted.out

    repeat = _post(folder, f"Paziņojums numur 4: {TEXT}", "--now", accounts=("sandbox-fb",))
    shown = _run(folder, "post", "submit", str(repeat), "--as", "anna")
    assert "burst.cadence on sandbox-fb" in shown.out, shown.out
    # A post well apart in time from the others is no burst.
    later = _post(folder, f"Paziņojums numur 4: {TEXT}", "--at", "2030-06-01 10:00")
    assert "burst" not in _run(folder, "post", "submit", str(later), "--as", "anna").out
