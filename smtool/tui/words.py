"""The TUI's words for values the services hand over as codes (states, levels, kinds, flags), and
the translation of key descriptions.

States and the rest stay English codes in the store, in `--json` and in the audit log; a person
reads them in their language here. A code without a label (a new state) is shown as it is rather
than hidden.

Textual reads a screen's BINDINGS when the class is defined, long before anyone has chosen a
language; their descriptions are marked with N_ there and translated per instance
(`speak_bindings`), once the language of the person at the terminal is known.
"""

from __future__ import annotations

import string
from dataclasses import replace

from rich.text import Text
from textual.binding import Binding
from textual.dom import DOMNode

from smtool.domain.state_words import state_word
from smtool.domain.words import forms, noun
from smtool.i18n import N_, _

# The checker's levels, as counted nouns: "error" is one message with its plural ("2 errors block
# submission"), and a message id stands for one entry of the catalog.
LEVELS = {
    "error": forms("error", "errors"),
    "warning": forms("warning", "warnings"),
    "suggestion": forms("suggestion", "suggestions"),
}

# Inbox item kinds, as counted nouns like the levels ("reply" is one with its plural elsewhere), and
# flags (smtool.domain.inbox_states.FLAGS).
KINDS = {
    "comment": forms("comment", "comments"),
    "mention": forms("mention", "mentions"),
    "reply": forms("reply", "replies"),
}
FLAGS = {
    "question": N_("question"),
    "personal_data": N_("personal data"),
    "abuse": N_("abuse"),
    "spam": N_("spam"),
    "takeover": N_("takeover"),
    "deleted_author": N_("author deleted"),
    "seal_mismatch": N_("seal mismatch"),
}

# What was done with an inbox item (its moderation actions, smtool.services.monitoring).
# Worded apart from the states ("claimed it", not "claimed"): one English word may be one message only,
# and Latvian says a state and a deed differently.
ACTIONS = {
    "claim": N_("claimed it"),
    "release": N_("released it"),
    "assign": N_("assigned it"),
    "route": N_("routed it"),
    "reply": N_("replied"),
    "hide": N_("hid it"),
    "unhide": N_("unhid it"),
    "hide_failed": N_("could not hide it"),
    "unhide_failed": N_("could not unhide it"),
    "resolve": N_("resolved it"),
    "spam": N_("marked it spam"),
    "propose_reply": N_("proposed a reply"),
    "approve_reply": N_("approved the reply"),
    "reject_reply": N_("rejected the reply"),
}

# Post decisions (approvals).
DECISIONS = {"approved": N_("Approved"), "rejected": N_("Rejected")}


def state(code: str) -> str:
    """A post, publication, item or token state in the reader's language."""
    return state_word(code)


def level(code: str) -> str:
    return noun(1, *LEVELS[code]) if code in LEVELS else code


def kind(code: str) -> str:
    return noun(1, *KINDS[code]) if code in KINDS else code


def flag(code: str) -> str:
    return _(FLAGS[code]) if code in FLAGS else code


def action(code: str) -> str:
    return _(ACTIONS[code]) if code in ACTIONS else code


def decision(code: str) -> str:
    return _(DECISIONS[code]) if code in DECISIONS else code.capitalize()


def assemble(template: str, **values: Text) -> Text:
    """A translated sentence with Text values (user text, inert) in its fields, in whatever order
    the translation puts them: `assemble(_("Swapped «{match}» for «{phrase}»."), match=..., phrase=...)`."""
    out = Text()
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if field is not None:
            out.append_text(values[field])
    return out


def speak_bindings(node: DOMNode) -> None:
    """Give `node`'s key bindings their descriptions in the reader's language, for the footer and
    the command palette. Called from the node's __init__: Textual copies the class's bindings into
    each instance there, and the footer reads that copy."""
    node._bindings.key_to_bindings = {
        key: [_spoken(binding) for binding in bindings]
        for key, bindings in node._bindings.key_to_bindings.items()
    }


def _spoken(binding: Binding) -> Binding:
    if not binding.description:
        return binding
    return replace(binding, description=_(binding.description))
