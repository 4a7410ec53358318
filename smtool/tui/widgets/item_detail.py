"""One inbox item in full: who wrote what where, its state, and what was done with it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from smtool.services.monitoring.views import InboxItemDetail
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
        return Text("No item selected. Press c to claim the next one.", style="dim")
    text = Text()
    text.append(f"#{item['id']} ", style="bold")
    text.append(f"{item['kind']} on {item['account']} ({item['platform']})\n")
    text.append("From: ", style="dim")
    text.append_text(inert_text(item["author_handle"] or "", style="bold"))
    if item["author_name"]:
        text.append(" (")
        text.append_text(inert_text(item["author_name"]))
        text.append(")")
    text.append("\nState: ", style="dim")
    text.append(str(item["state"]))
    text.append(f"  priority {item['priority']}")
    if item["flags"]:
        text.append("  flags: ", style="dim")
        text.append(", ".join(item["flags"]), style="yellow")
    if item["claimed_by"]:
        text.append("\nClaimed by: ", style="dim")
        text.append(str(item["claimed_by"]))
    if item["hidden"]:
        text.append("\nHidden: ", style="dim")
        text.append(str(item["hidden_reason"] or ""), style="red")
    text.append("\n\n")
    text.append_text(inert_text(item["text"]))
    actions = item["actions"]
    if actions:
        text.append("\n\nDone so far:", style="dim")
        for action in actions:
            text.append(f"\n  {action['actor']} {action['action']}")
            if action.get("reason"):
                text.append(" (")
                text.append_text(inert_text(str(action["reason"])))
                text.append(")")
    for reply in item["replies"]:
        text.append(f"\nReply ({reply['state']}): ", style="dim")
        text.append_text(inert_text(reply["text"]))
    for proposal in item["proposals"]:
        waiting = proposal["state"] == "proposed"
        text.append(
            f"\nProposed reply #{proposal['id']} by {proposal['author']} ({proposal['state']}"
            f"{', hash ' + proposal['content_hash'][:16] if waiting else ''}): ",
            style="bold yellow" if waiting else "dim",
        )
        text.append_text(inert_text(proposal["text"]))
        if proposal["comment"] and proposal["state"] == "rejected":
            text.append(f"\n  rejected by {proposal['decided_by']}: ", style="dim")
            text.append_text(inert_text(proposal["comment"]))
    return text
