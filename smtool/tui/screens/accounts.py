"""The accounts: token health, the platform's rate limits, pauses and what waits to go out.

A crisis pause (services.publishing.pauses) stops publishing on one account or all of them; nothing is lost,
the publications wait as scheduled until the pause is lifted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from smtool.domain.roles import Action
from smtool.domain.timezones import to_local
from smtool.services.publishing import calendar, pauses
from smtool.tui.screens.base import MainScreen
from smtool.tui.widgets.dialogs import LineModal
from smtool.tui.widgets.inert import inert_text

TOKEN_STYLES = {"ok": "green", "missing": "bold yellow", "needs_reauth": "bold white on magenta"}


class AccountsScreen(MainScreen):
    TITLE_NAME = "Accounts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pause", "Pause"),
        Binding("u", "resume", "Resume"),
        Binding("P", "pause('*')", "Pause all"),
        Binding("U", "resume('*')", "Resume all"),
        Binding("g", "refresh", "Refresh"),
    ]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.overview = calendar.Overview([], None)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="accounts-main"):
            yield Static(id="accounts-all")
            yield DataTable[Text](id="accounts-list", cursor_type="row", zebra_stripes=True)
            yield Static(id="accounts-detail")
        yield Static(id="notice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#accounts-list", DataTable)
        table.border_title = "Accounts"
        columns = (
            ("Account", 12),
            ("Platform", 8),
            ("Token", 12),
            ("Rate limit", 11),
            ("Waiting", 7),
            ("Attention", 9),
        )
        for label, width in columns:
            table.add_column(label, width=width)
        table.add_column("Paused")
        table.focus()
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pause", "resume"):
            return self.may(Action.PAUSE_PUBLISHING)
        return True

    def action_refresh(self) -> None:
        self.background(lambda: calendar.account_overview(self.ctx), self._show, group="load")

    def _local(self, moment: datetime) -> str:
        return f"{to_local(moment, self.zone):%H:%M}"

    def _show(self, overview: calendar.Overview) -> None:
        self.overview = overview
        banner = self.query_one("#accounts-all", Static)
        if overview.paused_all:
            banner.update(
                Text.assemble(
                    ("ALL PUBLISHING PAUSED: ", "bold white on red"), inert_text(overview.paused_all)
                )
            )
        else:
            banner.update(Text("Publishing runs on every account that is not paused.", style="green"))
        table = self.query_one("#accounts-list", DataTable)
        row = table.cursor_row
        table.clear()
        for account in overview.accounts:
            limited = account.rate_limited_until
            table.add_row(
                inert_text(account.id),
                Text(account.platform),
                Text(account.token_status, style=TOKEN_STYLES.get(account.token_status, "")),
                Text(f"until {self._local(limited)}", style="yellow")
                if limited
                else Text("ok", style="green"),
                Text(str(account.scheduled)),
                Text(str(account.attention), style="bold red" if account.attention else "dim"),
                self._paused_cell(account, overview),
            )
        if overview.accounts:
            table.move_cursor(row=min(row, len(overview.accounts) - 1))
        self._detail()

    @staticmethod
    def _paused_cell(account: calendar.AccountState, overview: calendar.Overview) -> Text:
        # Under a pause of all publishing no account is "not paused": the row says so too.
        if account.paused:
            return inert_text(account.paused, style="bold red")
        if overview.paused_all:
            return Text("all paused", style="bold red")
        return Text("no", style="dim")

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        account = self._selected(quiet=True)
        detail = self.query_one("#accounts-detail", Static)
        if account is None:
            detail.update("")
            return
        text = Text.assemble((account.id, "bold"), f" {account.platform} ", inert_text(account.handle))
        text.append(f" ({account.kind}{'' if account.active else ', no longer managed'})")
        if account.paused:  # its column is cut short at 80 columns: the reason in full here
            text.append("\nPaused: ", style="bold red")
            text.append_text(inert_text(account.paused))
        if self.overview.paused_all:
            text.append("\nAll publishing is paused: ", style="bold red")
            text.append_text(inert_text(self.overview.paused_all))
        if account.token_set_at:
            text.append(f"\nToken set {to_local(account.token_set_at, self.zone):%Y-%m-%d %H:%M}.")
        token = account.token
        if token is not None and token.token_handle:
            text.append("\nVerified: ")
            text.append_text(inert_text(token.token_handle))
            expires = token.token_expires_at
            text.append(f"; expires {self._when(expires) if expires else 'never'}")
            if token.token_refreshed_at:
                text.append(f"; refreshed {self._when(token.token_refreshed_at)}")
            text.append("\nScopes: ")
            text.append_text(inert_text(" ".join(token.token_scopes) or "not reported"))
        if token is not None and token.token_problem:
            text.append("\n")
            text.append_text(inert_text(token.token_problem, style="bold magenta"))
        if token is not None and token.health is not None:
            style = "yellow" if token.health.urgent else "green"
            text.append(f"\nNext: {token.health.action}", style=style)
        detail.update(text)

    def _when(self, moment: datetime) -> str:
        return f"{to_local(moment, self.zone):%Y-%m-%d %H:%M}"

    def _selected(self, quiet: bool = False) -> calendar.AccountState | None:
        table = self.query_one("#accounts-list", DataTable)
        if not self.overview.accounts or table.row_count == 0:
            if not quiet:
                self.notice("No account is configured.", "yellow")
            return None
        return self.overview.accounts[table.cursor_row]

    def _scope(self, scope: str | None) -> str | None:
        if scope == pauses.ALL:
            return scope
        account = self._selected()
        return account.id if account else None

    def action_pause(self, scope: str | None = None) -> None:
        chosen = self._scope(scope)
        if chosen is None:
            return
        what = "all publishing" if chosen == pauses.ALL else f"publishing on {chosen}"

        def reasoned(reason: str | None) -> None:
            if reason:
                self.background(
                    lambda: pauses.pause(self.ctx, self.user, chosen, reason),
                    lambda _: self._done(f"Paused {what}."),
                    group="act",
                )

        self.app.push_screen(
            LineModal(f"Pause {what}: why? (everyone sees this)", dialog_id="pause"), reasoned
        )

    def action_resume(self, scope: str | None = None) -> None:
        chosen = self._scope(scope)
        if chosen is None:
            return
        what = "all publishing" if chosen == pauses.ALL else f"publishing on {chosen}"
        self.background(
            lambda: pauses.resume(self.ctx, self.user, chosen),
            lambda _: self._done(f"Resumed {what}."),
            group="act",
        )

    def _done(self, notice: str) -> None:
        self.notice(notice, "green")
        self.action_refresh()
