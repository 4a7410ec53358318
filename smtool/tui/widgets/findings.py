"""The checker's findings for the text being written: level, rule and message, one per line."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from smtool.services.publishing.checks import SATISFIED_BY_APPROVAL, blocking_findings
from smtool.services.text import strip_unsafe

LEVEL_STYLES = {"error": "bold red", "warning": "yellow", "suggestion": "cyan"}


class FindingsList(Static):
    """Findings as plain Text (messages quote the user's words, so never markup)."""

    def __init__(
        self, *, id: str | None = None, answered_by: str = "the approval", swap_key: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.answered_by = answered_by  # what answers the findings an approval would answer
        self.swap_key = swap_key  # the key that pastes a finding's replacement, where there is one
        self.findings: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        self.show_findings([], checked=False)

    def show_findings(self, findings: list[dict[str, Any]], *, checked: bool = True) -> None:
        """Replace the list. Each finding is a checker dict plus `accounts` (where it applies)."""
        self.findings = findings
        self.update(
            render_findings(findings, checked=checked, answered_by=self.answered_by, swap_key=self.swap_key)
        )


def render_findings(
    findings: list[dict[str, Any]],
    *,
    checked: bool = True,
    answered_by: str = "the approval",
    swap_key: str | None = None,
) -> Text:
    if not checked:
        return Text("Findings appear here as you type.", style="dim")
    if not findings:
        return Text("No findings.", style="green")
    blockers = blocking_findings(findings)
    summary = (
        Text(f"{len(blockers)} error(s) block submission.\n", style="bold red")
        if blockers
        else Text("Nothing blocks submission.\n", style="green")
    )
    lines = [summary]
    for finding in findings:
        line = Text()
        # One column wider than the longest level ("suggestion"), so the rule never runs into it.
        line.append(f"{finding['level']:<11}", style=LEVEL_STYLES.get(finding["level"], ""))
        line.append(finding["rule"], style="bold")
        if finding["rule"] in SATISFIED_BY_APPROVAL:
            line.append(f" ({answered_by} answers this)", style="dim")
        accounts = finding.get("accounts")
        if accounts:
            line.append(f" [{', '.join(accounts)}]", style="dim")
        if finding.get("text_of"):
            line.append(f" ({finding['text_of']} variant)", style="dim")
        line.append("\n  ")
        line.append(strip_unsafe(finding["message"]))
        if swap_key and finding.get("replacement"):
            line.append(f"\n  {swap_key} swaps it.", style="cyan")
        elif finding.get("suggestion"):  # advice, for the writer to act on
            line.append("\n  → ", style="dim")
            line.append(strip_unsafe(finding["suggestion"]), style="dim")
        line.append("\n")
        lines.append(line)
    text = Text("").join(lines)
    text.rstrip()
    return text
