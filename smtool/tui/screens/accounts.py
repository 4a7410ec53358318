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
from smtool.i18n import N_, _, format_clock, format_moment
from smtool.services.publishing import calendar, pauses
from smtool.tui import words
from smtool.tui.screens.base import MainScreen
from smtool.tui.widgets.dialogs import LineModal
from smtool.tui.widgets.inert import inert_text

# Account kinds (config.toml's `kind`).
KINDS = {"institution": N_("institution"), "official": N_("official"), "personal": N_("personal")}
TOKEN_STYLES = {"ok": "green", "missing": "bold yellow", "needs_reauth": "bold white on magenta"}


class AccountsScreen(MainScreen):
    TITLE_NAME = N_("Accounts")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pause", N_("Pause")),
        Binding("u", "resume", N_("Resume")),
        Binding("P", "pause('*')", N_("Pause all")),
        Binding("U", "resume('*')", N_("Resume all")),
        Binding("g", "refresh", N_("Refresh")),
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
        table.border_title = _("Accounts")
        # (header, the narrowest its values need): as wide as the header in the reader's language
        # ("Platforma"), counts no wider, so that the last column keeps room at 80 columns.
        columns = (
            (_("Account"), 12),
            (_("Platform"), 8),
            (_("Token"), 12),
            (_("Rate limit"), 11),
            (_("Waiting"), 1),
            (_("Attention"), 1),
        )
        for label, width in columns:
            table.add_column(label, width=max(width, len(label)))
        table.add_column(_("Paused"))
        table.focus()
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pause", "resume"):
            return self.may(Action.PAUSE_PUBLISHING)
        return True

    def action_refresh(self) -> None:
        self.background(lambda: calendar.account_overview(self.ctx), self._show, group="load")

    def _local(self, moment: datetime) -> str:
        return format_clock(to_local(moment, self.zone))

    def _show(self, overview: calendar.Overview) -> None:
        self.overview = overview
        banner = self.query_one("#accounts-all", Static)
        if overview.paused_all:
            banner.update(
                Text.assemble(
                    (_("ALL PUBLISHING PAUSED: "), "bold white on red"), inert_text(overview.paused_all)
                )
            )
        else:
            banner.update(Text(_("Publishing runs on every account that is not paused."), style="green"))
        table = self.query_one("#accounts-list", DataTable)
        row = table.cursor_row
        table.clear()
        for account in overview.accounts:
            limited = account.rate_limited_until
            table.add_row(
                inert_text(account.id),
                Text(account.platform),
                Text(words.state(account.token_status), style=TOKEN_STYLES.get(account.token_status, "")),
                Text(_("until {time}").format(time=self._local(limited)), style="yellow")
                if limited
                else Text(words.state("ok"), style="green"),
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
            return Text(_("all paused"), style="bold red")
        return Text(_("no"), style="dim")

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        account = self._selected(quiet=True)
        detail = self.query_one("#accounts-detail", Static)
        if account is None:
            detail.update("")
            return
        text = Text.assemble((account.id, "bold"), f" {account.platform} ", inert_text(account.handle))
        kind = _(KINDS[account.kind]) if account.kind in KINDS else account.kind
        gone = "" if account.active else _(", no longer managed")
        text.append(f" ({kind}{gone})")
        if account.paused:  # its column is cut short at 80 columns: the reason in full here
            text.append("\n" + _("Paused: "), style="bold red")
            text.append_text(inert_text(account.paused))
        if self.overview.paused_all:
            text.append("\n" + _("All publishing is paused: "), style="bold red")
            text.append_text(inert_text(self.overview.paused_all))
        if account.token_set_at:
            text.append("\n" + _("Token set {moment}.").format(moment=self._when(account.token_set_at)))
        token = account.token
        if token is not None and token.token_handle:
            text.append("\n" + _("Verified: "))
            text.append_text(inert_text(token.token_handle))
            expires = token.token_expires_at
            text.append(_("; expires {moment}").format(moment=self._when(expires) if expires else _("never")))
            if token.token_refreshed_at:
                text.append(_("; refreshed {moment}").format(moment=self._when(token.token_refreshed_at)))
            text.append("\n" + _("Scopes: "))
            text.append_text(inert_text(" ".join(token.token_scopes) or _("not reported")))
        if token is not None and token.token_problem:
            text.append("\n")
            text.append_text(inert_text(token.token_problem, style="bold magenta"))
        if token is not None and token.health is not None:
            style = "yellow" if token.health.urgent else "green"
            text.append("\n" + _("Next: {action}").format(action=token.health.action), style=style)
        detail.update(text)

    def _when(self, moment: datetime) -> str:
        return format_moment(to_local(moment, self.zone))

    def _selected(self, quiet: bool = False) -> calendar.AccountState | None:
        table = self.query_one("#accounts-list", DataTable)
        if not self.overview.accounts or table.row_count == 0:
            if not quiet:
                self.notice(_("No account is configured."), "yellow")
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
        what = (
            _("all publishing")
            if chosen == pauses.ALL
            else _("publishing on {account}").format(account=chosen)
        )

        def reasoned(reason: str | None) -> None:
            if reason:
                self.background(
                    lambda: pauses.pause(self.ctx, self.user, chosen, reason),
                    lambda _done: self._done(_("Paused {what}.").format(what=what)),
                    group="act",
                )

        self.app.push_screen(
            LineModal(_("Pause {what}: why? (everyone sees this)").format(what=what), dialog_id="pause"),
            reasoned,
        )

    def action_resume(self, scope: str | None = None) -> None:
        chosen = self._scope(scope)
        if chosen is None:
            return
        what = (
            _("all publishing")
            if chosen == pauses.ALL
            else _("publishing on {account}").format(account=chosen)
        )
        self.background(
            lambda: pauses.resume(self.ctx, self.user, chosen),
            lambda _done: self._done(_("Resumed {what}.").format(what=what)),
            group="act",
        )

    def _done(self, notice: str) -> None:
        self.notice(notice, "green")
        self.action_refresh()
