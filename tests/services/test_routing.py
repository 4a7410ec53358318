"""Routing rules: keywords and flags pick a team."""

from __future__ import annotations

from smtool.services.monitoring.routing import Router, fold


def test_routing_keywords_ignore_case_and_diacritics() -> None:
    from smtool.config import RoutingRule

    router = Router(
        [
            RoutingRule(team="taxes", keywords=["nodok*", "VID"]),
            RoutingRule(team="legal", flags=["personal_data"]),
        ],
        "press",
    )
    assert router.team_for("Kā maksāt NODOKĻUS?") == "taxes"
    assert router.team_for("Ko saka vid?") == "taxes"
    assert router.team_for("avidly reading") == "press"  # whole words only without *
    assert router.team_for("Mans kods", ["personal_data"]) == "legal"
    assert fold("Ēriks ŠĶŪNIS") == "eriks skunis"
