"""An approver's desk: the posts waiting for this spokesperson, each in full, and the decisions.

Approving binds the approval to the exact content (services.publishing.approval); the list shows only
posts whose every target account has this user among its spokespeople, since only those can be
approved here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from smtool.domain.roles import Action
from smtool.domain.timezones import to_local
from smtool.domain.words import counted
from smtool.i18n import N_, _, format_moment
from smtool.services.publishing import pauses
from smtool.services.publishing.approval import approve_posts, reject_post, waive_finding
from smtool.services.publishing.checks import SATISFIED_BY_APPROVAL, PostFinding
from smtool.services.publishing.views import PostDetail as PostDetailView
from smtool.services.publishing.views import PostView, list_posts, show_post
from smtool.tui import words
from smtool.tui.screens.base import MainScreen
from smtool.tui.widgets.dialogs import ChoiceModal, LineModal
from smtool.tui.widgets.inert import inert_text, one_line
from smtool.tui.widgets.post_detail import PostDetail
from smtool.tui.widgets.tables import set_columns


class ApprovalsScreen(MainScreen):
    TITLE_NAME = N_("Approvals")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", N_("Approve")),
        Binding("j", "reject", N_("Reject")),
        Binding("w", "waive", N_("Waive finding")),
        Binding("g", "refresh", N_("Refresh")),
    ]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.posts: list[PostView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="approvals-main"):
            yield DataTable[Text](id="approvals-list", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="approvals-detail"):
                yield PostDetail(self.zone, id="approvals-post")
        yield Static(id="notice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#approvals-list", DataTable)
        table.border_title = _("Waiting for you")
        self.query_one("#approvals-detail").border_title = _("Post")
        table.focus()
        self.action_refresh()

    # --- reading ---------------------------------------------------------------------------

    def _pending(self) -> list[PostView]:
        mine = {a.id for a in self.ctx.settings.accounts if self.user in a.spokespeople}
        posts = list_posts(self.ctx, state="submitted")
        return sorted((p for p in posts if set(p["accounts"]) <= mine), key=lambda p: p["id"])

    def action_refresh(self, select_id: int | None = None, done: str | None = None) -> None:
        """Reload the list; `done` is the notice of the decision that caused it, which must not be
        replaced by "nothing waits" when that was the last post."""
        self.background(self._pending, lambda posts: self._loaded(posts, select_id, done), group="list")

    def on_resize(self) -> None:
        self._fill(self.current_id)

    def _loaded(self, posts: list[PostView], select_id: int | None, done: str | None = None) -> None:
        self.posts = posts
        self._fill(select_id)
        table = self.query_one("#approvals-list", DataTable)
        table.border_title = _("Waiting for you: {n}").format(n=len(posts))
        if done is not None:
            self.notice(done, "green")
        if not posts:
            self.query_one(PostDetail).show_post(None)
            if done is None:
                self.notice(_("Nothing waits for your approval."), "dim")
        elif table.cursor_row == 0:
            self._load(posts[0]["id"])

    def _fill(self, select_id: int | None) -> None:
        posts = self.posts
        table = self.query_one("#approvals-list", DataTable)
        width = set_columns(table, (("#", 5), (_("Author"), 10), (_("When"), 16)), _("Text"))
        for post in posts:
            at = post["scheduled_at"]
            # The reader's way of writing a local time ("3.03.2026. 10:00"), 16 cells as in ISO.
            when = (
                format_moment(to_local(datetime.fromisoformat(at), self.zone)) if at else _("when approved")
            )
            table.add_row(
                Text(str(post["id"])),
                # Approving one's own post needs an account that allows it: say whose it is.
                Text(_("you"), style="yellow") if post["author"] == self.user else Text(post["author"]),
                Text(when),
                one_line(post["text"], width),
                key=str(post["id"]),
            )
        ids = [p["id"] for p in posts]
        if select_id in ids:
            table.move_cursor(row=ids.index(select_id))

    @on(DataTable.RowHighlighted, "#approvals-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._load(int(event.row_key.value))

    def _load(self, post_id: int) -> None:
        self.background(
            lambda: show_post(self.ctx, post_id), self.query_one(PostDetail).show_post, group="detail"
        )

    @property
    def current_id(self) -> int | None:
        post = self.query_one(PostDetail).post
        return post["id"] if post else None

    @property
    def current(self) -> PostDetailView | None:
        post = self.query_one(PostDetail).post
        if post is None:
            self.notice(_("No post selected."), "yellow")
        return post

    # --- deciding --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "reject"):
            return self.may(Action.APPROVE_POST)
        if action == "waive":
            return self.may(Action.WAIVE_FINDING)
        return True

    def action_approve(self) -> None:
        """Ask first, showing where and when the post goes out (and any pause that holds it), with
        an optional comment: approving publishes, so one stray key must not."""
        post = self.current
        if post is None:
            return
        post_id, accounts = post["id"], post["accounts"]

        def confirm(paused: str | None) -> None:
            quote = Text.assemble(
                (_("To: "), "dim"),
                ", ".join(accounts),
                ("\n" + _("When: "), "dim"),
                post["scheduled_local"],
                f" ({self.zone})" if post["scheduled_at"] else "",
                ("\n", ""),
                one_line(post["text"], 56),
            )
            if paused:
                quote.append("\n" + _("Not yet: {why}.").format(why=paused), style="bold red")
            self.app.push_screen(
                LineModal(
                    _("Approve post {id}? Enter approves, Esc cancels. Comment (optional):").format(
                        id=post_id
                    ),
                    quote=quote,
                    check=lambda _: None,
                    dialog_id="approve",
                ),
                lambda comment: approve(comment, paused),
            )

        def approve(comment: str | None, paused: str | None) -> None:
            if comment is None:
                self.notice(_("Post {id} not approved.").format(id=post_id), "dim")
                return

            def done(publications: list[int]) -> None:
                when = post["scheduled_local"]
                scheduled = counted(len(publications), "publication", "publications")
                notice = _("Post {id} approved: {publications} scheduled ({when})").format(
                    id=post_id, publications=scheduled, when=when
                )
                self._decided(f"{notice}; {paused}." if paused else f"{notice}.")

            self.background(
                lambda: approve_posts(self.ctx, self.user, [post_id], comment or None), done, group="act"
            )

        self.background(lambda: pauses.paused_note(self.ctx, accounts), confirm, group="act")

    def _decided(self, notice: str, reload: int | None = None) -> None:
        self.notice(notice, "green")
        if reload is None:
            self.action_refresh(done=notice)
        else:
            self._load(reload)

    def action_reject(self) -> None:
        post = self.current
        if post is None:
            return
        post_id = post["id"]

        def rejected(comment: str | None) -> None:
            if comment:
                self.background(
                    lambda: reject_post(self.ctx, self.user, post_id, comment),
                    lambda _done: self._decided(
                        _("Post {id} sent back to {author}.").format(id=post_id, author=post["author"])
                    ),
                    group="act",
                )

        self.app.push_screen(
            LineModal(
                _("Reject post {id}: why? (the author reads this)").format(id=post_id),
                quote=one_line(post["text"], 56),
                dialog_id="reject",
            ),
            rejected,
        )

    def action_waive(self) -> None:
        post = self.current
        if post is None:
            return
        post_id = post["id"]
        waivable: dict[str, PostFinding] = {}
        for finding in post["findings"]:
            # What the approval itself answers is no finding to waive: approving answers it.
            if (
                not finding["waived"]
                and finding["level"] in ("error", "warning")
                and finding["rule"] not in SATISFIED_BY_APPROVAL
            ):
                waivable.setdefault(f"{finding['rule']}:{finding['match_hash']}", finding)
        if not waivable:
            self.notice(_("Post {id} has no finding left to waive.").format(id=post_id), "yellow")
            return
        options = [
            (key, f"{words.level(f['level'])} {f['rule']} «{one_line(f['match'], 30).plain}»")
            for key, f in waivable.items()
        ]

        def chosen(key: str | None) -> None:
            if key is not None:
                self._ask_waiver_reason(post_id, waivable[key])

        self.app.push_screen(
            ChoiceModal(_("Waive which finding of post {id}?").format(id=post_id), options), chosen
        )

    def _ask_waiver_reason(self, post_id: int, finding: PostFinding) -> None:
        rule, match = finding["rule"], finding["match_hash"]

        def reasoned(reason: str | None) -> None:
            if reason:
                self.background(
                    lambda: waive_finding(
                        self.ctx, self.user, post_id, rule=rule, match_hash=match, reason=reason
                    ),
                    lambda _done: self._decided(
                        _("{rule} waived on post {id}.").format(rule=rule, id=post_id), reload=post_id
                    ),
                    group="act",
                )

        self.app.push_screen(
            LineModal(
                _("Why does {rule} not block post {id}?").format(rule=rule, id=post_id),
                quote=inert_text(finding["message"]),
                dialog_id="waive",
            ),
            reasoned,
        )
