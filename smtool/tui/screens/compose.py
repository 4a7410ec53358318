"""Drafting a post: live checker findings and character counts, targets, a time, save and submit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, Input, SelectionList, Static, TextArea

from smtool.errors import UsageError
from smtool.services.checking import check_text
from smtool.services.context import Context
from smtool.services.post_checks import platform_length
from smtool.services.posts import Draft, create_post, edit_post, submit_post
from smtool.services.queries import show_post
from smtool.tui.widgets.findings import FindingsList
from smtool.tui.widgets.inert import inert_text
from smtool.tui.work import ServiceFailed, guarded


@dataclass(frozen=True)
class Saved:
    post_id: int
    state: str
    version: int
    submitted: bool


class ComposeScreen(Screen[None]):
    """A communicator's editor. The checker runs in a thread worker after a short pause in typing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save draft", priority=True),
        Binding("ctrl+t", "submit", "Submit", priority=True),
        Binding("ctrl+n", "new", "New post", priority=True),
    ]

    DEBOUNCE_SECONDS = 0.3

    class Checked(Message):
        """Findings and platform lengths for one text and one set of targets."""

        def __init__(
            self, text: str, accounts: tuple[str, ...], findings: list[dict[str, Any]], counts: Text
        ) -> None:
            super().__init__()
            self.text = text
            self.accounts = accounts
            self.findings = findings
            self.counts = counts

    class Stored(Message):
        def __init__(self, saved: Saved) -> None:
            super().__init__()
            self.saved = saved

    def __init__(self, ctx: Context, user: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.user = user
        self.post_id: int | None = None
        self.version: int | None = None
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        accounts = self.ctx.settings.accounts
        yield Header()
        with Horizontal(id="compose-top"):
            yield TextArea(id="post-text", soft_wrap=True, show_line_numbers=False)
            yield SelectionList[str](
                *((f"{a.id} ({a.platform})", a.id, n == 0) for n, a in enumerate(accounts)),
                id="post-accounts",
            )
        yield Static(id="post-counts")
        with Horizontal(id="compose-when"):
            yield Input(placeholder="YYYY-MM-DD HH:MM; empty: once approved", id="post-when")
            yield Button("Save draft", id="post-save")
            yield Button("Submit", variant="primary", id="post-submit")
        yield Static(id="when-error")
        with Vertical(id="compose-findings"):
            yield FindingsList(id="post-findings")
        yield Static(id="compose-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Compose · {self.user}"
        self.query_one("#post-accounts").border_title = "Accounts"
        self.query_one("#post-text").border_title = "Post"
        self.query_one("#post-when").border_title = f"When ({self.ctx.settings.institution.timezone})"
        self.query_one("#compose-findings").border_title = "Checker"
        self.query_one("#post-text", TextArea).focus()
        self._show_counts(Text(""))

    # --- reading the form ------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.query_one("#post-text", TextArea).text

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(self.query_one("#post-accounts", SelectionList).selected)

    @property
    def when(self) -> str | None:
        return self.query_one("#post-when", Input).value.strip() or None

    def _draft(self) -> Draft:
        return Draft(text=self.text, accounts=self.accounts, at=self.when)

    # --- live checking ---------------------------------------------------------------------

    @on(TextArea.Changed, "#post-text")
    @on(SelectionList.SelectedChanged, "#post-accounts")
    def _schedule_check(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(self.DEBOUNCE_SECONDS, self._start_check)

    def _start_check(self) -> None:
        self._debounce = None
        self.check(self.text, self.accounts)

    @work(thread=True, exclusive=True, group="check")
    def check(self, text: str, accounts: tuple[str, ...]) -> None:
        """Findings per target account, merged: one line per finding, naming where it applies."""

        def run() -> tuple[list[dict[str, Any]], Text]:
            if not text.strip():
                return [], Text("")
            merged: dict[tuple[str, str, str, int, int], dict[str, Any]] = {}
            for account_id in accounts:
                result = check_text(text, settings=self.ctx.settings, account_id=account_id, author=self.user)
                for found in result.findings:
                    data = found.to_dict()
                    key = (data["rule"], data["level"], data["message"], data["start"], data["end"])
                    merged.setdefault(key, {**data, "accounts": []})["accounts"].append(account_id)
            findings = list(merged.values())
            for finding in findings:
                if len(finding["accounts"]) == len(accounts):
                    finding["accounts"] = []  # applies everywhere: no need to say where
            return findings, self._counts(text, accounts)

        outcome = guarded(self, run)
        if outcome is not None:
            self.post_message(self.Checked(text, accounts, *outcome))

    def _counts(self, text: str, accounts: tuple[str, ...]) -> Text:
        platforms = [a.platform for a in self.ctx.settings.accounts if a.id in accounts] or sorted(
            {a.platform for a in self.ctx.settings.accounts}
        )
        counts = Text("Length: ", style="dim")
        for n, platform in enumerate(dict.fromkeys(platforms)):
            length, limit = platform_length(text, platform)
            over = limit is not None and length > limit
            if n:
                counts.append("  ")
            counts.append(f"{platform} {length}/{limit or '-'}", style="bold red" if over else "")
        return counts

    def _show_counts(self, counts: Text) -> None:
        self.query_one("#post-counts", Static).update(counts or self._counts("", self.accounts))

    def on_compose_screen_checked(self, message: Checked) -> None:
        if message.text != self.text or message.accounts != self.accounts:
            return  # an older text: a newer check is on its way
        self.query_one(FindingsList).show_findings(message.findings, checked=bool(message.text.strip()))
        self._show_counts(message.counts)

    # --- saving and submitting -------------------------------------------------------------

    @on(Button.Pressed, "#post-save")
    def action_save(self) -> None:
        self.store(self._draft(), submit=False)

    @on(Button.Pressed, "#post-submit")
    def action_submit(self) -> None:
        self.store(self._draft(), submit=True)

    def action_new(self) -> None:
        self.post_id = self.version = None
        self.query_one("#post-text", TextArea).text = ""
        self.query_one("#post-when", Input).value = ""
        self._set_status(Text(""))
        self.query_one("#post-text", TextArea).focus()

    @work(thread=True, exclusive=True, group="store")
    def store(self, draft: Draft, submit: bool) -> None:
        """Create or edit the post (the version guards against a concurrent edit), then maybe submit."""
        post_id, version = self.post_id, self.version

        def run() -> Saved:
            saved_id = post_id
            if saved_id is None:
                saved_id = create_post(self.ctx, self.user, draft)
            else:
                edit_post(self.ctx, self.user, saved_id, draft, expected_version=version)
            if submit:
                submit_post(self.ctx, self.user, saved_id)
            shown = show_post(self.ctx, saved_id)
            return Saved(saved_id, str(shown["state"]), int(shown["version"]), submit)

        saved = guarded(self, run)
        if saved is not None:
            self.post_message(self.Stored(saved))

    def on_compose_screen_stored(self, message: Stored) -> None:
        saved = message.saved
        self.query_one("#when-error", Static).update("")
        if saved.submitted:
            self.action_new()
            self._set_status(Text(f"Post {saved.post_id} submitted for approval ({saved.state}).", "green"))
        else:
            self.post_id, self.version = saved.post_id, saved.version
            self._set_status(Text(f"Post {saved.post_id} saved ({saved.state}).", "green"))

    def on_service_failed(self, message: ServiceFailed) -> None:
        # A time the zone refuses (DST gap or overlap, past, unreadable) is shown next to the field.
        when = self.when
        if isinstance(message.error, UsageError) and when and when in message.error.msg:
            message.stop()
            self.query_one("#when-error", Static).update(inert_text(message.error.msg, style="red"))
            self.query_one("#post-when", Input).focus()

    def _set_status(self, text: Text) -> None:
        self.query_one("#compose-status", Static).update(text)
