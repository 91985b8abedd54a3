"""`regista tasks`: list open user tasks, complete and assign them."""

from __future__ import annotations

import json
from typing import Any

import click

from regista.cli.decide import to_json
from regista.cli.errors import RequestFailed
from regista.cli.options import client_for, database_option
from regista.cli.start import read_variables
from regista.runtime.views import TaskInfo

__all__ = ["tasks"]


def task_json(task: TaskInfo) -> dict[str, Any]:
    return {
        "id": task.id,
        "instance_id": task.instance_id,
        "element_id": task.element_id,
        "name": task.name,
        "assignee": task.assignee,
        "candidate_users": list(task.candidate_users),
        "candidate_groups": list(task.candidate_groups),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "follow_up_at": task.follow_up_at.isoformat() if task.follow_up_at else None,
        "form_key": task.form_key,
        "variables": to_json(task.variables),
        "created_at": task.created_at.isoformat(),
    }


@click.group("tasks", invoke_without_command=True)
@database_option
@click.option("--assignee", default=None, help="Only tasks assigned to this user.")
@click.option("--group", "candidate_group", default=None, help="Only tasks this group may do.")
@click.option("--user", "candidate_user", default=None, help="Only tasks this user may claim.")
@click.option("--instance", "instance_id", default=None, help="Only this instance's tasks.")
@click.option("--limit", default=100, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def tasks(
    ctx: click.Context,
    database_url: str | None,
    assignee: str | None,
    candidate_group: str | None,
    candidate_user: str | None,
    instance_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List open user tasks (oldest first); `complete` and `assign` act on one."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url
    if ctx.invoked_subcommand is not None:
        return
    with client_for(database_url) as client:
        found = client.tasks(
            instance_id=instance_id,
            assignee=assignee,
            candidate_user=candidate_user,
            candidate_group=candidate_group,
            limit=limit,
        )
    if as_json:
        click.echo(json.dumps([task_json(t) for t in found], indent=2))
        return
    if not found:
        click.echo("no open user tasks")
        return
    for task in found:
        who = f"assigned to {task.assignee}" if task.assignee else "unassigned"
        groups = f" groups {', '.join(task.candidate_groups)}" if task.candidate_groups else ""
        users = f" users {', '.join(task.candidate_users)}" if task.candidate_users else ""
        name = f" ({task.name})" if task.name else ""
        click.echo(
            f"{task.id}  {task.element_id}{name}  instance {task.instance_id}  {who}{groups}{users}"
        )


@tasks.command("complete")
@click.argument("task_id")
@click.option("--var", "assignments", multiple=True, help="A variable as name=value (JSON).")
@click.option("--variables", "variables_json", default=None, help="Variables as a JSON object.")
@click.option("--by", "user", default=None, help="Who completes it (kept in the audit trail).")
@database_option
@click.pass_context
def complete(
    ctx: click.Context,
    task_id: str,
    assignments: tuple[str, ...],
    variables_json: str | None,
    user: str | None,
    database_url: str | None,
) -> None:
    """Complete a user task with variables; the instance moves on."""
    variables = read_variables(assignments, variables_json)
    url = database_url or ctx.obj.get("database_url")
    with client_for(url) as client:
        done = client.complete_task(task_id, variables, by=user or "cli")
    if not done:
        raise RequestFailed(f"{task_id}: was already completed (nothing done)")
    click.echo(f"{task_id}: completed")


@tasks.command("assign")
@click.argument("task_id")
@click.argument("assignee", required=False)
@database_option
@click.pass_context
def assign(
    ctx: click.Context, task_id: str, assignee: str | None, database_url: str | None
) -> None:
    """Assign a user task to ASSIGNEE (leave it out to unassign)."""
    url = database_url or ctx.obj.get("database_url")
    with client_for(url) as client:
        client.assign_task(task_id, assignee, actor="cli")
    click.echo(f"{task_id}: assigned to {assignee}" if assignee else f"{task_id}: unassigned")
