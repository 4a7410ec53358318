"""Roles and what they allow (design.md, "Who uses it, and for what").

Only the head of an institution or an authorised person may speak for it, so approving is a role of
its own, and approving for an account further needs the approver to be one of its spokespeople.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from smtool.errors import PermissionDenied
from smtool.i18n import N_, _


class Role(StrEnum):
    COMMUNICATOR = "communicator"
    APPROVER = "approver"
    PRESS_OFFICER = "press_officer"
    SPECIALIST = "specialist"
    MANAGER = "manager"
    ADMIN = "admin"


class Action(StrEnum):
    # The values are English phrases that a refusal shows, translated there (`_(action.value)`).
    DRAFT_POST = N_("draft posts")
    SUBMIT_POST = N_("submit posts for approval")
    APPROVE_POST = N_("approve or reject posts")
    WAIVE_FINDING = N_("waive checker findings")
    MODERATE = N_("work the moderation queue")
    ANSWER = N_("answer items routed to them")
    VIEW_REPORTS = N_("view reports")
    PAUSE_PUBLISHING = N_("pause and resume publishing")
    MANAGE = N_("manage accounts, tokens, users and policies")
    VIEW = N_("view posts, publications and the queue")
    # Citizens' comments and who wrote them are personal data: reading them is a role's task, and
    # every read is audited (services.monitoring.citizen_data). A specialist reads only the items
    # assigned to them or routed to their team; the others read every item.
    READ_CITIZEN_DATA = N_("read citizens' comments and who wrote them")


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.COMMUNICATOR: frozenset({Action.DRAFT_POST, Action.SUBMIT_POST, Action.VIEW}),
    Role.APPROVER: frozenset(
        {Action.APPROVE_POST, Action.WAIVE_FINDING, Action.PAUSE_PUBLISHING, Action.VIEW}
    ),
    Role.PRESS_OFFICER: frozenset(
        {
            Action.MODERATE,
            Action.ANSWER,
            Action.DRAFT_POST,
            Action.SUBMIT_POST,
            Action.VIEW,
            Action.READ_CITIZEN_DATA,
        }
    ),
    Role.SPECIALIST: frozenset({Action.ANSWER, Action.VIEW, Action.READ_CITIZEN_DATA}),
    Role.MANAGER: frozenset(
        {Action.VIEW_REPORTS, Action.PAUSE_PUBLISHING, Action.VIEW, Action.READ_CITIZEN_DATA}
    ),
    Role.ADMIN: frozenset({Action.MANAGE, Action.PAUSE_PUBLISHING, Action.VIEW, Action.READ_CITIZEN_DATA}),
}


def allowed_actions(roles: Iterable[Role | str]) -> frozenset[Action]:
    result: set[Action] = set()
    for role in roles:
        result |= _ALLOWED[Role(role)]
    return frozenset(result)


def can(roles: Iterable[Role | str], action: Action) -> bool:
    return action in allowed_actions(roles)


def require(user: str, roles: Iterable[Role | str], action: Action) -> None:
    """Raise PermissionDenied unless one of `roles` allows `action`."""
    held = [Role(r) for r in roles]
    if action not in allowed_actions(held):
        needed = sorted(r.value for r, acts in _ALLOWED.items() if action in acts)
        # Role names are configuration values ([[users]] roles): never translated.
        has = ", ".join(sorted(r.value for r in held)) or _("no roles")
        raise PermissionDenied(
            _("{user} may not {action}: that needs the role {needed} (has: {has})").format(
                user=user, action=_(action.value), needed=_(" or ").join(needed), has=has
            )
        )


def require_spokesperson(
    user: str, account_id: str, spokespeople: Iterable[str], doing: str = N_("approve posts for it")
) -> None:
    """Raise PermissionDenied unless `user` may speak for the institution on `account_id`; `doing`
    (an English phrase marked with N_, translated here) says what only its spokespeople may do there."""
    if user not in set(spokespeople):
        raise PermissionDenied(
            _(
                "{user} is not a spokesperson of account {account}; only its spokespeople may {doing} "
                "(spokespeople: config.toml [[accounts]], applied by `smtool config apply`)"
            ).format(user=user, account=account_id, doing=_(doing))
        )


def may_reply_publicly(
    user: str, roles: Iterable[Role | str], reply_roles: Iterable[Role | str], spokespeople: Iterable[str]
) -> bool:
    """Whether `user` may answer citizens publicly on an account: a spokesperson of it always may,
    otherwise one of the roles the account's settings allow (reply_roles)."""
    return user in set(spokespeople) or bool({Role(r) for r in roles} & {Role(r) for r in reply_roles})


def require_reply_right(
    user: str,
    account_id: str,
    roles: Iterable[Role | str],
    reply_roles: Iterable[Role | str],
    spokespeople: Iterable[str],
) -> None:
    """Raise PermissionDenied, naming who may, unless `user` may reply publicly on `account_id`."""
    allowed, speakers = list(reply_roles), sorted(set(spokespeople))
    if not may_reply_publicly(user, roles, allowed, speakers):
        who = _(" or ").join(sorted(Role(r).value for r in allowed)) or _("no role")
        raise PermissionDenied(
            _(
                "{user} may not reply publicly on account {account}: only a {who} or its spokespeople "
                "({spokespeople}) may (config.toml: accounts.reply_roles, accounts.spokespeople)"
            ).format(
                user=user, account=account_id, who=who, spokespeople=", ".join(speakers) or _("none named")
            )
        )
