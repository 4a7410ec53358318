"""The Textual app: thin. It holds the context and the acting user, installs the screens and shows errors.

`build_app` is the one factory the CLI (`smtool tui`) and the tests use.
"""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

from textual.app import App
from textual.binding import Binding, BindingType

from smtool.errors import UsageError
from smtool.services.context import Context
from smtool.services.posts import user_roles
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.widgets.error_modal import ErrorModal
from smtool.tui.work import ServiceFailed

ScreenName = Literal["compose", "inbox"]
SCREENS: tuple[str, ...] = get_args(ScreenName)


class SmtoolApp(App[None]):
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "show('compose')", "Compose"),
        Binding("f3", "show('inbox')", "Inbox"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, ctx: Context, user: str, roles: list[str], start: ScreenName) -> None:
        super().__init__()
        self.ctx = ctx
        self.user = user
        self.roles = roles
        self.start = start
        self.title = f"smtool · {ctx.settings.institution.name}"

    def on_mount(self) -> None:
        self.install_screen(ComposeScreen(self.ctx, self.user), "compose")
        self.install_screen(InboxScreen(self.ctx, self.user), "inbox")
        self.push_screen(self.start)

    def action_show(self, name: str) -> None:
        if name in SCREENS and self.screen is not self.get_screen(name):
            self.switch_screen(name)

    def on_service_failed(self, message: ServiceFailed) -> None:
        self.push_screen(ErrorModal(message.error))


def default_screen(roles: list[str]) -> ScreenName:
    """A press officer starts in the inbox; everyone else in compose."""
    return "inbox" if "press_officer" in roles else "compose"


def build_app(ctx: Context, user: str, screen: str | None = None) -> SmtoolApp:
    """The app for `user` on `screen` (default by role). Raises PermissionDenied for an unknown user
    and UsageError for an unknown screen."""
    roles = user_roles(ctx.settings, user)
    if screen is None:
        return SmtoolApp(ctx, user, roles, default_screen(roles))
    for name in get_args(ScreenName):
        if screen == name:
            return SmtoolApp(ctx, user, roles, name)
    raise UsageError(f"unknown screen {screen!r}; screens: {', '.join(SCREENS)}")
