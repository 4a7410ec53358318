"""One post in full, as an approver or a calendar reader needs it: the exact text, where and when,
every media item (name, type, size, pixels, alt text), what the checker found and who waived what,
the decisions so far and each publication's state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from smtool.domain.timezones import format_local
from smtool.i18n import _
from smtool.services.publishing.checks import SATISFIED_BY_APPROVAL, PostFinding
from smtool.services.publishing.views import PostDetail as PostDetailView
from smtool.services.publishing.views import describe_media
from smtool.tui import words
from smtool.tui.widgets.findings import LEVEL_STYLES
from smtool.tui.widgets.inert import inert_text

# Publication states a person must act on stand out wherever they are shown.
STATE_STYLES = {
    "published": "green",
    "scheduled": "cyan",
    "claimed": "cyan",
    "sending": "bold cyan",
    "failed": "bold white on red",
    "unknown": "bold black on yellow",
    "needs_reauth": "bold white on magenta",
    "expired": "bold red",
    "cancelled": "dim",
    "submitted": "yellow",
    "draft": "dim",
    "checked": "dim",
    "rejected": "red",
}


class PostDetail(Static):
    """Everything about one post (`smtool.services.publishing.views.show_post`), all user text inert."""

    def __init__(self, zone: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone
        self.post: PostDetailView | None = None

    def on_mount(self) -> None:
        self.show_post(None)

    def show_post(self, post: PostDetailView | None) -> None:
        self.post = post
        self.update(render_post(post, self.zone))


def _local(value: str | None, zone: str) -> str:
    return format_local(datetime.fromisoformat(value), zone) if value else "-"


def render_post(post: PostDetailView | None, zone: str) -> Text:
    if post is None:
        return Text(_("No post selected."), style="dim")
    text = Text()
    text.append(_("Post {id}").format(id=post["id"]) + " ", style="bold")
    text.append(words.state(post["state"]), style=STATE_STYLES.get(post["state"], ""))
    text.append(_(" by {author}, v{version}").format(author=post["author"], version=post["version"]) + "\n")
    text.append(_("When: "), style="dim")
    text.append(post["scheduled_local"])
    text.append("\n" + _("To: "), style="dim")
    text.append(", ".join(post["accounts"]))
    if post["campaigns"]:
        text.append("\n" + _("Campaigns: "), style="dim")
        text.append_text(inert_text(", ".join(post["campaigns"])))
    for number, item in enumerate(post["media"], 1):
        # Every item, so an approver approves exactly what will be sent (not only the text).
        text.append("\n" + _("Media {number}: ").format(number=number), style="dim")
        text.append_text(inert_text(describe_media(item), style="" if item["in_store"] else "bold red"))
    text.append("\n\n")
    text.append_text(inert_text(post["text"]))
    for platform, variant in sorted(post["variants"].items()):
        text.append("\n\n" + _("On {platform} instead:").format(platform=platform) + "\n", style="dim")
        text.append_text(inert_text(variant))
    approved = any(d["decision"] == "approved" and not d["voided"] for d in post["approvals"])
    _findings(text, post["findings"], approved)
    for waiver in post["waivers"]:
        text.append("\n" + _("Waived: "), style="dim")
        text.append(_("{rule} by {approver}: ").format(rule=waiver["rule"], approver=waiver["approver"]))
        text.append_text(inert_text(waiver["reason"]))
    for decision in post["approvals"]:
        text.append(
            "\n"
            + _("{decision} by {approver}").format(
                decision=words.decision(decision["decision"]), approver=decision["approver"]
            ),
            style="dim",
        )
        text.append(f" {_local(decision['at'], zone)}", style="dim")
        if decision["voided"]:
            text.append(_(" (void: the post changed)"), style="dim")
        if decision["comment"]:
            text.append(": ")
            text.append_text(inert_text(decision["comment"]))
    for publication in post["publications"]:
        state = publication["state"]
        text.append(f"\n{publication['account']}: ", style="dim")
        text.append(words.state(state), style=STATE_STYLES.get(state, ""))
        text.append(_(" due {moment}").format(moment=_local(publication["due_at"], zone)))
        if publication["published_at"]:
            text.append(_(", out {moment}").format(moment=_local(publication["published_at"], zone)))
        if publication["last_error"]:
            text.append(" — ")
            text.append_text(inert_text(publication["last_error"]))
    return text


def _findings(text: Text, findings: Sequence[PostFinding], approved: bool) -> None:
    if not findings:
        text.append("\n\n" + _("Checker: no findings."), style="green")
        return
    text.append("\n\n" + _("Checker:"), style="bold")
    width = max(len(_("answered")), *(len(words.level(code)) for code in words.LEVELS)) + 1
    for finding in findings:
        level = finding["level"]
        # What an approval answers (a communicator speaking for the institution) is no error to act
        # on: it is shown as what it is, and once approved as answered, never in red.
        answered = finding["rule"] in SATISFIED_BY_APPROVAL
        label = _("answered") if answered and approved else words.level(level)
        text.append("\n")
        quiet = finding["waived"] or answered
        text.append(f"{label:<{width}}", style="dim" if quiet else LEVEL_STYLES.get(level, ""))
        text.append(finding["rule"], style="dim" if answered else "bold")
        text.append(f" [{finding['account']}]", style="dim")
        if finding["waived"]:
            text.append(_(" waived"), style="green")
        elif answered:
            text.append(_(" by the approval") if approved else _(" (the approval answers this)"), style="dim")
        if finding["match"]:
            text.append(" «")
            text.append_text(inert_text(finding["match"]))
            text.append("»")
        text.append("\n  ")
        text.append_text(inert_text(finding["message"]))
