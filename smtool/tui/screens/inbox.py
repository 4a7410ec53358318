"""The moderation queue: filters, items most urgent first in keyset pages, one item in detail with
its thread and its author's earlier items, and the press officer's actions.

Reading citizens' data is audited (services.monitoring.reading): one row when a page of the queue
is loaded for new filters or the next page, and one the first time each item is opened here; the
periodic refresh and the reloads after an action re-read what was already recorded and do not
repeat it. A person the item's account does not allow to reply publicly proposes the reply (r);
those it allows see a waiting proposal in the item and approve (y) or reject (j) it.

Every action passes the version the officer last saw, so when someone else acted first the service
refuses with a Conflict; the screen then says so in its notice line and reloads what is current.
A claim is a lease: while this screen holds claims, a heartbeat renews them. The set of claims held
changes on the event loop only: an action's worker thread posts `ClaimsChanged` instead of touching
it, so the heartbeat never reads it while a thread changes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from smtool.domain.roles import Action
from smtool.domain.words import counted, noun
from smtool.errors import Conflict
from smtool.i18n import N_, _
from smtool.services.monitoring import proposals, queue, reading
from smtool.services.monitoring.views import InboxItemDetail, InboxItemView, ProposalView
from smtool.services.publishing import pauses
from smtool.tui import words
from smtool.tui.screens.base import MainScreen
from smtool.tui.screens.moderation import Acted, ReplyModal
from smtool.tui.widgets.dialogs import ChoiceModal, LineModal
from smtool.tui.widgets.error_modal import in_tui_words
from smtool.tui.widgets.inert import inert_text, one_line
from smtool.tui.widgets.item_detail import ItemDetail
from smtool.tui.widgets.tables import set_columns
from smtool.tui.work import ServiceFailed


@dataclass(frozen=True)
class Filters:
    state: str | None = None
    flag: str | None = None
    team: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class Detail:
    item: InboxItemDetail
    around: reading.Surroundings
    may_reply: bool  # the item's account lets this user reply (and decide proposals) there
    recorded: bool  # this read wrote the audit row of the item's opening


class ClaimsChanged(Message):
    """An action in a worker thread took the claim on an item (`held`) or ended it."""

    def __init__(self, item_id: int, held: bool) -> None:
        super().__init__()
        self.item_id = item_id
        self.held = held


class InboxScreen(MainScreen):
    """A press officer's (or specialist's) queue."""

    TITLE_NAME = N_("Inbox")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "claim", N_("Claim next")),
        Binding("r", "reply", N_("Reply")),
        Binding("h", "hide", N_("Hide")),
        Binding("e", "resolve", N_("Resolve")),
        Binding("a", "assign", N_("Assign")),
        Binding("y", "approve_reply", N_("Approve reply")),
        Binding("j", "reject_reply", N_("Reject reply")),
        Binding("u", "unhide", N_("Unhide"), show=False),
        Binding("s", "spam", N_("Spam"), show=False),
        Binding("n", "more", N_("More"), show=False),
        Binding("slash", "search", N_("Search"), show=False),
        Binding("g", "refresh", N_("Refresh"), show=False),
    ]

    PAGE_SIZE = 50
    REFRESH_SECONDS = 30.0  # new items appear without a key press

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.items: dict[int, InboxItemView] = {}
        self.next_cursor: str | None = None
        configured = self.ctx.settings.user(self.user)
        # A specialist answers what is routed to their team: the queue opens on it.
        own_team = configured.team if configured and not self.may(Action.MODERATE) else None
        self.filters = Filters(team=own_team)
        # Items this screen claimed; the heartbeat renews them. Changed on the event loop only.
        self.held: set[int] = set()
        self._heartbeat: Timer | None = None
        self.detail: Detail | None = None  # the selected item as last read in full
        # Items whose reading this screen has recorded in the audit log (one row per item opened).
        self.opened: set[int] = set()
        self._detail_loading: int | None = None  # the item whose read is under way

    def compose(self) -> ComposeResult:
        teams = sorted(
            {u.team for u in self.ctx.settings.users if u.team} | {self.ctx.settings.inbox.default_team}
        )
        yield Header()
        with Horizontal(id="inbox-filters"):
            yield Select(
                [(words.state(s), s) for s in queue.ALL_STATES],
                prompt=_("open items"),
                id="filter-state",
                compact=True,
            )
            yield Select(
                [(words.flag(f), f) for f in queue.FLAGS],
                prompt=_("any flag"),
                id="filter-flag",
                compact=True,
            )
            yield Select(
                [(t, t) for t in teams],
                prompt=_("any team"),
                id="filter-team",
                compact=True,
                value=self.filters.team or Select.NULL,
            )
            yield Input(placeholder=_("/ search words, Enter"), id="filter-search", compact=True)
        with Vertical(id="inbox-main"):
            yield DataTable[Text](id="inbox-items", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="inbox-detail"):
                yield ItemDetail(id="item-detail")
                yield Static(id="item-around")
        yield Static(id="notice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#inbox-detail").border_title = _("Item")
        table = self.query_one("#inbox-items", DataTable)
        table.border_title = _("Queue")
        table.focus()
        beat = max(self.ctx.settings.inbox.lease_seconds / 3, 1)
        self._heartbeat = self.set_interval(beat, self._renew_claims)
        self.set_interval(self.REFRESH_SECONDS, self._refresh_queue)
        self.load(record=True)

    def on_resize(self) -> None:
        self._fill_table(select_id=self.current_id)

    def _fill_table(self, select_id: int | None) -> None:
        """(Re)build the table from `items`."""
        table = self.query_one("#inbox-items", DataTable)
        # P: priority; H after the state: hidden (one letter each, in the reader's language).
        # The state column fits the longest state in the reader's language (8 cells in English).
        state_width = max(8, *(len(words.state(s)) for s in queue.ALL_STATES))
        columns = (("#", 4), (_("P"), 1), (_("State"), state_width), (_("Author"), 14))
        text_width = set_columns(table, columns, _("Text"))
        hidden = " " + _("H")
        for item in self.items.values():
            table.add_row(
                Text(str(item["id"])),
                Text(str(item["priority"])),
                Text(words.state(str(item["state"])) + (hidden if item["hidden"] else "")),
                one_line(item["author"], 14),
                one_line(item["text"], text_width),
                key=str(item["id"]),
            )
        if select_id is not None and select_id in self.items:
            table.move_cursor(row=table.get_row_index(str(select_id)))

    # --- filters ---------------------------------------------------------------------------

    @on(Select.Changed)
    @on(Input.Submitted, "#filter-search")
    def _filters_changed(self) -> None:
        def chosen(selector: str) -> str | None:
            value = self.query_one(selector, Select).selection
            return str(value) if value is not None else None

        search = self.query_one("#filter-search", Input).value.strip() or None
        self.filters = Filters(
            chosen("#filter-state"), chosen("#filter-flag"), chosen("#filter-team"), search
        )
        self.query_one("#inbox-items", DataTable).focus()
        self.load(record=True)

    def action_search(self) -> None:
        self.query_one("#filter-search", Input).focus()

    # --- reading ---------------------------------------------------------------------------

    def load(
        self,
        after: str | None = None,
        select_id: int | None = None,
        record: bool = False,
        *,
        keep_order: bool = False,
    ) -> None:
        """Read a page; `record` when it is a new read (new filters, the next page), not a re-read.
        `keep_order` (the periodic refresh) keeps the rows where they are and the cursor on its item."""
        f = self.filters

        def read() -> reading.Page:
            return reading.read_queue(
                self.ctx,
                self.user,
                state=f.state,
                flag=f.flag,
                team=f.team,
                search=f.search,
                limit=self.PAGE_SIZE,
                after=after,
                record=record,
            )

        self.background(
            read, lambda page: self._page_loaded(page, after is not None, select_id, keep_order), group="list"
        )

    def _page_loaded(self, page: reading.Page, append: bool, select_id: int | None, keep_order: bool) -> None:
        fresh = {item["id"]: item for item in page.items}
        if keep_order:
            # Not re-sorted under the reader's eyes: the rows stay in place, items closed or gone
            # leave, new ones join at the end, and the cursor stays on the item it is on now (the
            # one at the request may have been left since). g sorts the queue again.
            select_id = self.current_id
            arrived = [i for i in fresh if i not in self.items]
            order = [i for i in self.items if i in fresh] + arrived
            self.items = {i: fresh[i] for i in order}
            if arrived:
                self.notice(
                    _("{items} at the end of the list; g sorts the queue.").format(
                        items=counted(len(arrived), "new item", "new items")
                    ),
                    "cyan",
                )
        else:
            if not append:
                self.items.clear()
            self.items.update(fresh)
        self.next_cursor = page.next_cursor
        self._fill_table(select_id)
        table = self.query_one("#inbox-items", DataTable)
        shown = len(self.items) if not self.next_cursor else 2  # "12+ items": more than one
        more = "+" if self.next_cursor else ""
        table.border_title = _("Queue: {n}{more} {items}").format(
            n=len(self.items), more=more, items=noun(shown, "item", "items")
        )
        if not self.items:
            self.query_one(ItemDetail).show_item(None)
            self.query_one("#item-around", Static).update("")
        elif self.next_cursor:
            self.notice(
                _("{items} shown; press n for more.").format(items=counted(len(self.items), "item", "items")),
                "dim",
            )
        current = self.current_id
        if current is not None:
            self.load_detail(current)

    @property
    def current_id(self) -> int | None:
        table = self.query_one("#inbox-items", DataTable)
        if not self.items or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    @property
    def current(self) -> InboxItemView | None:
        """The selected item as last read (the detail if loaded: it is the freshest)."""
        item_id = self.current_id
        if item_id is None:
            return None
        detail = self.query_one(ItemDetail).item
        if detail is not None and detail["id"] == item_id:
            return detail
        return self.items.get(item_id)

    @on(DataTable.RowHighlighted, "#inbox-items")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.refresh_bindings()  # what the footer offers depends on the item (hiding)
            self.load_detail(int(event.row_key.value))

    def load_detail(self, item_id: int) -> None:
        # The page load and the row highlight both ask for the selected item: one read is enough,
        # and one audit row. Marked opened only when a recorded read came back (a superseded worker
        # may never have run), so an item is recorded at least once and, but for that, only once.
        if item_id == self._detail_loading:
            return
        self._detail_loading = item_id
        record = item_id not in self.opened

        def read() -> Detail:
            got = reading.read_item(self.ctx, self.user, item_id, around=10, record=record)
            may_reply = proposals.may_decide(self.ctx, self.user, got.item["account"])
            return Detail(got.item, got.around, may_reply, record)

        self.background(read, self._detail_loaded, group="detail")

    def _detail_loaded(self, detail: Detail) -> None:
        item_id = detail.item["id"]
        if self._detail_loading == item_id:
            self._detail_loading = None
        if detail.recorded:
            self.opened.add(item_id)
        if item_id != self.current_id:
            return
        self.query_one(ItemDetail).show_item(detail.item)
        self.query_one("#item-around", Static).update(render_surroundings(detail.around))
        self.detail = detail
        self.refresh_bindings()
        if detail.item["claimed_by"] != self.user:
            self.held.discard(item_id)

    # --- claims and their heartbeat -------------------------------------------------------------

    def action_claim(self) -> None:
        """Claim the most urgent claimable item among those listed (so under the filters and search
        in force, never one outside them); the list then selects it and the pane shows it."""
        shown = list(self.items)
        more = self.next_cursor is not None

        def run() -> tuple[str, int | None]:
            claimed = queue.claim_next(self.ctx, self.user, team=self.filters.team, among=shown)
            if claimed is None:
                if more:
                    return _("Nothing to claim among the {n} items shown; press n for more.").format(
                        n=len(shown)
                    ), None
                if self.filters != Filters():
                    return _("Nothing to claim under these filters: every item is claimed or closed."), None
                return _("Nothing to claim: every open item is claimed or the queue is empty."), None
            self.post_message(ClaimsChanged(claimed["id"], held=True))
            return _("Claimed item {id}.").format(id=claimed["id"]), claimed["id"]

        self.act(run)

    def _refresh_queue(self) -> None:
        # Only when this screen is in front (no dialog open) and shows just the first page, which
        # a reload would otherwise cut back to.
        if self.is_current and len(self.items) <= self.PAGE_SIZE:
            self.load(keep_order=True)

    def _renew_claims(self) -> None:
        held = sorted(self.held)
        if not held:
            return

        def renew() -> list[int]:
            lost = []
            for item_id in held:
                try:
                    queue.heartbeat(self.ctx, self.user, item_id)
                except Conflict:
                    lost.append(item_id)
            return lost

        self.background(renew, self._claims_renewed, group="heartbeat")

    def on_claims_changed(self, message: ClaimsChanged) -> None:
        message.stop()
        if message.held:
            self.held.add(message.item_id)
        else:
            self.held.discard(message.item_id)

    def _claims_renewed(self, lost: list[int]) -> None:
        for item_id in lost:
            self.held.discard(item_id)
        if lost:
            self.notice(
                _("Your claim on {items} {ids} lapsed; claim again.").format(
                    items=noun(len(lost), "item", "items"), ids=", ".join(map(str, lost))
                ),
                "bold red",
            )

    # --- acting on the selected item ---------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide":
            # Offered only where the platform allows it (X: replies to our posts, not mentions).
            item = self.current
            refused = item is None or queue.hide_refusal(item["platform"], item["kind"]) is not None
            return self.may(Action.MODERATE) and not refused
        if action in ("unhide", "spam", "assign"):
            return self.may(Action.MODERATE)
        if action in ("approve_reply", "reject_reply"):
            return self._waiting_proposal() is not None
        return True

    def _waiting_proposal(self) -> ProposalView | None:
        """The proposal waiting on the selected item, when this user may decide it."""
        detail = self.detail
        if detail is None or not detail.may_reply or detail.item["id"] != self.current_id:
            return None
        return next((p for p in reversed(detail.item["proposals"]) if p["state"] == "proposed"), None)

    def _on_selected(self, what: Callable[[int, int, InboxItemView], None]) -> None:
        item = self.current
        if item is None:
            self.notice(_("Select an item first (or press c to claim the next one)."), "yellow")
            return
        what(item["id"], item["version"], item)

    def action_reply(self) -> None:
        def ask(item_id: int, version: int, item: InboxItemView) -> None:
            # Someone the account does not allow to reply publicly proposes the text instead.
            proposing = not proposals.may_decide(self.ctx, self.user, str(item["account"]))
            do = self._propose if proposing else self._reply

            def send(text: str) -> Acted:
                # The version last read: after a conflict the screen reads the item again, and the
                # writer, told what changed, may send the same text on what is there now.
                return do(item_id, self._version_of(item_id, version), text)

            def done(outcome: Acted | None) -> None:
                if outcome is not None:
                    self._acted(outcome)

            modal = ReplyModal(
                self.ctx,
                self.user,
                item_id,
                str(item["account"]),
                str(item["text"]),
                send=send,
                on_conflict=lambda: self.load(select_id=item_id),
                proposing=proposing,
            )
            self.app.push_screen(modal, done)

        self._on_selected(ask)

    def _reply(self, item_id: int, version: int, text: str) -> tuple[str, int | None]:
        publication = queue.reply(self.ctx, self.user, item_id, text, expected_version=version)
        queued = pauses.queued_note(self.ctx, publication)
        return _("Reply to item {id} is in the outbox (publication {publication}); {queued}.").format(
            id=item_id, publication=publication, queued=queued
        ), item_id

    def _propose(self, item_id: int, version: int, text: str) -> tuple[str, int | None]:
        proposal = proposals.propose(self.ctx, self.user, item_id, text, expected_version=version)
        return _("Reply to item {id} proposed (#{proposal}); it waits for approval.").format(
            id=item_id, proposal=proposal["id"]
        ), item_id

    def action_approve_reply(self) -> None:
        proposal = self._waiting_proposal()
        if proposal is None:
            self.notice(_("No proposed reply that you may approve is waiting on this item."), "yellow")
            return
        item_id, digest, version = proposal["item"], proposal["content_hash"], self._version()

        def approve() -> tuple[str, int | None]:
            # The hash of the text shown: a proposal replaced meanwhile is refused, never sent.
            publication = proposals.approve(self.ctx, self.user, item_id, digest, expected_version=version)
            queued = pauses.queued_note(self.ctx, publication)
            return _("Reply to item {id} approved, publication {publication}; {queued}.").format(
                id=item_id, publication=publication, queued=queued
            ), item_id

        self.act(approve)

    def action_reject_reply(self) -> None:
        proposal = self._waiting_proposal()
        if proposal is None:
            self.notice(_("No proposed reply that you may reject is waiting on this item."), "yellow")
            return
        item_id = proposal["item"]

        def chosen(reason: str | None) -> None:
            if reason is not None:
                self.act(lambda: self._reject(item_id, reason))

        title = _("Reject the reply {author} proposed to item {id}: why? (they read it)").format(
            author=proposal["author"], id=item_id
        )
        self.app.push_screen(LineModal(title, quote=inert_text(proposal["text"]), dialog_id="reject"), chosen)

    def _reject(self, item_id: int, reason: str) -> tuple[str, int | None]:
        proposals.reject(self.ctx, self.user, item_id, reason)
        return _("Proposed reply to item {id} rejected; nothing was sent.").format(id=item_id), item_id

    def _version(self) -> int | None:
        return self.detail.item["version"] if self.detail is not None else None

    def _version_of(self, item_id: int, seen: int) -> int:
        """The item's version as this screen last read it in full, else the one the action began with."""
        detail = self.detail
        return detail.item["version"] if detail is not None and detail.item["id"] == item_id else seen

    def action_hide(self) -> None:
        def ask(item_id: int, version: int, item: InboxItemView) -> None:
            def chosen(reason: str | None) -> None:
                if reason is not None:
                    self.act(lambda: self._hide(item_id, version, reason))

            reasons = [(r, r) for r in self.ctx.settings.inbox.hide_reasons]
            title = _("Hide item {id}: why? (the comment policy's reasons; the record stays)").format(
                id=item_id
            )
            self.app.push_screen(ChoiceModal(title, reasons, dialog_id="hide"), chosen)

        self._on_selected(ask)

    def _hide(self, item_id: int, version: int, reason: str) -> tuple[str, int | None]:
        queue.hide(self.ctx, self.user, item_id, reason, expected_version=version)
        return _("Item {id} hidden ({reason}); the record stays.").format(id=item_id, reason=reason), item_id

    def action_unhide(self) -> None:
        def run(item_id: int, version: int, _item: InboxItemView) -> None:
            def unhide() -> tuple[str, int | None]:
                queue.unhide(self.ctx, self.user, item_id, expected_version=version)
                return _("Item {id} is shown again.").format(id=item_id), item_id

            self.act(unhide)

        self._on_selected(run)

    def action_assign(self) -> None:
        def ask(item_id: int, version: int, item: InboxItemView) -> None:
            users = [u for u in self.ctx.settings.users if {"specialist", "press_officer"} & set(u.roles)]
            teams = sorted(
                {u.team for u in self.ctx.settings.users if u.team} | {self.ctx.settings.inbox.default_team}
            )
            no_team = _("no team")
            options = [(u.name, f"{u.name} ({u.team or no_team})") for u in users if u.name != self.user]
            options += [(team, _("team {team}").format(team=team)) for team in teams]

            def chosen(target: str | None) -> None:
                if target is not None:
                    self.act(lambda: self._assign(item_id, version, target))

            self.app.push_screen(
                ChoiceModal(_("Assign item {id} to").format(id=item_id), options, dialog_id="assign"), chosen
            )

        self._on_selected(ask)

    def _assign(self, item_id: int, version: int, target: str) -> tuple[str, int | None]:
        kind = queue.assign(self.ctx, self.user, item_id, target, expected_version=version)
        self.post_message(ClaimsChanged(item_id, held=False))
        if kind == "team":
            return _("Item {id} assigned to team {team}.").format(id=item_id, team=target), item_id
        return _("Item {id} assigned to {person}.").format(id=item_id, person=target), item_id

    def action_resolve(self) -> None:
        self._close(queue.resolve, N_("Item {id} resolved."))

    def action_spam(self) -> None:
        self._close(queue.mark_spam, N_("Item {id} marked spam."))

    def _close(self, close: Callable[..., None], done: str) -> None:
        """`done`: the notice, marked with N_ (translated here, when it is shown)."""

        def run(item_id: int, version: int, _item: InboxItemView) -> None:
            def act() -> tuple[str, int | None]:
                close(self.ctx, self.user, item_id, expected_version=version)
                self.post_message(ClaimsChanged(item_id, held=False))
                return _(done).format(id=item_id), None

            self.act(act)

        self._on_selected(run)

    def action_more(self) -> None:
        if self.next_cursor is None:
            self.notice(_("That is the whole queue."), "dim")
        else:
            self.load(after=self.next_cursor, select_id=self.current_id, record=True)

    def action_refresh(self) -> None:
        self.notice("")
        self.load(select_id=self.current_id)

    def act(self, call: Callable[[], tuple[str, int | None]]) -> None:
        self.background(call, self._acted, group="act")

    def _acted(self, outcome: tuple[str, int | None]) -> None:
        notice, select_id = outcome
        self.notice(notice, "green")
        self.load(select_id=select_id if select_id is not None else self.current_id)

    def on_service_failed(self, message: ServiceFailed) -> None:
        self._detail_loading = None  # a failed read may be tried again
        # The modal (shown by the app) says what happened; the notice line keeps it visible after.
        if isinstance(message.error, Conflict):
            said = in_tui_words(message.error).msg
            self.notice(inert_text(_("Someone else acted first: {what}").format(what=said), style="bold red"))
            self.load(select_id=self.current_id)


def render_surroundings(around: reading.Surroundings) -> Text:
    """The thread and the author's earlier items under the item, one inert line each."""
    text = Text()
    for title, items in ((_("Thread:"), around.thread), (_("Author's earlier items:"), around.earlier)):
        if not items:
            continue
        text.append(f"\n{title}", style="bold")
        for item in items:
            text.append(f"\n  #{item['id']} {words.state(str(item['state'])):<8} ", style="dim")
            text.append_text(one_line(item["author"], 14))
            text.append(": ")
            text.append_text(one_line(item["text"], 60))
    return text
