"""The accounts screen: token health, rate limits and attention counts; pause and resume publishing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from textual.widgets import DataTable, Input, Static

from smtool.services.publishing.pauses import list_pauses
from smtool.store.tables import Account
from smtool.tui.app import build_app
from smtool.tui.screens.accounts import AccountsScreen
from smtool.tui.widgets.dialogs import LineModal
from tests.support.tui import Installation, until


def test_pause_and_resume_one_account_and_all_publishing(installation: Installation) -> None:
    ctx = installation.ctx

    async def scenario() -> None:
        app = build_app(ctx, "karlis", "accounts")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            await until(pilot, lambda: bool(screen.overview.accounts), "the accounts")
            account = screen.overview.accounts[0].id
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the reason modal")
            app.screen.query_one(Input).value = "Konta pārbaude"
            await pilot.press("enter")
            await until(pilot, lambda: [p.scope for p in list_pauses(ctx)] == [account], "the pause")
            await until(pilot, lambda: screen.overview.accounts[0].paused is not None, "the pause shown")
            assert screen.overview.accounts[0].paused == "Konta pārbaude (karlis)"
            # The column is cut short at 80 columns; the line under the table says it in full.
            detail = screen.query_one("#accounts-detail", Static)
            await until(
                pilot, lambda: "Paused: Konta pārbaude (karlis)" in str(detail.render()), "the reason"
            )

            await pilot.press("P")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the reason modal")
            app.screen.query_one(Input).value = "Krīze"
            await pilot.press("enter")
            banner = screen.query_one("#accounts-all", Static)
            await until(pilot, lambda: "ALL PUBLISHING PAUSED" in str(banner.render()), "the banner")
            # Under that banner no row says "no" (issue 18, item 21): the other account is paused too.
            table = screen.query_one("#accounts-list", DataTable)
            await until(pilot, lambda: table.get_row_at(1)[-1].plain == "all paused", "the rows")
            assert table.get_row_at(0)[-1].plain.startswith("Konta pārbaude")

            await pilot.press("U")
            await until(pilot, lambda: [p.scope for p in list_pauses(ctx)] == [account], "all resumed")
            await pilot.press("u")
            await until(pilot, lambda: list_pauses(ctx) == [], "the account resumed")

    asyncio.run(scenario())


def test_token_health_and_rate_limits_stand_out(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx
    with ctx.db.write() as session:
        x = session.get(Account, "sandbox-x")
        assert x is not None
        x.token_status = "needs_reauth"
        x.rate_limited_until = ctx.clock() + timedelta(minutes=10)

    async def scenario() -> None:
        app = build_app(ctx, "anna", "accounts")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            await until(pilot, lambda: bool(screen.overview.accounts), "the accounts")
            table = screen.query_one("#accounts-list", DataTable)
            row = [
                str(c) for c in table.get_row_at([a.id for a in screen.overview.accounts].index("sandbox-x"))
            ]
            assert "needs_reauth" in row and any(c.startswith("until ") for c in row)
            await pilot.press("p")  # a communicator may not pause: nothing happens
            await pilot.pause()
            assert app.screen is screen and list_pauses(ctx) == []

    asyncio.run(scenario())


def test_the_detail_shows_whom_the_token_speaks_for_and_what_to_do_next(
    sqlite_installation: Installation,
) -> None:
    ctx = sqlite_installation.ctx
    with ctx.db.write() as session:
        fb = session.get(Account, "sandbox-fb")
        assert fb is not None
        fb.token_handle = "Sandbox Iestāde"
        fb.token_scopes = ["pages_manage_posts", "pages_read_engagement"]
        fb.token_access_expires_at = ctx.clock() + timedelta(days=3)  # Meta stops giving data soon

    async def scenario() -> None:
        app = build_app(ctx, "karlis", "accounts")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, AccountsScreen)
            await until(pilot, lambda: bool(screen.overview.accounts), "the accounts")
            assert screen.overview.accounts[0].id == "sandbox-fb"
            detail = screen.query_one("#accounts-detail", Static)
            await until(pilot, lambda: "Verified: Sandbox Iestāde" in str(detail.render()), "the handle")
            shown = str(detail.render())
            assert "expires never" in shown and "pages_manage_posts" in shown
            assert "Next: reconnect before" in shown and "smtool account connect sandbox-fb" in shown

    asyncio.run(scenario())
