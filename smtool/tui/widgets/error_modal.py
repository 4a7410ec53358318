"""The one way the TUI shows an error: a modal with the error's title and message."""

from __future__ import annotations

import copy
import re
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from smtool.errors import SmtoolError
from smtool.i18n import N_, _
from smtool.tui.widgets.inert import inert_text
from smtool.tui.words import speak_bindings

# The services tell a CLI user to read an item again with a command; on the inbox screen the item
# is read again by itself (a conflict reloads it), so that advice would send the user away. The
# services speak the reader's language, so the advice is matched in each catalog's words.
_REREAD_WITH_CLI = re.compile(
    r"[;:]\s*(?:(?:look at|read) it again with|(?:apskatiet|izlasiet) to vēlreiz ar) `smtool inbox show \d+`"
)


def in_tui_words(error: SmtoolError) -> SmtoolError:
    """The error as the TUI says it: advice to run a CLI command for what the screen does itself
    becomes what to do here."""
    msg = _REREAD_WITH_CLI.sub(_("; it is shown again here as it is now: read it again"), error.msg)
    if msg == error.msg:
        return error
    worded = copy.copy(error)
    worded.msg = msg
    worded.args = (msg,)
    return worded


class ErrorModal(ModalScreen[None]):
    """Shows an SmtoolError's title and message (inert: messages may quote platform or citizen text)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "dismiss", N_("Close"))]

    def __init__(self, error: SmtoolError) -> None:
        super().__init__()
        speak_bindings(self)
        self.error = in_tui_words(error)

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog"):
            yield Static(Text(_(self.error.title), style="bold"), id="error-title")
            yield Static(inert_text(self.error.msg), id="error-message")
            yield Button(_("OK"), variant="primary", id="error-ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss()
