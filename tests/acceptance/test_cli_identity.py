"""`regista user`, `regista group` and `regista apikey` on a SQLite file, as an operator
types them: what they print, what they store, and one-line errors instead of tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from regista.api.identity import Directory
from regista.cli.main import main
from regista.store.sql.sqlite import SqliteStore


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'id.db'}"


def run(db: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, [*args, "--database-url", db], input=stdin)


def ok(db: str, *args: str, stdin: str | None = None) -> str:
    done = run(db, *args, stdin=stdin)
    assert done.exit_code == 0, done.output
    return done.output


def test_users_groups_and_keys_from_the_command_line(db: str, tmp_path: Path) -> None:
    ok(db, "group", "add", "ops", "--name", "Operations", "--role", "operator")
    out = ok(
        db,
        "user",
        "add",
        "ann",
        "--role",
        "user",
        "--group",
        "ops",
        "--password-stdin",
        stdin="pw1\n",
    )
    assert "added user 'ann'" in out
    ok(db, "user", "add", "svc", "--role", "worker", stdin="pw\npw\n")  # asked twice
    listed = ok(db, "user", "list")
    assert "ann  roles user  groups ops" in listed and "svc  roles worker  groups -" in listed
    assert "members ann" in ok(db, "group", "list")

    ok(db, "user", "passwd", "ann", "--password-stdin", stdin="pw2\n")
    ok(db, "user", "grant", "svc", "operator")
    ok(db, "user", "revoke", "svc", "operator")
    created = run(db, "apikey", "create", "--user", "svc", "--role", "worker", "--name", "ci")
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("rgk_")

    store = SqliteStore(tmp_path / "id.db")
    try:
        directory = Directory(store)
        ann = directory.check_password("ann", "pw2")
        assert ann is not None and ann.roles == {"user", "operator"} and ann.groups == {"ops"}
        assert directory.check_password("ann", "pw1") is None
        svc = directory.check_api_key(key)
        assert svc is not None and svc.username == "svc" and svc.roles == {"worker"}
        key_id = directory.api_keys("svc")[0].id
    finally:
        store.close()

    assert f"{key_id}  rgk_{key_id}" in ok(db, "apikey", "list", "--user", "svc")
    assert key not in ok(db, "apikey", "list")
    assert f"revoked {key_id}" in ok(db, "apikey", "revoke", f"rgk_{key_id}")
    assert "already revoked" in ok(db, "apikey", "revoke", key_id)
    ok(db, "group", "member", "remove", "ops", "ann")
    ok(db, "group", "member", "add", "ops", "svc")
    ok(db, "user", "disable", "ann")
    assert "(disabled)" in ok(db, "user", "list")
    ok(db, "user", "enable", "ann")
    ok(db, "user", "delete", "svc")
    assert "svc" not in ok(db, "user", "list")


def test_mistakes_are_one_line_errors(db: str) -> None:
    ok(db, "user", "add", "ann", "--password-stdin", stdin="pw\n")
    for args, stdin, message in (
        (("user", "add", "ann", "--password-stdin"), "pw\n", "a user named 'ann' exists already"),
        (("user", "add", "a:b", "--password-stdin"), "pw\n", "username 'a:b' is not valid"),
        (("user", "add", "bob", "--password-stdin"), "\n", "the password is empty"),
        (("user", "add", "bob", "--group", "nope", "--password-stdin"), "pw\n", "no group 'nope'"),
        (("user", "passwd", "nobody", "--password-stdin"), "pw\n", "there is no user 'nobody'"),
        (("user", "grant", "ann", "boss"), None, "'boss' is not one of"),
        (("group", "member", "add", "nope", "ann"), None, "there is no group 'nope'"),
        (("apikey", "create", "--user", "ann", "--role", "admin"), None, "does not hold"),
        (("apikey", "revoke", "nope"), None, "there is no API key 'nope'"),
    ):
        done = run(db, *args, stdin=stdin)
        assert done.exit_code in (1, 2), done.output
        assert message in done.output, done.output
        assert "Traceback" not in done.output
    assert "added user 'bob'" not in ok(db, "user", "list")
