"""The Textual app: thin. It holds the context and the acting user, installs the screens this user
may use, offers every action in the command palette and shows errors.

`build_app` is the one factory the CLI (`smtool tui`) and the tests use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.content import Content
from textual.screen import ModalScreen, Screen

from smtool.domain.roles import Action, can
from smtool.errors import PermissionDenied, UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.people import DIRECTORY_REFRESH_SECONDS, user_roles
from smtool.services.text import strip_unsafe
from smtool.tui.screens.accounts import AccountsScreen
from smtool.tui.screens.approvals import ApprovalsScreen
from smtool.tui.screens.base import MainScreen
from smtool.tui.screens.calendar import CalendarScreen
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.screens.reports import ReportsScreen
from smtool.tui.widgets.dialogs import ConfirmModal
from smtool.tui.widgets.error_modal import ErrorModal
from smtool.tui.words import speak_bindings
from smtool.tui.work import ServiceFailed


@dataclass(frozen=True)
class ScreenSpec:
    name: str
    key: str
    screen: type[MainScreen]
    needs: tuple[Action, ...]  # any one of these lets a user open it
    label: str  # the screen's name in the header and the palette (marked with N_, shown with _)
    help: str


SPECS: tuple[ScreenSpec, ...] = (
    ScreenSpec(
        "compose",
        "f2",
        ComposeScreen,
        (Action.DRAFT_POST,),
        N_("Compose"),
        N_("Draft a post with the live checker"),
    ),
    ScreenSpec(
        "calendar",
        "f3",
        CalendarScreen,
        (Action.VIEW,),
        N_("Calendar"),
        N_("Week and month of posts per account"),
    ),
    ScreenSpec(
        "approvals",
        "f4",
        ApprovalsScreen,
        (Action.APPROVE_POST,),
        N_("Approvals"),
        N_("Posts waiting for your approval"),
    ),
    ScreenSpec(
        "inbox", "f5", InboxScreen, (Action.MODERATE, Action.ANSWER), N_("Inbox"), N_("The moderation queue")
    ),
    ScreenSpec(
        "reports",
        "f6",
        ReportsScreen,
        (Action.VIEW_REPORTS,),
        N_("Reports"),
        N_("Engagement and response times"),
    ),
    ScreenSpec(
        "accounts",
        "f7",
        AccountsScreen,
        (Action.VIEW,),
        N_("Accounts"),
        N_("Token health, rate limits, pauses"),
    ),
)
SCREENS: tuple[str, ...] = tuple(spec.name for spec in SPECS)
# Where each role starts when --screen is not given; the first of the user's roles listed here wins.
STARTS = (
    ("press_officer", "inbox"),
    ("communicator", "compose"),
    ("approver", "approvals"),
    ("specialist", "inbox"),
    ("manager", "reports"),
    ("admin", "accounts"),
)


class SmtoolApp(App[None]):
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Not in the footer, which at 80 columns has room for the screen's own keys only: the header
        # lists the screens this user may open with their keys (format_title).
        *(Binding(spec.key, f"show('{spec.name}')", spec.label, show=False) for spec in SPECS),
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
        # Textual's own, given here so that its description is translated like the others.
        Binding("ctrl+p", "command_palette", N_("palette"), show=False, priority=True),
    ]

    def __init__(self, ctx: Context, user: str, roles: list[str], start: str) -> None:
        super().__init__()
        speak_bindings(self)
        self.ctx = ctx
        self.user = user
        self.roles = roles
        self.start = start
        self.allowed = [spec for spec in SPECS if any(can(roles, need) for need in spec.needs)]
        self.title = f"smtool · {ctx.settings.institution.name}"

    def on_mount(self) -> None:
        for spec in self.allowed:
            self.install_screen(spec.screen(self.ctx, self.user, self.roles), spec.name)
        self.push_screen(self.start)
        # Every action checks the roles again in the services; a `config apply` that took a role
        # away must reach them while this session stays open.
        self.set_interval(DIRECTORY_REFRESH_SECONDS, self.ctx.refresh_directory)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show":
            # Not from a dialog: answering or cancelling it comes first.
            if isinstance(self.screen, ModalScreen):
                return False
            # Every screen's key works, so one this user may not open says why (action_show).
            return parameters[0] in SCREENS
        return True

    def action_show(self, name: str) -> None:
        if not self.check_action("show", (name,)):
            return
        spec = next(s for s in SPECS if s.name == name)
        if spec not in self.allowed:
            if isinstance(self.screen, MainScreen):
                self.screen.notice(not_allowed(self.user, spec), "yellow")
            return
        if self.screen is not self.get_screen(name):
            self.switch_screen(name)

    async def action_quit(self) -> None:
        """Leave, after asking when a screen holds edits that are not saved (they would be lost)."""
        unsaved = [
            what
            for spec in self.allowed
            if isinstance(screen := self.get_screen(spec.name), MainScreen)
            and (what := screen.unsaved_edits()) is not None
        ]
        if not unsaved:
            self.exit()
            return
        what = ", ".join(unsaved)
        question = Text(
            _("{what}: edits not saved. Quit and drop them?").format(what=what[:1].upper() + what[1:])
        )
        self.push_screen(ConfirmModal(question), lambda yes: self.exit() if yes else None)

    def action_command_palette(self) -> None:
        """Textual's palette, with its search field's placeholder in the reader's language."""
        if self.use_command_palette and not any(isinstance(s, CommandPalette) for s in self.screen_stack):
            self.push_screen(CommandPalette(placeholder=_("Search for commands…"), id="--command-palette"))

    def format_title(self, title: str, sub_title: str) -> Content:
        """A main screen's header: the screens this user may open, each with its key, the current
        one highlighted, then who is acting. Other titles (dialogs) as Textual shows them."""
        if title not in SCREENS:
            return super().format_title(title, sub_title)
        parts: list[tuple[str, str] | str] = []
        for spec in self.allowed:
            current = spec.name == title
            parts += [(spec.key.upper(), "bold" if current else "dim"), " "]
            parts += [(_(spec.label), "reverse bold" if current else ""), "  "]
        return Content.assemble(*parts[:-1], (" · ", "dim"), (sub_title, "dim"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every screen this user may open, every action of the current screen, and quitting."""
        for spec in self.allowed:
            yield SystemCommand(
                _("Go to {screen}").format(screen=_(spec.label).lower()),
                f"{_(spec.help)} ({spec.key.upper()})",
                partial(self.action_show, spec.name),
            )
        where = _(screen.TITLE_NAME) if isinstance(screen, MainScreen) else screen.__class__.__name__
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if screen.check_action(binding.action.split("(")[0], ()) is False:
                continue  # the role does not allow it
            yield SystemCommand(
                f"{where}: {_(binding.description)}",
                _("key {key}").format(key=binding.key),
                partial(screen.run_action, binding.action),
            )
        yield SystemCommand(_("Quit"), _("Leave smtool (Ctrl+Q)"), self.action_quit)

    def on_service_failed(self, message: ServiceFailed) -> None:
        self.push_screen(ErrorModal(message.error))

    def _handle_exception(self, error: Exception) -> None:
        # A bug on the event loop (service errors are caught in the workers). Textual ends the app
        # and prints a traceback with local variables, which may hold tokens or citizens' data;
        # like the CLI, the user gets one line naming the bug instead, and the exit code 1.
        super()._handle_exception(error)
        self._exit_renderables[:] = [
            Text(
                _("Internal error: {error}: {message}").format(
                    error=type(error).__name__, message=strip_unsafe(str(error))
                )
                + "\n"
                + _("This is a bug in smtool; please report what you did.")
            )
        ]


def not_allowed(user: str, spec: ScreenSpec) -> str:
    """Why the user may not open the screen: what a role must allow to open it."""
    return _("{user} may not use the {screen} screen: that needs a role that may {actions}").format(
        user=user,
        screen=_(spec.label).lower(),
        actions=(" " + _("or") + " ").join(need.value for need in spec.needs),
    )


def default_screen(roles: list[str]) -> str:
    """Where a user starts: a press officer in the inbox, a communicator in compose, and so on."""
    for role, screen in STARTS:
        if role in roles:
            return screen
    return "calendar"


def build_app(ctx: Context, user: str, screen: str | None = None) -> SmtoolApp:
    """The app for `user` on `screen` (default by role); "now" is `ctx.clock` (tests fix it).

    Raises PermissionDenied for an unknown user or a screen the user's roles do not allow, and
    UsageError for an unknown screen.
    """
    roles = user_roles(ctx.settings, user)
    start = screen or default_screen(roles)
    spec = next((s for s in SPECS if s.name == start), None)
    if spec is None:
        raise UsageError(
            _("unknown screen {screen}; screens: {screens}").format(
                screen=repr(start), screens=", ".join(SCREENS)
            )
        )
    if not any(can(roles, need) for need in spec.needs):
        raise PermissionDenied(not_allowed(user, spec))
    return SmtoolApp(ctx, user, roles, start)
