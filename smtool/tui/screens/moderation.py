"""The modals an inbox action asks with: the reply text, the reason for hiding."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from smtool.tui.widgets.inert import one_line


class ReplyModal(ModalScreen[str | None]):
    """Write a public reply to one item; dismisses with the text, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "send", "Send", priority=True),
    ]

    def __init__(self, item_id: int, item_text: str) -> None:
        super().__init__()
        self.item_id = item_id
        self.item_text = item_text

    def compose(self) -> ComposeResult:
        with Vertical(id="reply-dialog", classes="dialog"):
            yield Static(f"Reply to item {self.item_id}", classes="dialog-title")
            yield Static(one_line(self.item_text, 60), classes="dialog-quote")
            yield TextArea(id="reply-text", soft_wrap=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Send", variant="primary", id="reply-send")
                yield Button("Cancel", id="reply-cancel")

    def on_mount(self) -> None:
        self.query_one("#reply-text", TextArea).focus()

    @on(Button.Pressed, "#reply-send")
    def action_send(self) -> None:
        self.dismiss(self.query_one("#reply-text", TextArea).text)

    @on(Button.Pressed, "#reply-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class HideModal(ModalScreen[str | None]):
    """Choose a reason of the published comment policy; dismisses with it, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, item_id: int, reasons: list[str]) -> None:
        super().__init__()
        self.item_id = item_id
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical(id="hide-dialog", classes="dialog"):
            yield Static(f"Hide item {self.item_id}: why? (the record stays)", classes="dialog-title")
            yield OptionList(*(Option(Text(reason), id=reason) for reason in self.reasons), id="hide-reasons")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="hide-cancel")

    def on_mount(self) -> None:
        self.query_one("#hide-reasons", OptionList).focus()

    @on(OptionList.OptionSelected, "#hide-reasons")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Button.Pressed, "#hide-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
