"""The states of posts, publications, inbox items and tokens in the reader's words.

States are English codes in the store, the audit log, `--json` and what a person types
(`post list --state draft`); a table or a screen shows them as words in the reader's language. A code
without a word (a new state) is shown as it is rather than hidden.
"""

from __future__ import annotations

from smtool.i18n import N_, _

# Post and publication states (smtool.domain.states) and inbox item states (inbox_states).
STATES = {
    "draft": N_("draft"),
    "checked": N_("checked"),
    "submitted": N_("submitted"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "published": N_("published"),
    "withdrawn": N_("withdrawn"),
    "scheduled": N_("scheduled"),
    "claimed": N_("claimed"),
    "sending": N_("sending"),
    "needs_reauth": N_("needs_reauth"),  # as the CLI and the docs name it
    "unknown": N_("unknown"),
    "failed": N_("failed"),
    "expired": N_("expired"),
    "cancelled": N_("cancelled"),
    "held": N_("held"),
    "new": N_("new"),
    "assigned": N_("assigned"),
    "answered": N_("answered"),
    "resolved": N_("resolved"),
    "spam": N_("spam"),
    "proposed": N_("proposed"),
    "sent": N_("sent"),
    # An account's token (services.publishing.calendar.AccountState.token_status).
    "ok": N_("ok"),
    "missing": N_("missing"),
}


def state_word(code: str) -> str:
    """A post, publication, item or token state in the reader's language ("draft": "melnraksts")."""
    return _(STATES[code]) if code in STATES else code
