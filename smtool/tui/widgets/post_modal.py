"""A post opened from a list: everything about it, read in a worker, closed with Escape."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.publishing.views import PostDetail as PostDetailView
from smtool.services.publishing.views import show_post
from smtool.tui.widgets.post_detail import PostDetail
from smtool.tui.words import speak_bindings
from smtool.tui.work import ServiceDone, in_background


class PostModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,o,enter", "dismiss", N_("Close"))]

    def __init__(self, ctx: Context, post_id: int) -> None:
        super().__init__()
        speak_bindings(self)
        self.ctx = ctx
        self.post_id = post_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="post-dialog", classes="dialog"):
            yield PostDetail(self.ctx.settings.institution.timezone, id="post-modal-detail")

    def on_mount(self) -> None:
        self.query_one("#post-dialog").border_title = _("Post {id} (Esc closes)").format(id=self.post_id)
        in_background(self, lambda: show_post(self.ctx, self.post_id), self._loaded, group="post")

    def _loaded(self, post: PostDetailView) -> None:
        self.query_one(PostDetail).show_post(post)

    def on_service_done(self, message: ServiceDone) -> None:
        message.stop()
        message.then(message.result)
