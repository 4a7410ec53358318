"""Refused actions are records too: who tried what, and why they were refused, in the audit log.

Role checks happen deep inside use cases, often inside a write transaction that the refusal rolls
back, so the audit line cannot go into that transaction. Instead each use case that checks roles is
wrapped by `audits_refusals`: a PermissionDenied leaving it (after its transactions have closed) is
appended to the audit log in a transaction of its own and then re-raised unchanged. One wrapper is
the one place this happens, whether the refusal came from `require`, `require_spokesperson` or a
use case's own rule (only the author may submit, only one's own team's items, ...).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from smtool.errors import PermissionDenied, SmtoolError
from smtool.services.context import Context
from smtool.services.records import audit

log = logging.getLogger("smtool.refusals")

P = ParamSpec("P")
R = TypeVar("R")

REFUSED = "access.denied"
# What of a refused call is worth keeping: which objects it was about, never free text or tokens.
_SUBJECT_SUFFIXES = ("_id", "_ids", "scope", "target", "team")
ATTRIBUTE = "__audits_refusals__"
# What a refusal was about, by the refused call's own parameter names (post_id, team, scope, ...):
# which keys depends on the use case, so it is an open mapping of ids and names, not a fixed shape.
Subject = Mapping[str, int | str | list[object]]


def audits_refusals(use_case: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Audit every PermissionDenied the decorated use case raises, then re-raise it.

    The use case must take `ctx` (a Context) and `actor` (who acts) parameters; `use_case` names
    it in the log ("post.approve").
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)
        missing = {"ctx", "actor"} - set(signature.parameters)
        if missing:
            raise TypeError(f"{function.__qualname__} needs parameters {sorted(missing)} to audit refusals")

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(*args, **kwargs)
            except PermissionDenied as refusal:
                called = signature.bind_partial(*args, **kwargs).arguments
                record_refusal(called["ctx"], str(called["actor"]), use_case, refusal, _subject(called))
                raise

        setattr(wrapper, ATTRIBUTE, use_case)
        return wrapper

    return decorate


def record_refusal(
    ctx: Context, actor: str, use_case: str, refusal: PermissionDenied, subject: Subject
) -> None:
    """Append the refusal in its own transaction; a failure to record never hides the refusal."""
    try:
        with ctx.db.write() as session:
            audit.append(
                session,
                # The column holds 64 characters; PostgreSQL text cannot hold NUL.
                actor=actor.replace("\x00", "\ufffd")[:64],
                action=REFUSED,
                subject_type="use_case",
                subject_id=use_case,
                payload={"tried": use_case, "reason": refusal.msg, **subject},
            )
    except (SQLAlchemyError, SmtoolError) as error:
        log.warning("could not audit the refusal of %s to %s: %s", actor, use_case, error)


def _subject(arguments: Mapping[str, object]) -> Subject:
    kept: dict[str, int | str | list[object]] = {}
    for name, value in arguments.items():
        if name.endswith(_SUBJECT_SUFFIXES) and isinstance(value, int | str | list | tuple):
            kept[name] = list(value) if isinstance(value, list | tuple) else value
    return kept
