"""What every main screen shares: the context, the acting user, the clock, background calls, a notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from smtool.domain.roles import Action, can
from smtool.services.context import Context
from smtool.tui.words import speak_bindings
from smtool.tui.work import ServiceDone, in_background

T = TypeVar("T")


class MainScreen(Screen[None]):
    """A screen of the app. Blocking work goes through `background`; results come back as messages."""

    TITLE_NAME = ""  # marked with N_: the palette shows it translated; lowercased, the screen's name

    def __init__(self, ctx: Context, user: str, roles: list[str]) -> None:
        super().__init__()
        speak_bindings(self)
        self.ctx = ctx
        self.user = user
        self.roles = roles
        # What "now" is: the services' clock, so the screen and the use cases never disagree.
        self.clock = ctx.clock
        self.zone = ctx.settings.institution.timezone

    def on_mount(self) -> None:
        # The app draws the header from these: the screen's name and who is acting.
        self.title = self.TITLE_NAME.lower()
        self.sub_title = self.user

    def unsaved_edits(self) -> str | None:
        """What on this screen holds edits not yet saved ("post 7"), asked before leaving; None here."""
        return None

    def may(self, action: Action) -> bool:
        return can(self.roles, action)

    def background(self, call: Callable[[], T], then: Callable[[T], None], *, group: str) -> None:
        in_background(self, call, then, group=group)

    def on_service_done(self, message: ServiceDone) -> None:
        message.stop()
        message.then(message.result)

    def notice(self, text: Text | str, style: str = "") -> None:
        """The one-line status under the screen's content (what just happened, or what went wrong)."""
        shown = text if isinstance(text, Text) else Text(text, style=style)
        self.query_one("#notice", Static).update(shown)
