"""`regista user`, `regista group` and `regista apikey`: who may call `regista server`.

They work on the database directly (no server needed), through the same `Directory` as the
API: passwords hashed with argon2id, API keys shown once and stored as a hash.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from regista.api.context import ROLES
from regista.api.identity import KEY_PREFIX, Directory
from regista.cli.errors import RequestFailed
from regista.cli.options import client_for, database_option

__all__ = ["apikey", "group", "user"]

_ROLE = click.Choice(ROLES)


@contextmanager
def directory_for(database_url: str | None) -> Iterator[Directory]:
    with client_for(database_url) as client:
        yield Directory(client.store)


def read_password(from_stdin: bool) -> str:
    """The password from one line of stdin, or asked twice without echo."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise RequestFailed("the password is empty")
    return password


def _roles(roles: tuple[str, ...]) -> str:
    return ",".join(roles) or "-"


# -- users ----------------------------------------------------------------------------------


@click.group("user")
def user() -> None:
    """Users of the server: add, list, passwd, grant, revoke, disable, enable, delete."""


@user.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=_ROLE, help="A role; repeatable.")
@click.option("--group", "groups", multiple=True, help="A group to join; repeatable.")
@click.option("--name", default=None, help="The display name.")
@click.option("--email", default=None, help="The e-mail address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@database_option
def user_add(
    username: str,
    roles: tuple[str, ...],
    groups: tuple[str, ...],
    name: str | None,
    email: str | None,
    password_stdin: bool,
    database_url: str | None,
) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    password = read_password(password_stdin)
    with directory_for(database_url) as directory:
        directory.create_user(
            username, password, name=name, email=email, roles=roles, groups=groups
        )
    click.echo(f"added user {username!r} (roles: {_roles(roles)})")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
def user_list(as_json: bool, database_url: str | None) -> None:
    """List the users with their roles and groups."""
    with directory_for(database_url) as directory:
        users = directory.users()
        groups = directory.memberships()
    if as_json:
        rows = [
            {
                "username": u.username,
                "name": u.name,
                "email": u.email,
                "roles": list(u.roles),
                "groups": groups.get(u.username, []),
                "enabled": u.enabled,
                "created_at": u.created_at.isoformat(),
            }
            for u in users
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not users:
        click.echo("no users")
    for u in users:
        state = "" if u.enabled else "  (disabled)"
        member = ",".join(groups.get(u.username, [])) or "-"
        click.echo(f"{u.username}  roles {_roles(u.roles)}  groups {member}{state}")


@user.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@database_option
def user_passwd(username: str, password_stdin: bool, database_url: str | None) -> None:
    """Set a user's password."""
    password = read_password(password_stdin)
    with directory_for(database_url) as directory:
        directory.update_user(username, password=password)
    click.echo(f"changed the password of {username!r}")


@user.command("grant")
@click.argument("username")
@click.argument("role", type=_ROLE)
@database_option
def user_grant(username: str, role: str, database_url: str | None) -> None:
    """Give a user a role."""
    with directory_for(database_url) as directory:
        directory.grant(role, username=username)
    click.echo(f"{username!r} has the role {role}")


@user.command("revoke")
@click.argument("username")
@click.argument("role", type=_ROLE)
@database_option
def user_revoke(username: str, role: str, database_url: str | None) -> None:
    """Take a role from a user."""
    with directory_for(database_url) as directory:
        directory.revoke(role, username=username)
    click.echo(f"{username!r} no longer has the role {role}")


@user.command("disable")
@click.argument("username")
@database_option
def user_disable(username: str, database_url: str | None) -> None:
    """Refuse a user (and their API keys) from now on."""
    with directory_for(database_url) as directory:
        directory.update_user(username, enabled=False)
    click.echo(f"disabled {username!r}")


@user.command("enable")
@click.argument("username")
@database_option
def user_enable(username: str, database_url: str | None) -> None:
    """Let a disabled user in again."""
    with directory_for(database_url) as directory:
        directory.update_user(username, enabled=True)
    click.echo(f"enabled {username!r}")


@user.command("delete")
@click.argument("username")
@database_option
def user_delete(username: str, database_url: str | None) -> None:
    """Remove a user, their memberships and their API keys."""
    with directory_for(database_url) as directory:
        directory.delete_user(username)
    click.echo(f"deleted {username!r}")


# -- groups ---------------------------------------------------------------------------------


@click.group("group")
def group() -> None:
    """Groups of users: add, list, member add / remove."""


@group.command("add")
@click.argument("group_id")
@click.option("--name", default=None, help="The display name (default: the id).")
@click.option("--description", default=None)
@click.option("--role", "roles", multiple=True, type=_ROLE, help="A role; repeatable.")
@database_option
def group_add(
    group_id: str,
    name: str | None,
    description: str | None,
    roles: tuple[str, ...],
    database_url: str | None,
) -> None:
    """Add a group; its members hold its roles."""
    with directory_for(database_url) as directory:
        directory.create_group(group_id, name, description=description, roles=roles)
    click.echo(f"added group {group_id!r} (roles: {_roles(roles)})")


@group.command("list")
@database_option
def group_list(database_url: str | None) -> None:
    """List the groups with their roles and members."""
    with directory_for(database_url) as directory:
        groups = [(g, directory.members(g.id)) for g in directory.groups()]
    if not groups:
        click.echo("no groups")
    for g, members in groups:
        click.echo(
            f"{g.id}  {g.name!r}  roles {_roles(g.roles)}  members {','.join(members) or '-'}"
        )


@group.group("member")
def member() -> None:
    """Members of a group."""


@member.command("add")
@click.argument("group_id")
@click.argument("username")
@database_option
def member_add(group_id: str, username: str, database_url: str | None) -> None:
    """Put a user in a group."""
    with directory_for(database_url) as directory:
        directory.add_member(group_id, username)
    click.echo(f"{username!r} is in {group_id!r}")


@member.command("remove")
@click.argument("group_id")
@click.argument("username")
@database_option
def member_remove(group_id: str, username: str, database_url: str | None) -> None:
    """Take a user out of a group."""
    with directory_for(database_url) as directory:
        directory.remove_member(group_id, username)
    click.echo(f"{username!r} left {group_id!r}")


# -- API keys -------------------------------------------------------------------------------


@click.group("apikey")
def apikey() -> None:
    """API keys (`Authorization: Bearer <key>`): create, list, revoke."""


@apikey.command("create")
@click.option("--user", "username", required=True, help="The user the key acts as.")
@click.option(
    "--role", "roles", multiple=True, type=_ROLE, help="A role (default: the user's); repeatable."
)
@click.option("--name", default=None, help="What the key is for.")
@database_option
def apikey_create(
    username: str, roles: tuple[str, ...], name: str | None, database_url: str | None
) -> None:
    """Create a key and print it: it is shown this once and stored only as a hash."""
    with directory_for(database_url) as directory:
        made = directory.create_api_key(username, roles=roles or None, name=name)
    click.echo(
        f"API key {made.key.id} of {username!r}; keep it now, it is not shown again "
        f"(OAuth clients: client id {made.key.prefix}, client secret the whole key):",
        err=True,
    )
    click.echo(made.text)


@apikey.command("list")
@click.option("--user", "username", default=None, help="Only this user's keys.")
@database_option
def apikey_list(username: str | None, database_url: str | None) -> None:
    """List the keys (never their secrets)."""
    with directory_for(database_url) as directory:
        keys = directory.api_keys(username)
    if not keys:
        click.echo("no API keys")
    for k in keys:
        roles = "the user's" if k.roles is None else _roles(k.roles)
        used = k.last_used_at.isoformat() if k.last_used_at else "never"
        state = f"  revoked {k.revoked_at.isoformat()}" if k.revoked_at else ""
        click.echo(f"{k.id}  {k.prefix}…  user {k.username}  roles {roles}  used {used}{state}")


@apikey.command("revoke")
@click.argument("key_id")
@database_option
def apikey_revoke(key_id: str, database_url: str | None) -> None:
    """Revoke a key: it is refused from now on (within seconds on other servers)."""
    key_id = key_id.removeprefix(KEY_PREFIX)
    with directory_for(database_url) as directory:
        revoked = directory.revoke_api_key(key_id)
    click.echo(f"revoked {key_id}" if revoked else f"{key_id} was already revoked")
