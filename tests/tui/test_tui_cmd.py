"""`smtool tui`: who starts where, who may open what, refusals before the terminal is taken over."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.app import App
from textual.command import CommandPalette
from textual.widgets import OptionList, Static

from smtool.errors import PermissionDenied, UsageError
from smtool.tui.app import SCREENS, build_app
from smtool.tui.screens.calendar import CalendarScreen
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.widgets.dialogs import ChoiceModal
from tests.support.cli import run_smtool
from tests.support.tui import Installation, add_items, until


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
            # Said, not silently ignored (issue 18, item 20).
            said = str(app.screen.query_one("#notice", Static).render())
            assert "anna may not use the approvals screen" in said and "approve" in said
            await pilot.press("f7")
            accounts = app.screen
            assert accounts.__class__.__name__ == "AccountsScreen"
            assert accounts.check_action("pause", ()) is False  # a communicator does not pause publishing
            titles = [c.title for c in app.get_system_commands(accounts)]
            assert "Go to compose" in titles and "Go to approvals" not in titles
            assert "Accounts: Pause" not in titles and "Accounts: Refresh" in titles
            await pilot.press("f3")  # her own posts she may move and withdraw
            assert app.screen.check_action("reschedule", ()) and app.screen.check_action("withdraw", ())

    async def manager() -> None:
        app = build_app(sqlite_installation.ctx, "martins", "calendar")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            calendar = app.screen
            assert isinstance(calendar, CalendarScreen)
            # A manager is neither an author nor an approver: moving or withdrawing is not offered.
            assert calendar.check_action("reschedule", ()) is False
            assert calendar.check_action("withdraw", ()) is False
            titles = [c.title for c in app.get_system_commands(calendar)]
            assert "Calendar: Show" in titles and "Calendar: Move" not in titles
            await pilot.press("x")
            await pilot.pause()
            assert app.screen is calendar

    asyncio.run(scenario())
    asyncio.run(manager())


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
            await until(pilot, lambda: _palette_matches(app) > 0, "the palette's matches")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CalendarScreen), "the calendar")
            await pilot.press("f5")
            inbox = app.screen
            assert isinstance(inbox, InboxScreen)
            await until(pilot, lambda: inbox.current is not None, "the queue")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the assign dialog")
            await pilot.press("f3")  # refused while the dialog is open
            assert isinstance(app.screen, ChoiceModal)
            await pilot.press("escape", "f3")
            assert isinstance(app.screen, CalendarScreen)

    asyncio.run(scenario())


def test_a_bug_on_the_event_loop_ends_the_app_with_one_line_and_no_traceback(
    sqlite_installation: Installation, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "token-1234"  # a local variable Textual's traceback would print

    def broken(self: CalendarScreen) -> None:
        token = secret
        raise RuntimeError(f"boom \x1b[31m{len(token)}")

    monkeypatch.setattr(CalendarScreen, "action_today", broken)

    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "karlis", "calendar")
        with pytest.raises(RuntimeError):  # Pilot re-raises it for tests; a user sees the line below
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.press("t")
                await pilot.pause()
        assert app.return_code == 1

    asyncio.run(scenario())
    err = capsys.readouterr().err
    assert "Internal error: RuntimeError: boom ␛[31m10" in err and "This is a bug in smtool" in err
    assert "Traceback" not in err and secret not in err and "\x1b[31m" not in err


def _palette_matches(app: App[None]) -> int:
    """How many commands the open command palette lists (0 while it is still searching)."""
    if not isinstance(app.screen, CommandPalette):
        return 0
    return app.screen.query_one(OptionList).option_count
