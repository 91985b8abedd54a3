"""Secrets: read from REGISTA_SECRET_* variables and a secrets file, resolved in texts,
lists and contexts, never shown in errors, blanked in messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from regista.connectors import SecretError, Secrets


def test_only_prefixed_environment_variables_are_secrets_and_the_file_wins(
    tmp_path: Path,
) -> None:
    file = tmp_path / "secrets"
    file.write_text('# comment\n\nTOKEN = "from-file"\nOTHER=x=y\n')
    environ = {"REGISTA_SECRET_TOKEN": "from-env", "REGISTA_SECRET_KEY": "k", "PATH": "/bin"}
    secrets = Secrets.load(environ, file)
    assert len(secrets) == 3 and "PATH" not in secrets
    assert secrets.resolve("{{secrets.TOKEN}}", "f") == "from-file"
    assert secrets.resolve("{{ secrets.OTHER }}/{{secrets.KEY}}", "f") == "x=y/k"


def test_placeholders_are_resolved_inside_lists_and_contexts() -> None:
    secrets = Secrets({"A": "alpha"})
    value = {"h": ["{{secrets.A}}", 3], "n": None, "t": "no placeholder"}
    assert secrets.resolve(value, "body") == {"h": ["alpha", 3], "n": None, "t": "no placeholder"}


def test_a_missing_secret_names_itself_and_the_field() -> None:
    with pytest.raises(SecretError) as caught:
        Secrets({"A": "alpha"}).resolve({"x": ["{{secrets.B}}"]}, "headers")
    assert "'B' in headers.x[0] is not configured" in str(caught.value)
    assert "REGISTA_SECRET_B" in str(caught.value)


def test_a_bad_secrets_file_line_is_named_without_its_value(tmp_path: Path) -> None:
    file = tmp_path / "secrets"
    file.write_text("GOOD=1\nthis-line-is-a-password\n")
    with pytest.raises(SecretError) as caught:
        Secrets.load({}, file)
    assert f"{file}:2" in str(caught.value)
    assert "this-line-is-a-password" not in str(caught.value)
    with pytest.raises(SecretError, match="cannot read the secrets file"):
        Secrets.load({}, tmp_path / "missing")


def test_redact_blanks_every_value_longest_first() -> None:
    secrets = Secrets({"A": "abc", "B": "abcdef", "C": "x"})
    assert secrets.redact("key abcdef then abc and x") == "key *** then *** and x"
