"""The reply modal: a public answer to one item, checked live like a post (the reply goes through
the checker and the outbox; see smtool.services.monitoring.queue.reply).

The modal sends the reply itself and closes only once it is sent (or proposed): a reply the checker
blocks, or any other refusal, keeps the dialog open with the text, the findings and what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Static, TextArea

from smtool.errors import Conflict
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.guidelines import check_text
from smtool.tui.widgets.error_modal import in_tui_words
from smtool.tui.widgets.findings import DraftFinding, FindingsList
from smtool.tui.widgets.inert import inert_text, one_line
from smtool.tui.words import speak_bindings
from smtool.tui.work import ServiceDone, ServiceFailed, in_background

# What an action on an item reports: the notice, and the item to select afterwards.
Acted = tuple[str, int | None]


class ReplyModal(ModalScreen[Acted | None]):
    """Write a public reply to one item and send it with `send` (in a worker); dismisses with what
    `send` returned, or None when cancelled. `on_conflict` runs when someone else changed the item
    first, so the screen beneath reads it again."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+s", "send", N_("Send"), priority=True),
    ]
    DEBOUNCE_SECONDS = 0.3

    def __init__(
        self,
        ctx: Context,
        user: str,
        item_id: int,
        account: str,
        item_text: str,
        *,
        send: Callable[[str], Acted],
        on_conflict: Callable[[], None] | None = None,
        proposing: bool = False,
    ) -> None:
        super().__init__()
        speak_bindings(self)
        self.send = send
        self.on_conflict = on_conflict
        # Someone the account's reply_roles do not allow proposes instead: the text waits for approval.
        self.proposing = proposing
        self.ctx = ctx
        self.user = user
        self.item_id = item_id
        self.account = account
        self.item_text = item_text
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reply-dialog", classes="dialog"):
            title = (
                _(
                    "Propose a reply to item {id} on {account} (Ctrl+S proposes; it goes out when someone "
                    "allowed to reply approves it)"
                )
                if self.proposing
                else _("Reply to item {id} on {account} (Ctrl+S sends)")
            ).format(id=self.item_id, account=self.account)
            yield Static(title, classes="dialog-title")
            yield Static(one_line(self.item_text, 60), classes="dialog-quote")
            yield TextArea(id="reply-text", soft_wrap=True)
            yield Static(id="reply-error", classes="dialog-hint")
            with VerticalScroll(id="reply-findings"):
                # A reply needs no approver: answering citizens is the replying person's mandate.
                yield FindingsList(id="reply-findings-list", by_role=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    _("Propose") if self.proposing else _("Send"), variant="primary", id="reply-send"
                )
                yield Button(_("Cancel"), id="reply-cancel")

    def on_mount(self) -> None:
        self.query_one("#reply-text", TextArea).focus()

    @on(TextArea.Changed, "#reply-text")
    def _schedule_check(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(self.DEBOUNCE_SECONDS, self._check)

    def _check(self) -> None:
        text = self.query_one("#reply-text", TextArea).text

        def run() -> tuple[str, list[DraftFinding]]:
            if not text.strip():
                return text, []
            result = check_text(text, settings=self.ctx.settings, account_id=self.account, author=self.user)
            return text, [{**f.to_dict(), "accounts": [], "text_of": ""} for f in result.findings]

        in_background(self, run, self._checked, group="check")

    def _checked(self, outcome: tuple[str, list[DraftFinding]]) -> None:
        text, findings = outcome
        if text == self.query_one("#reply-text", TextArea).text:
            self.query_one(FindingsList).show_findings(findings, checked=bool(text.strip()))

    def on_service_done(self, message: ServiceDone) -> None:
        message.stop()
        message.then(message.result)

    @on(Button.Pressed, "#reply-send")
    def action_send(self) -> None:
        text = self.query_one("#reply-text", TextArea).text
        self.query_one("#reply-error", Static).update(
            _("Sending…") if not self.proposing else _("Proposing…")
        )
        in_background(self, lambda: self.send(text), self._sent, group="send")

    def _sent(self, outcome: Acted) -> None:
        self.dismiss(outcome)

    def on_service_failed(self, message: ServiceFailed) -> None:
        """Refused: say why here, keep the text, and show the findings of exactly that text."""
        message.stop()
        error = in_tui_words(message.error)
        self.query_one("#reply-error", Static).update(
            Text.assemble((f"{_(error.title)}: ", "bold red"), inert_text(error.msg, style="red"))
        )
        self._check()
        if isinstance(error, Conflict) and self.on_conflict is not None:
            self.on_conflict()

    @on(Button.Pressed, "#reply-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
