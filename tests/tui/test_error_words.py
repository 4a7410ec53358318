"""The error modal turns the services' "read it again with `smtool inbox show N`" advice into what the
inbox screen does itself, in either language the services speak."""

from __future__ import annotations

import pytest

from smtool.errors import Conflict
from smtool.i18n import speaking
from smtool.tui.widgets.error_modal import in_tui_words


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "en",
            "inbox item 7 was just changed by someone else (it is now claimed); look at it again with "
            "`smtool inbox show 7`",
        ),
        (
            "lv",
            "ziņu 7 tikko mainīja kāds cits (tagad stāvoklis claimed); apskatiet to vēlreiz ar "
            "`smtool inbox show 7`",
        ),
        (
            "lv",
            "atbilde, kas gaida ziņai 7, nav tas teksts, ko izlasījāt (norādīta jaucējvērtība ab; "
            "ierosinājumam 3, autors liga, ir cd): izlasiet to vēlreiz ar `smtool inbox show 7` un "
            "apstipriniet to tekstu",
        ),
    ],
)
def test_the_cli_advice_becomes_the_screens_own(lang: str, message: str) -> None:
    with speaking(lang):
        worded = in_tui_words(Conflict(message))
    assert "smtool inbox show" not in worded.msg
    assert worded.msg.startswith(message[:20])


def test_an_error_without_the_advice_is_shown_as_it_is() -> None:
    error = Conflict("post 4 is approved; nothing to change")
    assert in_tui_words(error) is error
