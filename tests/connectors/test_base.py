"""The contract: connectors load through entry points, satisfy the protocol; citizen metrics only grow."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.base import Connector, UnknownPlatform, available_platforms, load_connector_class
from connectors.emulator.citizens import CATEGORIES, CitizenWriter, grown_metrics
from connectors.facebook import FacebookConnector
from connectors.x import XConnector


def test_built_in_connectors_register_through_entry_points() -> None:
    assert available_platforms() == ["facebook", "x"]
    assert load_connector_class("x") is XConnector
    assert load_connector_class("facebook") is FacebookConnector


def test_unknown_platform_is_a_clear_error() -> None:
    with pytest.raises(UnknownPlatform, match=r"'myspace'.*facebook, x"):
        load_connector_class("myspace")


def test_connectors_satisfy_the_protocol(x: XConnector, fb: FacebookConnector) -> None:
    assert isinstance(x, Connector) and isinstance(fb, Connector)


@given(st.integers(0, 2**31), st.floats(0, 90 * 86400), st.floats(0, 30 * 86400))
def test_metrics_never_decrease_with_age(seed: int, age: float, more: float) -> None:
    before, after = grown_metrics(seed, "p1", age), grown_metrics(seed, "p1", age + more)
    assert all(after[k] >= before[k] for k in before)


def test_citizens_write_every_category_in_both_languages() -> None:
    writer = CitizenWriter(1)
    for category in CATEGORIES:
        for lang in ("lv", "en"):
            message = writer.message(category, lang)
            assert message.text and message.author.name and message.category == category
