from __future__ import annotations

import pytest

from smtool.domain.roles import Action, Role, can, require, require_spokesperson
from smtool.errors import PermissionDenied


def test_a_communicator_cannot_approve() -> None:
    assert not can([Role.COMMUNICATOR], Action.APPROVE_POST)
    with pytest.raises(PermissionDenied, match="needs the role approver"):
        require("anna", ["communicator"], Action.APPROVE_POST)


def test_an_approver_can_approve_and_waive() -> None:
    assert can(["approver"], Action.APPROVE_POST)
    assert can(["approver"], Action.WAIVE_FINDING)


def test_roles_combine() -> None:
    assert can(["communicator", "manager"], Action.VIEW_REPORTS)
    assert can(["communicator", "manager"], Action.DRAFT_POST)


def test_press_officer_moderates_but_does_not_approve() -> None:
    assert can(["press_officer"], Action.MODERATE)
    assert not can(["press_officer"], Action.APPROVE_POST)


def test_admin_manages_but_does_not_speak_for_the_institution() -> None:
    assert can(["admin"], Action.MANAGE)
    assert not can(["admin"], Action.APPROVE_POST)


def test_spokesperson_check_names_the_account() -> None:
    require_spokesperson("karlis", "vk-x", ["karlis"])
    with pytest.raises(PermissionDenied, match="vk-x"):
        require_spokesperson("janis", "vk-x", ["karlis"])
