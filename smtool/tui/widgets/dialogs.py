"""Small modals every screen asks with: pick one of several, type one line, confirm."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from smtool.i18n import N_, _
from smtool.tui.widgets.inert import inert_text
from smtool.tui.words import speak_bindings


class ChoiceModal(ModalScreen[str | None]):
    """Choose one option; dismisses with its id, or None when cancelled. Labels are shown inert."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, options: Sequence[tuple[str, str]], *, dialog_id: str = "choice") -> None:
        super().__init__()
        speak_bindings(self)
        self.title_text = title
        self.options = list(options)
        self.dialog_id = dialog_id

    def compose(self) -> ComposeResult:
        with Vertical(id=f"{self.dialog_id}-dialog", classes="dialog"):
            yield Static(inert_text(self.title_text), classes="dialog-title")
            yield OptionList(
                *(Option(inert_text(label), id=key) for key, label in self.options),
                id=f"{self.dialog_id}-options",
                classes="dialog-options",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Cancel"), id="choice-cancel")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Button.Pressed, "#choice-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class LineModal(ModalScreen[str | None]):
    """Type one line (a reason, a comment, a time). `check` returns why the value is not acceptable
    yet (shown under the field as you type) or None; Enter is refused while it says something."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(
        self,
        title: str,
        *,
        quote: Text | None = None,
        value: str = "",
        placeholder: str = "",
        check: Callable[[str], Text | None] | None = None,
        dialog_id: str = "line",
    ) -> None:
        super().__init__()
        speak_bindings(self)
        self.title_text = title
        self.quote = quote
        self.value = value
        self.placeholder = placeholder
        self.check = check or _required
        self.dialog_id = dialog_id

    def compose(self) -> ComposeResult:
        with Vertical(id=f"{self.dialog_id}-dialog", classes="dialog"):
            yield Static(inert_text(self.title_text), classes="dialog-title")
            if self.quote is not None:
                yield Static(self.quote, classes="dialog-quote")
            yield Input(value=self.value, placeholder=self.placeholder, id=f"{self.dialog_id}-input")
            yield Static(id="line-hint", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("OK"), variant="primary", id="line-ok")
                yield Button(_("Cancel"), id="line-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._hint(self.value)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._hint(event.value)

    def _hint(self, value: str) -> Text | None:
        problem = self.check(value)
        self.query_one("#line-hint", Static).update(problem or "")
        return problem

    @on(Input.Submitted)
    @on(Button.Pressed, "#line-ok")
    def action_ok(self) -> None:
        value = self.query_one(Input).value
        if self._hint(value) is None:
            self.dismiss(value.strip())

    @on(Button.Pressed, "#line-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _required(value: str) -> Text | None:
    return Text(_("Required."), style="yellow") if not value.strip() else None


class ConfirmModal(ModalScreen[bool]):
    """Yes or no for an action that cannot be taken back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", N_("No")),
        Binding("y", "answer(True)", N_("Yes")),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        speak_bindings(self)
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self.question, classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Yes (y)"), variant="warning", id="confirm-yes")
                yield Button(_("No (n)"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
