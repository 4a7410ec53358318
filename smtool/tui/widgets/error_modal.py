"""The one way the TUI shows an error: a modal with the error's title and message."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from smtool.errors import SmtoolError
from smtool.tui.widgets.inert import inert_text


class ErrorModal(ModalScreen[None]):
    """Shows an SmtoolError's title and message (inert: messages may quote platform or citizen text)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, error: SmtoolError) -> None:
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog"):
            yield Static(Text(self.error.title, style="bold"), id="error-title")
            yield Static(inert_text(self.error.msg), id="error-message")
            yield Button("OK", variant="primary", id="error-ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss()
