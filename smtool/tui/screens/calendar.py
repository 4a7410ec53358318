"""The publishing calendar: a week (accounts by days) or a month (weeks by days) of posts, and the
posts of that period in a list to open, reschedule or withdraw.

States a person must act on (failed, unknown, needs_reauth, expired) are counted in the title and
marked in red in the grid and the list, so they stand out whatever the period.
"""

from __future__ import annotations

import calendar as months
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from smtool.domain.roles import Action
from smtool.domain.states import ATTENTION_PUBLICATION_STATES, PostState
from smtool.domain.timezones import parse_local, to_local
from smtool.domain.words import counted
from smtool.errors import UsageError
from smtool.i18n import N_, _, current, format_clock, format_day, format_moment, month_name
from smtool.services.publishing import calendar
from smtool.services.publishing.approval import withdraw_post
from smtool.tui import words
from smtool.tui.screens.base import MainScreen
from smtool.tui.widgets.dialogs import ConfirmModal, LineModal
from smtool.tui.widgets.inert import one_line
from smtool.tui.widgets.post_detail import STATE_STYLES
from smtool.tui.widgets.post_modal import PostModal
from smtool.tui.widgets.tables import set_columns

View = Literal["week", "month"]
AWAITING = {"draft", "checked", "submitted", "rejected"}


@dataclass(frozen=True)
class Period:
    view: View
    first: date
    days: int

    @classmethod
    def around(cls, view: View, day: date) -> Period:
        if view == "week":
            return cls(view, day - timedelta(days=day.weekday()), 7)
        first = day.replace(day=1)
        return cls(view, first, months.monthrange(first.year, first.month)[1])

    def step(self, direction: int) -> Period:
        if self.view == "week":
            return Period.around("week", self.first + timedelta(days=7 * direction))
        moved = (
            self.first + timedelta(days=32 * direction) if direction > 0 else self.first - timedelta(days=1)
        )
        return Period.around("month", moved)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    def title(self) -> str:
        if self.view == "week":
            return _("Week {week}: {first} – {last}").format(
                week=self.first.isocalendar().week, first=format_day(self.first), last=format_day(self.last)
            )
        month = month_name(self.first)
        return f"{month[:1].upper()}{month[1:]} {self.first.year}"


def short_weekday(day: date) -> str:
    """The weekday in two letters, for the grid's narrow columns and the list ("Mo", Latvian "Pr"):
    CLDR's short form, which smtool.i18n.weekday_name does not offer."""
    from babel.dates import format_date

    return str(format_date(day, "EEEEEE", locale=current()))


@dataclass(frozen=True)
class Loaded:
    period: Period
    account: str | None
    counts: Counter[tuple[date, str, str]]
    page: calendar.CalendarPage


# The grid's marks: (mark, style, what it means, the states it counts). The cells and the legend
# under the grid are both drawn from this, so they cannot disagree.
MARKS: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("!", "bold red", N_("needs attention"), frozenset(ATTENTION_PUBLICATION_STATES)),
    ("✓", "green", N_("out"), frozenset({"published"})),
    ("◷", "cyan", N_("waiting to go out"), frozenset({"scheduled", "claimed", "sending"})),
    ("?", "yellow", N_("awaiting approval"), frozenset(AWAITING)),
)


def cell(counts: Counter[str]) -> Text:
    """A day's posts in a grid cell: each mark with its number (see MARKS)."""
    out = Text()
    for mark, style, _meaning, states in MARKS:
        number = sum(n for s, n in counts.items() if s in states)
        if number:
            out.append(f"{mark}{number}", style=style)
    return out


def legend() -> Text:
    """What the grid's marks mean, in one line."""
    return Text("  ").join(
        Text.assemble((mark, style), f" {_(meaning)}") for mark, style, meaning, _states in MARKS
    )


class CalendarScreen(MainScreen):
    TITLE_NAME = N_("Calendar")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_view", N_("View")),
        Binding("p", "step(-1)", N_("Prev")),
        Binding("n", "step(1)", N_("Next")),
        Binding("t", "today", N_("Today")),
        Binding("a", "next_account", N_("Acct")),
        Binding("o", "open", N_("Show")),  # not "Open": one English word, one Latvian (open items)
        Binding("s", "reschedule", N_("Move")),  # short: at 80 columns the footer holds every key
        Binding("x", "withdraw", N_("Withdraw")),
        Binding("m", "more", N_("More"), show=False),  # the list says "m for more" when there is more
        Binding("g", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.period = Period.around("week", self.today)
        self.account: str | None = None  # None: every account
        self.entries: list[calendar.Entry] = []
        self.next_page = calendar.CalendarPage([], None)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="calendar-main"):
            yield Static(id="calendar-title")
            yield Static(id="calendar-grid")
            yield Static(legend(), id="calendar-legend")
            yield DataTable[Text](id="calendar-list", cursor_type="row", zebra_stripes=True)
        yield Static(id="notice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#calendar-list", DataTable).focus()
        self.action_refresh()

    @property
    def today(self) -> date:
        return to_local(self.clock(), self.zone).date()

    # --- loading ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        period, account = self.period, self.account
        start, end = calendar.local_period(self.zone, period.first, period.days)

        def load() -> Loaded:
            return Loaded(
                period,
                account,
                calendar.day_counts(self.ctx, start, end),
                calendar.entries(self.ctx, start, end, account=account),
            )

        self.background(load, self._show, group="load")

    def _show(self, loaded: Loaded) -> None:
        if (loaded.period, loaded.account) != (self.period, self.account):
            return  # the person moved on to another period or account meanwhile
        self.entries = list(loaded.page.entries)
        self.next_page = loaded.page
        attention = sum(
            n for (_, _, state), n in loaded.counts.items() if state in ATTENTION_PUBLICATION_STATES
        )
        shown = self.account or _("all accounts")
        title = Text(f"{self.period.title()} · {shown}", style="bold")
        if attention:
            title.append("   ! " + _("{n} need attention").format(n=attention), style="bold red")
        self.query_one("#calendar-title", Static).update(title)
        self.query_one("#calendar-grid", Static).update(self._grid(loaded.counts))
        self._fill_list()

    def _grid(self, counts: Counter[tuple[date, str, str]]) -> Table:
        by_day: dict[date, Counter[str]] = {}
        by_account_day: dict[tuple[str, date], Counter[str]] = {}
        for (day, account, state), number in counts.items():
            if self.account in (None, account):
                by_day.setdefault(day, Counter())[state] += number
            by_account_day.setdefault((account, day), Counter())[state] += number
        grid = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, expand=True, show_edge=False)
        today = self.today
        if self.period.view == "week":
            grid.add_column(_("Account"), no_wrap=True, max_width=12)
            days = [self.period.first + timedelta(days=n) for n in range(7)]
            for day in days:
                grid.add_column(
                    Text(f"{short_weekday(day)} {day.day}", style="reverse" if day == today else "")
                )
            accounts = [self.account] if self.account else [a.id for a in self.ctx.settings.accounts]
            for account in accounts:
                grid.add_row(
                    Text(account), *(cell(by_account_day.get((account, d), Counter())) for d in days)
                )
            return grid
        first = self.period.first
        start = first - timedelta(days=first.weekday())
        for offset in range(7):
            grid.add_column(short_weekday(start + timedelta(days=offset)), no_wrap=True)
        while start <= self.period.last:
            row = []
            for offset in range(7):
                day = start + timedelta(days=offset)
                if day.month != first.month:
                    row.append(Text(""))
                    continue
                label = Text(f"{day.day:>2}", style="reverse" if day == today else "dim")
                label.append(" ")
                label.append_text(cell(by_day.get(day, Counter())))
                row.append(label)
            grid.add_row(*row)
            start += timedelta(days=7)
        return grid

    def on_resize(self) -> None:
        self._fill_list(self.query_one("#calendar-list", DataTable).cursor_row)

    def _fill_list(self, select: int = 0) -> None:
        table = self.query_one("#calendar-list", DataTable)
        columns = ((_("When"), 12), (_("Account"), 12), (_("State"), 14), ("#", 5))
        width = set_columns(table, columns, _("Text"))
        for n, entry in enumerate(self.entries):
            local = to_local(entry.at, self.zone)
            state = Text(words.state(entry.state), style=STATE_STYLES.get(entry.state, ""))
            if entry.attention:
                state = Text(f"! {words.state(entry.state)}", style=STATE_STYLES.get(entry.state, "bold red"))
            table.add_row(
                Text(f"{short_weekday(local)} {local.day:02} {format_clock(local)}"),
                Text(entry.account),
                state,
                Text(str(entry.post_id)),
                one_line(entry.text, width),
                key=str(n),
            )
        if self.entries:
            table.move_cursor(row=min(select, len(self.entries) - 1))
        more = _(" — m for more") if self.next_page.next_after else ""
        # A post on two accounts is two rows: count posts, not rows.
        posts = len({entry.post_id for entry in self.entries})
        table.border_title = (
            _("{posts}, times in {zone}").format(posts=counted(posts, "post", "posts"), zone=self.zone) + more
        )

    def action_more(self) -> None:
        after = self.next_page.next_after
        if after is None:
            self.notice(_("That is the whole period."), "dim")
            return
        period, account = self.period, self.account
        start, end = calendar.local_period(self.zone, period.first, period.days)

        def more(page: calendar.CalendarPage) -> None:
            if (period, account) == (self.period, self.account):
                selected = len(self.entries)
                self.entries.extend(page.entries)
                self.next_page = page
                self._fill_list(selected)

        self.background(
            lambda: calendar.entries(self.ctx, start, end, after=after, account=account), more, group="load"
        )

    # --- moving around ---------------------------------------------------------------------

    def action_toggle_view(self) -> None:
        view: View = "month" if self.period.view == "week" else "week"
        anchor = self.today if self.period.first <= self.today <= self.period.last else self.period.first
        self.period = Period.around(view, anchor)
        self.action_refresh()

    def action_next_account(self) -> None:
        """Every account, then each in turn."""
        order: list[str | None] = [None, *(a.id for a in self.ctx.settings.accounts)]
        self.account = order[(order.index(self.account) + 1) % len(order)] if self.account in order else None
        self.action_refresh()

    def action_step(self, direction: int) -> None:
        self.period = self.period.step(direction)
        self.action_refresh()

    def action_today(self) -> None:
        self.period = Period.around(self.period.view, self.today)
        self.action_refresh()

    # --- acting on one post ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # An author may move or withdraw their own post, an approver anyone's (services.publishing.calendar);
        # a role that can be neither (a manager, an administrator) is not offered either, and an
        # author sees the keys greyed out on someone else's post.
        if action not in ("reschedule", "withdraw") or self.may(Action.APPROVE_POST):
            return True
        if not self.may(Action.DRAFT_POST):
            return False
        entry = self._highlighted_entry()
        return True if entry is None or entry.author == self.user else None

    def _highlighted_entry(self) -> calendar.Entry | None:
        table = self.query_one("#calendar-list", DataTable)
        if not self.entries or not 0 <= table.cursor_row < len(self.entries):
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowHighlighted, "#calendar-list")
    def _row_moved(self) -> None:
        self.refresh_bindings()

    @property
    def current(self) -> calendar.Entry | None:
        table = self.query_one("#calendar-list", DataTable)
        if not self.entries or table.row_count == 0:
            self.notice(_("No post in this period; p and n move to another."), "yellow")
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowSelected, "#calendar-list")
    def action_open(self) -> None:
        entry = self.current
        if entry is not None:
            self.app.push_screen(PostModal(self.ctx, entry.post_id))

    def action_reschedule(self) -> None:
        entry = self.current
        if entry is None:
            return
        post_id = entry.post_id

        def moved(at: str | None) -> None:
            if at:
                self.background(
                    lambda: calendar.reschedule(self.ctx, self.user, post_id, at),
                    lambda state: self._rescheduled(post_id, at, state),
                    group="act",
                )

        self.app.push_screen(
            LineModal(
                _("Move post {id} to ({form}, {zone})").format(
                    id=post_id, form=_("YYYY-MM-DD HH:MM"), zone=self.zone
                ),
                value=format_moment(to_local(entry.at, self.zone)),
                check=self._check_time,
                dialog_id="reschedule",
            ),
            moved,
        )

    def _check_time(self, value: str) -> Text | None:
        try:
            moment = parse_local(value, self.zone)
        except UsageError as error:
            return Text(error.msg, style="red")
        if moment <= self.clock():
            return Text(_("That time has passed."), style="red")
        return None

    def _rescheduled(self, post_id: int, at: str, state: PostState) -> None:
        again = _(" It needs approval again.") if state == PostState.SUBMITTED else ""
        self.notice(_("Post {id} moved to {time}.").format(id=post_id, time=at) + again, "green")
        self.action_refresh()

    def action_withdraw(self) -> None:
        entry = self.current
        if entry is None:
            return
        post_id = entry.post_id

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.background(
                    lambda: withdraw_post(self.ctx, self.user, post_id),
                    lambda cancelled: self._withdrawn(post_id, cancelled),
                    group="act",
                )

        question = Text(
            _("Withdraw post {id}? What has not gone out is cancelled on every account.").format(id=post_id)
        )
        self.app.push_screen(ConfirmModal(question), confirmed)

    def _withdrawn(self, post_id: int, cancelled: list[int]) -> None:
        cancelled_count = counted(len(cancelled), "publication", "publications")
        self.notice(
            _("Post {id} withdrawn; {publications} cancelled.").format(
                id=post_id, publications=cancelled_count
            ),
            "green",
        )
        self.action_refresh()
