"""The moderation queue: items most urgent first, one in detail, and the press officer's actions.

Every action passes the version the officer last saw, so when someone else acted first the service
refuses with a Conflict; the screen then says so in its notice line and reloads what is current.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from smtool.errors import Conflict
from smtool.services import inbox
from smtool.services.context import Context
from smtool.tui.screens.moderation import HideModal, ReplyModal
from smtool.tui.widgets.inert import inert_text, one_line
from smtool.tui.widgets.item_detail import ItemDetail
from smtool.tui.work import ServiceFailed, guarded


class InboxScreen(Screen[None]):
    """A press officer's queue. Lists are read in pages with the service's keyset cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "claim", "Claim next"),
        Binding("r", "reply", "Reply"),
        Binding("h", "hide", "Hide"),
        Binding("e", "resolve", "Resolve"),
        Binding("n", "more", "More"),
        Binding("g", "refresh", "Refresh"),
    ]

    PAGE_SIZE = 50

    class PageLoaded(Message):
        def __init__(self, page: inbox.Page, append: bool, select_id: int | None) -> None:
            super().__init__()
            self.page = page
            self.append = append
            self.select_id = select_id

    class DetailLoaded(Message):
        def __init__(self, item: dict[str, Any]) -> None:
            super().__init__()
            self.item = item

    class ActionDone(Message):
        def __init__(self, notice: str, select_id: int | None) -> None:
            super().__init__()
            self.notice = notice
            self.select_id = select_id

    def __init__(self, ctx: Context, user: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.user = user
        self.items: dict[int, dict[str, Any]] = {}
        self.next_cursor: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="inbox-main"):
            yield DataTable[Text](id="inbox-items", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="inbox-detail"):
                yield ItemDetail(id="item-detail")
        yield Static(id="inbox-notice")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Inbox · {self.user}"
        self.query_one("#inbox-detail").border_title = "Item"
        table = self.query_one("#inbox-items", DataTable)
        table.border_title = "Queue"
        table.focus()
        self.load()

    def on_resize(self) -> None:
        self._fill_table(select_id=self.current_id)

    def _fill_table(self, select_id: int | None) -> None:
        """(Re)build the table from `items`. Every column has a fixed width and the text the rest of
        the line: DataTable does not redraw rows already drawn when an auto-width column grows."""
        table = self.query_one("#inbox-items", DataTable)
        table.clear(columns=True)
        fixed = (("#", "id", 4), ("P", "priority", 1), ("State", "state", 8), ("Author", "author", 14))
        for label, key, width in fixed:
            table.add_column(label, key=key, width=width)
        # Each column has one cell of padding on either side; keep one more for the scrollbar.
        text_width = max(20, table.scrollable_content_region.width - sum(w + 2 for *_, w in fixed) - 3)
        table.add_column("Text", key="text", width=text_width)
        for item in self.items.values():
            table.add_row(
                Text(str(item["id"])),
                Text(str(item["priority"])),
                Text(str(item["state"]) + (" H" if item["hidden"] else "")),
                one_line(item["author"], 14),
                one_line(item["text"], text_width),
                key=str(item["id"]),
            )
        if select_id is not None and select_id in self.items:
            table.move_cursor(row=table.get_row_index(str(select_id)))

    # --- reading ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="inbox-list")
    def load(self, after: str | None = None, select_id: int | None = None) -> None:
        page = guarded(self, lambda: inbox.list_items(self.ctx, limit=self.PAGE_SIZE, after=after))
        if page is not None:
            self.post_message(self.PageLoaded(page, append=after is not None, select_id=select_id))

    def on_inbox_screen_page_loaded(self, message: PageLoaded) -> None:
        if not message.append:
            self.items.clear()
        for item in message.page.items:
            self.items[int(item["id"])] = item
        self.next_cursor = message.page.next_cursor
        self._fill_table(message.select_id)
        if not self.items:
            self.query_one(ItemDetail).show_item(None)
        elif self.next_cursor:
            self._notice(Text(f"{len(self.items)} items shown; press n for more.", style="dim"))
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
    def current(self) -> dict[str, Any] | None:
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
            self.load_detail(int(event.row_key.value))

    @work(thread=True, exclusive=True, group="inbox-detail")
    def load_detail(self, item_id: int) -> None:
        item = guarded(self, lambda: inbox.show_item(self.ctx, item_id))
        if item is not None:
            self.post_message(self.DetailLoaded(item))

    def on_inbox_screen_detail_loaded(self, message: DetailLoaded) -> None:
        if message.item["id"] == self.current_id:
            self.query_one(ItemDetail).show_item(message.item)

    # --- acting ----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self._notice(Text(""))
        self.load(select_id=self.current_id)

    def action_more(self) -> None:
        if self.next_cursor is None:
            self._notice(Text("That is the whole queue.", style="dim"))
        else:
            self.load(after=self.next_cursor, select_id=self.current_id)

    def action_claim(self) -> None:
        def run() -> tuple[str, int | None]:
            claimed = inbox.claim_next(self.ctx, self.user)
            if claimed is None:
                return "Nothing to claim: every open item is claimed or the queue is empty.", None
            return f"Claimed item {claimed['id']}.", int(claimed["id"])

        self.act(run)

    def action_reply(self) -> None:
        item = self._selected()
        if item is None:
            return
        item_id, version = int(item["id"]), int(item["version"])

        def send(text: str | None) -> None:
            if text is not None:
                self.act(lambda: self._reply(item_id, version, text))

        self.app.push_screen(ReplyModal(item_id, str(item["text"])), send)

    def _reply(self, item_id: int, version: int, text: str) -> tuple[str, int | None]:
        publication = inbox.reply(self.ctx, self.user, item_id, text, expected_version=version)
        return f"Reply to item {item_id} is in the outbox (publication {publication}).", item_id

    def action_hide(self) -> None:
        item = self._selected()
        if item is None:
            return
        item_id, version = int(item["id"]), int(item["version"])

        def chosen(reason: str | None) -> None:
            if reason is not None:
                self.act(lambda: self._hide(item_id, version, reason))

        self.app.push_screen(HideModal(item_id, list(self.ctx.settings.inbox.hide_reasons)), chosen)

    def _hide(self, item_id: int, version: int, reason: str) -> tuple[str, int | None]:
        inbox.hide(self.ctx, self.user, item_id, reason, expected_version=version)
        return f"Item {item_id} hidden ({reason}); the record stays.", item_id

    def action_resolve(self) -> None:
        item = self._selected()
        if item is None:
            return
        item_id, version = int(item["id"]), int(item["version"])

        def run() -> tuple[str, int | None]:
            inbox.resolve(self.ctx, self.user, item_id, expected_version=version)
            return f"Item {item_id} resolved.", None

        self.act(run)

    @work(thread=True, exclusive=True, group="inbox-action")
    def act(self, call: Callable[[], tuple[str, int | None]]) -> None:
        outcome = guarded(self, call)
        if outcome is not None:
            self.post_message(self.ActionDone(*outcome))

    def on_inbox_screen_action_done(self, message: ActionDone) -> None:
        self._notice(Text(message.notice, style="green"))
        self.load(select_id=message.select_id if message.select_id is not None else self.current_id)

    def on_service_failed(self, message: ServiceFailed) -> None:
        # The modal (shown by the app) says what happened; the notice line keeps it visible after.
        if isinstance(message.error, Conflict):
            self._notice(inert_text(f"Someone else acted first: {message.error.msg}", style="bold red"))
            self.load(select_id=self.current_id)

    def _selected(self) -> dict[str, Any] | None:
        item = self.current
        if item is None:
            self._notice(Text("Select an item first (or press c to claim the next one).", style="yellow"))
        return item

    def _notice(self, text: Text) -> None:
        self.query_one("#inbox-notice", Static).update(text)
