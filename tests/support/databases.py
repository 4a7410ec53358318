"""Which databases the tests use, and configurations that name them."""

from __future__ import annotations

import os

import pytest

from smtool.config import Settings, settings_from_dict

PG_ENV = "SMTOOL_TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url and os.environ.get("CI"):
        # In CI the PostgreSQL tests must run, never silently skip.
        pytest.fail(f"{PG_ENV} is not set in CI; .ci/run must export it")
    return url


BASE_CONFIG = """\
[institution]
name = "Testa iestāde"
timezone = "Europe/Riga"

[database]
url = "{url}"

[[users]]
name = "anna"
roles = ["communicator"]

[[users]]
name = "karlis"
roles = ["approver"]

[[users]]
name = "admin"
roles = ["admin"]

[[accounts]]
id = "vk-x"
platform = "x"
handle = "@VK"
spokespeople = ["karlis"]

[[accounts]]
id = "vk-fb"
platform = "facebook"
handle = "VK"
spokespeople = ["karlis"]
"""


def settings_for(url: str, **extra: object) -> Settings:
    data: dict[str, object] = {"institution": {"name": "T"}, "database": {"url": url}}
    data.update(extra)
    return settings_from_dict(data)
