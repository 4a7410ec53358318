"""One inbox item in full: who wrote what where, its state, and what was done with it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from smtool.i18n import _
from smtool.services.monitoring.views import InboxItemDetail
from smtool.tui import words
from smtool.tui.widgets.inert import inert_text


class ItemDetail(Static):
    """The item's citizen text and names are shown inert (see smtool.services.text)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.item: InboxItemDetail | None = None

    def on_mount(self) -> None:
        self.show_item(None)

    def show_item(self, item: InboxItemDetail | None) -> None:
        self.item = item
        self.update(render_item(item))


def render_item(item: InboxItemDetail | None) -> Text:
    if item is None:
        return Text(_("No item selected. Press c to claim the next one."), style="dim")
    text = Text()
    text.append(f"#{item['id']} ", style="bold")
    text.append(
        _("{kind} on {account} ({platform})").format(
            kind=words.kind(item["kind"]), account=item["account"], platform=item["platform"]
        )
        + "\n"
    )
    text.append(_("From: "), style="dim")
    text.append_text(inert_text(item["author_handle"] or "", style="bold"))
    if item["author_name"]:
        text.append(" (")
        text.append_text(inert_text(item["author_name"]))
        text.append(")")
    text.append("\n" + _("State: "), style="dim")
    text.append(words.state(str(item["state"])))
    text.append("  " + _("priority {n}").format(n=item["priority"]))
    if item["flags"]:
        text.append("  " + _("flags: "), style="dim")
        text.append(", ".join(words.flag(f) for f in item["flags"]), style="yellow")
    if item["claimed_by"]:
        text.append("\n" + _("Claimed by: "), style="dim")
        text.append(str(item["claimed_by"]))
    if item["hidden"]:
        text.append("\n" + _("Hidden: "), style="dim")
        text.append(str(item["hidden_reason"] or ""), style="red")
    text.append("\n\n")
    text.append_text(inert_text(item["text"]))
    actions = item["actions"]
    if actions:
        text.append("\n\n" + _("Done so far:"), style="dim")
        for action in actions:
            text.append(f"\n  {action['actor']} {words.action(str(action['action']))}")
            if action.get("reason"):
                text.append(" (")
                text.append_text(inert_text(str(action["reason"])))
                text.append(")")
    for reply in item["replies"]:
        text.append("\n" + _("Reply ({state}): ").format(state=words.state(reply["state"])), style="dim")
        text.append_text(inert_text(reply["text"]))
    for proposal in item["proposals"]:
        waiting = proposal["state"] == "proposed"
        state = words.state(proposal["state"])
        if waiting:
            state = _("{state}, hash {hash}").format(state=state, hash=proposal["content_hash"][:16])
        text.append(
            "\n"
            + _("Proposed reply #{id} by {author} ({state}): ").format(
                id=proposal["id"], author=proposal["author"], state=state
            ),
            style="bold yellow" if waiting else "dim",
        )
        text.append_text(inert_text(proposal["text"]))
        if proposal["comment"] and proposal["state"] == "rejected":
            text.append(
                "\n  " + _("rejected by {person}: ").format(person=proposal["decided_by"]), style="dim"
            )
            text.append_text(inert_text(proposal["comment"]))
    return text
