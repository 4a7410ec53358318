"""`smtool tui`: who starts where, who may open what, refusals before the terminal is taken over."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from smtool.errors import PermissionDenied, UsageError
from smtool.tui.app import SCREENS, build_app
from smtool.tui.screens.calendar import CalendarScreen
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.widgets.dialogs import ChoiceModal
from tests.cli.conftest import run_smtool

from .conftest import Installation, add_items, until


def test_each_role_starts_where_its_work_is(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx
    starts = {
        user: build_app(ctx, user).start for user in ("liga", "anna", "karlis", "martins", "janis", "admin")
    }
    assert starts == {
        "liga": "inbox",
        "anna": "compose",
        "karlis": "approvals",
        "martins": "reports" if "reports" in SCREENS else "calendar",
        "janis": "inbox",
        "admin": "accounts",
    }
    assert build_app(ctx, "anna", "calendar").start == "calendar"


def test_unknown_users_screens_and_screens_a_role_may_not_use_are_refused(
    sqlite_installation: Installation,
) -> None:
    ctx = sqlite_installation.ctx
    with pytest.raises(PermissionDenied):
        build_app(ctx, "mallory")
    with pytest.raises(UsageError, match="compose, calendar, approvals, inbox"):
        build_app(ctx, "anna", "nowhere")
    with pytest.raises(PermissionDenied, match="approvals"):
        build_app(ctx, "anna", "approvals")
    with pytest.raises(PermissionDenied, match="inbox"):
        build_app(ctx, "karlis", "inbox")


def test_a_user_sees_only_the_screens_and_actions_their_roles_allow(
    sqlite_installation: Installation,
) -> None:
    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "anna", "calendar")
        async with app.run_test(size=(120, 40)) as pilot:
            assert [s.name for s in app.allowed] == ["compose", "calendar", "accounts"]
            await pilot.press("f4")  # approvals: not hers
            assert app.screen.__class__.__name__ == "CalendarScreen"
            await pilot.press("f7")
            accounts = app.screen
            assert accounts.__class__.__name__ == "AccountsScreen"
            assert accounts.check_action("pause", ()) is False  # a communicator does not pause publishing
            titles = [c.title for c in app.get_system_commands(accounts)]
            assert "Go to compose" in titles and "Go to approvals" not in titles
            assert "Accounts: Pause" not in titles and "Accounts: Refresh" in titles

    asyncio.run(scenario())


def test_every_action_of_every_screen_has_a_command_palette_entry(sqlite_installation: Installation) -> None:
    async def scenario() -> None:
        for user in ("liga", "karlis", "admin"):
            app = build_app(sqlite_installation.ctx, user)
            async with app.run_test(size=(80, 24)) as pilot:
                for spec in app.allowed:
                    app.action_show(spec.name)
                    await pilot.pause()
                    screen = app.screen
                    titles = {c.title for c in app.get_system_commands(screen)}
                    for binding in screen.BINDINGS:
                        name = binding.action.split("(")[0]  # type: ignore[union-attr]
                        if screen.check_action(name, ()) is not False:
                            assert any(t.endswith(f": {binding.description}") for t in titles), (  # type: ignore[union-attr]
                                user,
                                spec.name,
                                binding,
                            )

    asyncio.run(scenario())


def test_the_command_reports_refusals_without_a_traceback(sqlite_installation: Installation) -> None:
    config = str(sqlite_installation.config)
    cwd = sqlite_installation.config.parent
    unknown = run_smtool("--config", config, "tui", "--as", "mallory", cwd=cwd)
    assert unknown.code == 1 and "Not allowed" in unknown.err and "Traceback" not in unknown.err
    screen = run_smtool("--config", config, "tui", "--as", "anna", "--screen", "nowhere", cwd=cwd)
    assert screen.code == 2 and "unknown screen" in screen.err and "Traceback" not in screen.err
    nobody = run_smtool("--config", config, "tui", cwd=cwd)
    assert nobody.code == 2 and "--as USER" in nobody.err


def test_sandbox_mode_creates_the_training_installation_first(tmp_path: Path) -> None:
    config = tmp_path / "demo" / "config.toml"
    refused = run_smtool(
        "--config", str(config), "tui", "--sandbox", "--as", "anna", "--screen", "nowhere", cwd=tmp_path
    )
    assert refused.code == 2 and "unknown screen" in refused.err and "Traceback" not in refused.err
    assert config.exists() and (tmp_path / "demo" / "smtool.db").exists()
    assert "sandbox-x" in config.read_text(encoding="utf-8")


def test_the_palette_runs_a_command_and_a_dialog_is_answered_before_leaving(
    sqlite_installation: Installation,
) -> None:
    add_items(sqlite_installation.ctx, "Kad būs atvērta pieteikšanās?")

    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+p", *"Go to calendar")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CalendarScreen), "the calendar")
            await pilot.press("f5")
            inbox = app.screen
            assert isinstance(inbox, InboxScreen)
            await until(pilot, lambda: inbox.current is not None, "the queue")
            await pilot.press("h")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the reason dialog")
            await pilot.press("f3")  # refused while the dialog is open
            assert isinstance(app.screen, ChoiceModal)
            await pilot.press("escape", "f3")
            assert isinstance(app.screen, CalendarScreen)

    asyncio.run(scenario())
