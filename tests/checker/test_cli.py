"""`smtool check` driven through the Typer app, as a user would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smtool.cli.check import check as check_command
from smtool.cli.main import app
from smtool.errors import SmtoolError

runner = CliRunner()


class Outcome:
    def __init__(self, exit_code: int, output: str) -> None:
        self.exit_code = exit_code
        self.output = output


def invoke(args: list[str], input: str | None = None) -> Outcome:
    """Like `smtool ...`: an SmtoolError becomes its message and exit code, as in cli.main.run."""
    result = runner.invoke(app, args, input=input)
    if isinstance(result.exception, SmtoolError):
        return Outcome(result.exception.exit_code, result.output + str(result.exception))
    return Outcome(result.exit_code, result.output)


CONFIG = """
[institution]
name = "Valsts kanceleja"

[[users]]
name = "anna"
roles = ["communicator"]

[[users]]
name = "karlis"
roles = ["approver"]

[[accounts]]
id = "vk-x"
platform = "x"
handle = "@VKanceleja"
kind = "institution"
spokespeople = ["karlis"]
allowed_phones = ["67082800"]
"""


@pytest.fixture(autouse=True)
def _no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMTOOL_CONFIG", raising=False)


def test_an_error_finding_exits_1_and_underlines_the_span() -> None:
    result = invoke(["check", "--account-kind", "institution", "Šodien apmeklēju skolu."])
    assert result.exit_code == 1
    assert "error[voice.first-person]" in result.output
    lines = result.output.splitlines()
    row = next(i for i, line in enumerate(lines) if "Šodien apmeklēju skolu." in line)
    caret = lines[row + 1]
    assert caret.index("^") == lines[row].index("apmeklēju") and caret.count("^") == len("apmeklēju")


def test_a_clean_post_exits_0() -> None:
    result = invoke(
        ["check", "--account-kind", "institution", "Aicinām pieteikties kursiem līdz piektdienai."]
    )
    assert result.exit_code == 0 and "No findings." in result.output


def test_json_output_in_latvian() -> None:
    result = invoke(["check", "--format", "json", "--lang", "lv", "Es uzskatu."])
    data = json.loads(result.output)
    assert result.exit_code == 1
    assert (
        data["findings"][0]["rule"] == "voice.first-person"
        and "Pirmā persona" in data["findings"][0]["message"]
    )


def test_reads_a_file_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "post.txt").write_text("Biju Cēsīs.", encoding="utf-8")
    assert invoke(["check", "--file", "post.txt"]).exit_code == 1
    assert invoke(["check"], input="Aicinām pieteikties kursiem.").exit_code == 0
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe")
    assert invoke(["check", "--file", "bad.txt"]).exit_code == 2


def test_account_needs_a_config_and_account_kind_does_not(tmp_path: Path) -> None:
    result = invoke(["check", "--account", "vk-x", "Labdien."])
    assert result.exit_code == 2
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    ok = invoke(["check", "--account", "vk-x", "--author", "anna", "--format", "json", "Zvaniet 67082800."])
    rules = {f["rule"] for f in json.loads(ok.output)["findings"]}
    assert rules == {"authorization.not-spokesperson"}
    assert invoke(["check", "--account", "nope", "x"]).exit_code == 1


def test_bad_options_exit_2() -> None:
    assert invoke(["check", "--account-kind", "robot", "x"]).exit_code == 2
    assert invoke(["check", "--format", "xml", "x"]).exit_code == 2
    assert invoke(["check", "--platform", "myspace", "x"]).exit_code == 2


def test_batch_mode_writes_one_line_per_input(tmp_path: Path) -> None:
    lines = [
        {"id": 1, "text": "Aicinām pieteikties kursiem.", "author": "anna"},
        {"id": "b", "text": "Biju Cēsīs."},
    ]
    (tmp_path / "in.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8"
    )
    result = invoke(["check", "--jsonl", "in.jsonl", "--account-kind", "institution"])
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [1, "b"]
    assert [f["rule"] for f in out[0]["findings"]] == ["authorization.not-spokesperson"]
    assert out[1]["findings"][0]["rule"] == "voice.first-person"
    assert result.exit_code == 1
    (tmp_path / "broken.jsonl").write_text('{"id": 1, "text": "ok"}\nnot json\n', encoding="utf-8")
    broken = invoke(["check", "--jsonl", "broken.jsonl", "--account-kind", "institution"])
    assert broken.exit_code == 2


def test_a_broken_policy_pack_exits_2_naming_file_and_rule(tmp_path: Path) -> None:
    pack = tmp_path / "pol" / "lv-public-sector"
    pack.mkdir(parents=True)
    (pack / "pack.toml").write_text('[pack]\nname = "x"\n', encoding="utf-8")
    (pack / "r.toml").write_text('[[rule]]\nid = "voice.x"\nkind = "magic"\n', encoding="utf-8")
    (tmp_path / "pol" / "lv-incoming").mkdir()
    result = invoke(["check", "--policies", str(tmp_path / "pol"), "x"])
    assert result.exit_code == 2
    assert "r.toml: rule voice.x: unknown rule kind 'magic'" in result.output


def test_every_option_has_help() -> None:
    import inspect

    for param in inspect.signature(check_command).parameters.values():
        assert getattr(param.default, "help", None), param.name
    assert check_command.__doc__


def test_messages_are_in_the_posts_language_unless_lang_says_otherwise() -> None:
    def message(*args: str) -> str:
        return str(json.loads(invoke(["check", "--format", "json", *args]).output)["findings"][0]["message"])

    assert "Pirmā persona" in message("Es uzskatu, ka tā ir laba ideja.")
    assert "First person" in message("I think it is a good idea.")
    assert "First person" in message("--lang", "en", "Es uzskatu, ka tā ir laba ideja.")
    assert "Pirmā persona" in message("--lang", "lv", "I think it is a good idea.")
