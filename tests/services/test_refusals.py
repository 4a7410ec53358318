"""Every refused action is in the audit log with who tried what, and nothing else changed."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from types import ModuleType

import pytest
from sqlmodel import col, select

from smtool.errors import PermissionDenied
from smtool.services.context import Context
from smtool.services.monitoring import queue
from smtool.services.publishing import approval, calendar, checks, drafts, pauses
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.records import retention
from smtool.services.refusals import ATTRIBUTE, REFUSED
from smtool.store.tables import Approval, AuditEvent


def _refusals(ctx: Context) -> list[AuditEvent]:
    with ctx.db.read() as session:
        return list(
            session.exec(select(AuditEvent).where(AuditEvent.action == REFUSED).order_by(col(AuditEvent.id)))
        )


def test_a_refused_approval_is_audited_with_who_and_what(ctx: Context) -> None:
    post_id = create_post(ctx, "anna", Draft(text="Valsts kanceleja informē.", accounts=["vk-x"]))
    submit_post(ctx, "anna", post_id)
    with pytest.raises(PermissionDenied):
        approve_posts(ctx, "anna", [post_id])
    (event,) = _refusals(ctx)
    payload = json.loads(event.payload)
    assert event.actor == "anna" and event.subject_id == "post.approve"
    assert payload["post_ids"] == [post_id] and "may not approve" in payload["reason"]
    with ctx.db.read() as session:
        assert session.exec(select(Approval)).all() == []


def test_a_refusal_inside_a_transaction_is_audited_and_the_change_rolled_back(ctx: Context) -> None:
    # karlis is an approver but not the author: only the author may submit (raised mid-transaction).
    post_id = create_post(ctx, "anna", Draft(text="Valsts kanceleja informē.", accounts=["vk-x"]))
    with pytest.raises(PermissionDenied):
        submit_post(ctx, "karlis", post_id)
    with pytest.raises(PermissionDenied):
        pauses.pause(ctx, "stranger", pauses.ALL, "tests")
    actors = [(e.actor, e.subject_id) for e in _refusals(ctx)]
    assert actors == [("karlis", "post.submit"), ("stranger", "publishing.pause")]
    assert pauses.list_pauses(ctx) == []


# Installation-level commands: whoever runs them on the server (the key files' owner) may; they
# check no role, so nothing is refused. A use case added here must not check roles either.
_NO_ROLE_CHECK = {
    "smtool.services.records.archive.export.export_archive",
    "smtool.services.records.checkpoints.write_checkpoint",
    "smtool.services.records.checkpoints.take_checkpoint",  # write_checkpoint into the configured folder
    "smtool.services.installation.keys.rotate",
    "smtool.services.refusals.record_refusal",
}


def _services() -> list[ModuleType]:
    import smtool.services

    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(smtool.services.__path__, "smtool.services.")
    ]


def _is_use_case(function: object) -> bool:
    """A use case acts for someone (ctx and actor). A step given a `session` runs inside the
    transaction of the use case that called it, and that use case audits the refusal."""
    parameters = inspect.signature(function).parameters  # type: ignore[arg-type]
    return "ctx" in parameters and "actor" in parameters and "session" not in parameters


@pytest.mark.parametrize("module", [drafts, approval, checks, queue, pauses, retention, calendar])
def test_every_use_case_with_an_actor_audits_its_refusals(module: ModuleType) -> None:
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ != module.__name__ or name.startswith("_"):
            continue
        if _is_use_case(function):
            assert hasattr(function, ATTRIBUTE), f"{module.__name__}.{name} is not @audits_refusals"


def test_no_service_module_has_a_use_case_that_could_refuse_unaudited() -> None:
    # The list above names the modules known today; a new module's use case is caught here.
    for module in _services():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            qualified = f"{module.__name__}.{name}"
            if function.__module__ != module.__name__ or name.startswith("_") or qualified in _NO_ROLE_CHECK:
                continue
            if _is_use_case(function):
                assert hasattr(function, ATTRIBUTE), f"{qualified} is not @audits_refusals"
