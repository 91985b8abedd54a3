"""`regista run` as the README's Quickstart describes it: the command it gives, answered at
the prompt as it says (after the mistake it used to invite), ends with the order approved;
answers that do not fit are asked again; the end of input is not a success; `--var` is
JSON or `name:=text`."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from regista.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def quickstart_args() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Quickstart", 1)[1]
    match = re.search(r"\.venv/bin/regista run ([^\n]*)", section)
    assert match is not None, "the Quickstart lost its regista run command"
    return ["run", *shlex.split(match.group(1))]


def test_the_quickstart_says_what_the_prompt_wants(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "README.md").read_text("utf-8").split("## Quickstart", 1)[1]
    assert "at the `approved` prompt type `true`" in " ".join(text.split())
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("regista.cli.run._interactive", lambda: True)
    # first the old instruction's answer, then a word that is not a boolean, then `true`
    answers = "approved: true\n:=yes\ntrue\n"
    result = CliRunner().invoke(main, [*quickstart_args(), "--json"], input=answers)
    assert result.exit_code == 0, result.output
    assert "type only the value of approved" in result.output
    assert "approved: must be true or false" in result.output
    assert '"state": "completed"' in result.output and '"approved": true' in result.output
    assert '"charge"' in result.output


def test_the_end_of_input_before_the_instance_ends_exits_3(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, quickstart_args(), input="")
    assert result.exit_code == 3, result.output
    assert "the input ended while the instance still waits" in result.output


@pytest.mark.parametrize(
    ("var", "value"),
    [("n=12", "12"), ('who="ann"', '"ann"'), ("who:=ann", '"ann"'), ("who:=", '""')],
)
def test_a_var_is_json_or_explicit_text(var: str, value: str) -> None:
    result = CliRunner().invoke(
        main, ["run", str(ROOT / "examples/order/order.bpmn"), "--var", var, "--json"]
    )
    name = var.partition("=")[0].rstrip(":")
    assert f'"{name}": {value}' in result.output, result.output


def test_a_var_that_is_not_json_is_refused() -> None:
    result = CliRunner().invoke(
        main, ["run", str(ROOT / "examples/order/order.bpmn"), "--var", "customerType=regular"]
    )
    assert result.exit_code == 2
    assert "customerType: 'regular' is not JSON" in result.output
    assert "name:=text" in result.output
