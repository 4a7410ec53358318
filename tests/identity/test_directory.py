"""Roles, teams, spokespeople and account settings live in the database: an edit of config.toml
gives nobody anything until an operator or admin applies it, and the application is audited."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select

from smtool.config import load_settings
from smtool.errors import PermissionDenied, UsageError
from smtool.services.context import Context
from smtool.services.installation import directory
from smtool.services.installation.setup import initialise, upgrade_database
from smtool.services.people import DIRECTORY_REFRESH_SECONDS
from smtool.services.records.audit import verify
from smtool.store.engine import Database
from smtool.store.migrate import _config
from smtool.store.tables import Account, AuditEvent
from smtool.worker import Worker
from tests.support.cli import Result, run_smtool

SELF_APPROVING_ANNA = (
    ('roles = ["communicator"]', 'roles = ["communicator", "approver"]'),
    (
        'spokespeople = ["karlis"]\n\n[[accounts]]',
        'spokespeople = ["karlis", "anna"]\nself_approval = true\n\n[[accounts]]',
    ),
)


def _edit(config: Path, replacements: tuple[tuple[str, str], ...]) -> None:
    body = config.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in body, old
        body = body.replace(old, new, 1)
    config.write_text(body, encoding="utf-8")


def _smtool(config: Path, *args: str) -> Result:
    result = run_smtool("--config", str(config), *args, cwd=config.parent)
    assert "Traceback" not in result.err, result.err
    return result


def _audit_actions(ctx: Context) -> list[str]:
    with ctx.db.read() as session:
        return [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_roles_given_in_config_toml_take_effect_only_when_applied_and_the_apply_is_audited(
    ctx: Context, config_file: Path
) -> None:
    post_id = _smtool(
        config_file, "post", "new", "Sēde notiks rīt.", "--account", "vk-x", "--as", "anna"
    ).out.strip()
    assert _smtool(config_file, "post", "submit", post_id, "--as", "anna").code == 0
    _edit(config_file, SELF_APPROVING_ANNA)

    # The insider path: a role added to one's own entry, and self-approval switched on.
    refused = _smtool(config_file, "post", "approve", post_id, "--as", "anna")
    assert refused.code == 1
    assert "anna may not approve or reject posts" in refused.err
    assert "config.apply" not in _audit_actions(ctx)

    shown = _smtool(config_file, "config", "apply", "--dry-run")
    assert shown.code == 0
    assert "user anna: changed (roles [communicator] -> [communicator, approver])" in shown.out
    assert (
        "account vk-x: changed (spokespeople [karlis] -> [karlis, anna]; self_approval False -> True)"
        in shown.out
    )
    assert "Nothing applied" in shown.out

    asked = _smtool(config_file, "config", "apply")  # no terminal to ask at, no --yes
    assert asked.code == 2 and "--yes" in asked.err

    by_anna = _smtool(config_file, "config", "apply", "--yes", "--as", "anna")
    assert by_anna.code == 1 and "anna may not manage" in by_anna.err

    applied = _smtool(config_file, "config", "apply", "--yes", "--json")
    assert applied.code == 0, applied.err
    report = json.loads(applied.out)
    assert report["applied"] is True
    assert [(c["kind"], c["name"], c["what"]) for c in report["changes"]] == [
        ("user", "anna", "changed"),
        ("account", "vk-x", "changed"),
    ]
    with ctx.db.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "config.apply")).one()
    assert event.actor.startswith("local:")
    assert {"field": "roles", "before": ["communicator"], "after": ["communicator", "approver"]} in (
        json.loads(event.payload)["changes"][0]["fields"]
    )
    assert verify(ctx.db).ok

    # Now the institution has said so, on the record: anna may approve her own post.
    assert _smtool(config_file, "post", "approve", post_id, "--as", "anna").code == 0
    again = _smtool(config_file, "config", "apply", "--yes")
    assert again.code == 0 and "nothing to change" in again.out


def test_a_user_removed_from_the_file_keeps_acting_until_applied_then_is_deactivated(
    ctx: Context, config_file: Path
) -> None:
    _edit(config_file, (('[[users]]\nname = "anna"\nroles = ["communicator"]\n\n', ""),))
    created = _smtool(config_file, "post", "new", "Sēde notiks rīt.", "--account", "vk-x", "--as", "anna")
    assert created.code == 0, created.err

    assert _smtool(config_file, "config", "apply", "--yes").code == 0
    refused = _smtool(config_file, "post", "new", "Sēde notiks rīt.", "--account", "vk-x", "--as", "anna")
    assert refused.code == 1 and "'anna' is not a user of this installation" in refused.err
    listed = json.loads(_smtool(config_file, "user", "list", "--json").out)
    assert {u["name"]: u["active"] for u in listed}["anna"] is False


def test_init_run_again_reports_an_edit_but_does_not_apply_it(ctx: Context, config_file: Path) -> None:
    _edit(config_file, SELF_APPROVING_ANNA)
    report = initialise(config_file, actor="local:test")
    assert report.changes == []
    assert [c.describe().split(":")[0] for c in report.pending] == ["user anna", "account vk-x"]
    ctx.refresh_directory()
    user = ctx.settings.user("anna")
    assert user is not None and user.roles == ["communicator"]
    printed = _smtool(config_file, "init")
    assert "take effect only when applied" in printed.out


def test_apply_refuses_a_difference_other_than_the_one_shown_and_a_user_without_the_admin_role(
    ctx: Context, config_file: Path
) -> None:
    _edit(config_file, SELF_APPROVING_ANNA[:1])
    shown = directory.pending_changes_of(ctx, load_settings(config_file))
    _edit(config_file, SELF_APPROVING_ANNA[1:])
    with pytest.raises(UsageError, match="changed since the difference was shown"):
        directory.apply(ctx, load_settings(config_file), "local:test", expected=shown)
    with pytest.raises(PermissionDenied):
        directory.apply(ctx, load_settings(config_file), "karlis")
    assert "config.apply" not in _audit_actions(ctx)
    assert directory.apply(ctx, load_settings(config_file), "admin")
    user = ctx.settings.user("anna")
    assert user is not None and "approver" in user.roles  # the context sees the applied entry at once


def test_db_upgrade_seeds_the_settings_of_accounts_stored_before_they_lived_in_the_database(
    config_file: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTOOL_SECRET_KEY", raising=False)
    initialise(config_file, actor="local:test")
    db = Database(db_url)
    try:
        with db.engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
        with db.engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM accounts")).scalar() == 2
        upgrade_database(load_settings(config_file), "local:test")
        with db.read() as session:
            stored = {a.id: a.entry for a in session.exec(select(Account)).all()}
            seeded = session.exec(select(AuditEvent).where(AuditEvent.action == "config.seed")).all()
        assert stored["vk-x"] is not None and stored["vk-x"]["spokespeople"] == ["karlis"]
        assert [json.loads(e.payload) for e in seeded][-1] == {"accounts": ["vk-fb", "vk-x"]}
    finally:
        db.dispose()
    with Context.open(load_settings(config_file)) as opened:
        account = opened.settings.account("vk-x")
        assert account is not None and account.spokespeople == ["karlis"]


def test_init_and_db_upgrade_record_how_their_actor_was_proven(config_file: Path, db_url: str) -> None:
    assert _smtool(config_file, "init").code == 0
    assert _smtool(config_file, "db", "upgrade").code == 0
    db = Database(db_url)
    try:
        with db.read() as session:
            events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    finally:
        db.dispose()
    assert [e.action for e in events][:2] == ["config.seed", "installation.init"]
    for event in events:
        assert json.loads(event.payload)["via"].startswith("local "), event.action


def test_a_running_worker_sees_roles_applied_by_another_process(ctx: Context, config_file: Path) -> None:
    worker = Worker(ctx)
    assert (worker.directory, timedelta(seconds=DIRECTORY_REFRESH_SECONDS)) in worker.jobs()
    _edit(config_file, SELF_APPROVING_ANNA)
    with Context.open(load_settings(config_file)) as elsewhere:
        directory.apply(elsewhere, load_settings(config_file), "local:test")
    anna = ctx.settings.user("anna")
    assert anna is not None and anna.roles == ["communicator"]
    worker.directory()
    anna = ctx.settings.user("anna")
    assert anna is not None and anna.roles == ["communicator", "approver"]
