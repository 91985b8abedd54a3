"""The pages the API's searches read (instances, incidents, jobs, user tasks) and the
messageId record, over one SQL session: the pieces live in `queries/<dialect>/search.sql`.

A list statement is built from the filters a search actually gives, each a named piece
with bound parameters, so the planner sees only what is asked and picks the index that
serves it. A list filtered by statuses is one branch per status, each walking a
status-led index in the page's order (`instances (definition_id, status, started_at, id)`
and the like), joined by UNION ALL under the page's ORDER BY: the database merges the
branches lazily and stops at the page's end, so no list sorts the rows it reads, however
many there are. Pages are keyset pages (after the sort key and id of the last row seen).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, get_args

from regista.engine.state import Status
from regista.store.params import IncidentQuery, InstanceQuery, JobQuery
from regista.store.records import Incident, Instance, Job, UserTask, UserTaskStatus
from regista.store.sql.base import key_in
from regista.store.sql.rows import Row
from regista.store.sql.session import SqlSession
from regista.store.sql.sqlfiles import placeholder
from regista.store.tasklist import UserTaskQuery

__all__ = [
    "claim_message_id",
    "count_incidents",
    "count_instances",
    "count_jobs",
    "list_instances",
    "page_incidents",
    "page_instances",
    "page_jobs",
    "page_user_tasks",
    "search_user_tasks",
]

_INSTANCE_STATUSES: tuple[str, ...] = tuple(status.value for status in Status)
_TASK_STATUSES: tuple[str, ...] = get_args(UserTaskStatus)


class _Select:
    """One list statement in the making: the conditions of the filters given, with their
    parameters (the pieces named in `search.sql`)."""

    def __init__(self, s: SqlSession) -> None:
        self.s = s
        self.where: list[str] = []
        self.params: dict[str, Any] = {}

    def add(self, piece: str, **params: Any) -> None:
        """AND the named condition, binding `params`."""
        self.where.append(self.s.sql(piece))
        self.params.update(params)

    def when(self, value: Any, piece: str, param: str) -> None:
        """AND the named condition on `param` when the filter is given (not None)."""
        if value is not None:
            self.add(piece, **{param: value})

    def text(self, head: str, *extra: str) -> str:
        """`head` (SQL) with the conditions, and `extra` ones, joined with AND."""
        where = [*extra, *self.where]
        return head if not where else head + "\nWHERE " + "\n  AND ".join(where)

    def page(
        self,
        label: str,
        head: str,
        order: str | None,
        arms: tuple[str, str, Sequence[str]] | None = None,
    ) -> list[Row]:
        """The rows of one page: `head` with the conditions, in `order` (SQL, None: at
        most one row), limited by the `limit` and `offset` parameters. With `arms`
        (piece, parameter, values), one branch per value, merged in `order`."""
        if arms is None:
            branches = [self.text(head)]
        else:
            piece, param, values = arms
            if not values:
                return []
            branches = []
            dialect = self.s.dialect.name
            for i, value in enumerate(values):
                name = f"{param}_{i}"
                cond = self.s.sql(piece).replace(
                    placeholder(dialect, param), placeholder(dialect, name)
                )
                self.params[name] = value
                branches.append(self.text(head, cond))
            if len(branches) > 1:
                shape = self.s.sql("branch").replace("{order}", order or "")
                branches = [shape.replace("{branch}", branch) for branch in branches]
        sql = "\nUNION ALL\n".join(branches)
        if order is not None:
            sql += "\nORDER BY " + order
        return self.s.query(label, sql + "\n" + self.s.sql("page_limit"), self.params)

    def count(self, label: str, head: str, cap: int) -> int:
        """How many rows match, counting up to `cap`."""
        inner = self.text(self.s.sql(head)) + "\n" + self.s.sql("count_cap")
        self.params["cap"] = cap
        rows = self.s.query(label, f"SELECT count(*) AS n FROM ({inner}) AS counted", self.params)
        return int(rows[0]["n"]) if rows else 0


def _direction(descending: bool) -> str:
    return "desc" if descending else "asc"


# -- instances ----------------------------------------------------------------------------


def _instances(s: SqlSession, q: InstanceQuery, *, page: bool = False) -> _Select:
    """The instance filters but the statuses and the cursor. In a `page`, a time range
    other than the order's is checked on the rows the order's index walk meets."""
    c = s.codec
    sel = _Select(s)
    sel.when(q.instance_id, "instance_id_is", "instance_id")
    sel.when(q.definition_id, "instance_definition_is", "definition_id")
    sel.when(q.process_id, "instance_process_is", "process_id")
    sel.when(q.parent_instance_id, "instance_parent_is", "parent_instance_id")
    sel.when(q.business_key, "instance_business_key_is", "business_key")
    for column in ("started", "ended"):
        walked = page and (column != "started" or q.order != "started")
        suffix = "_residual" if walked else ""
        sel.when(
            c.ts(getattr(q, f"{column}_from")), f"instance_{column}_from{suffix}", f"{column}_from"
        )
        sel.when(c.ts(getattr(q, f"{column}_to")), f"instance_{column}_to{suffix}", f"{column}_to")
    return sel


def _distinct(values: Sequence[str]) -> list[str]:
    return sorted(set(values))


def _lead(q: InstanceQuery) -> str | None:
    """The equality filter whose index a page walks (the most selective one given)."""
    if q.definition_id is not None:
        return "definition"
    if q.parent_instance_id is not None:
        return "parent"
    if q.process_id is not None:
        return "process"
    return None


def page_instances(s: SqlSession, q: InstanceQuery) -> list[Instance]:
    sel = _instances(s, q, page=True)
    direction = _direction(q.descending)
    if q.after_id is not None:
        sel.add(
            f"instance_after_{q.order}_{direction}",
            after_id=q.after_id,
            after_started=s.codec.ts(q.after_started),
        )
    sel.params.update(limit=q.limit, offset=q.offset)
    head = s.sql("instance_rows")
    if q.instance_id is not None:  # at most one row: no order to keep
        if q.statuses is not None:
            sel.add("instance_status_in", statuses=s.codec.text_list(_distinct(q.statuses)))
        rows = sel.page("instance_page", head, None)
    else:
        arms: tuple[str, str, Sequence[str]] | None = None
        lead = _lead(q)
        if lead is not None:
            head = s.sql(f"instance_rows_{lead}_{q.order}")
        if q.statuses is not None:
            arms = ("instance_status_is", "status", _distinct(q.statuses))
        elif lead is not None:
            # the (x, status, ...) indexes serve x alone through one branch per status
            arms = ("instance_status_is", "status", _INSTANCE_STATUSES)
        order = s.sql(f"instance_order_{q.order}_{direction}")
        rows = sel.page("instance_page", head, order, arms)
    return [s.rows.instance(r) for r in rows]


def list_instances(
    s: SqlSession,
    *,
    status: str | None,
    process_id: str | None,
    business_key: str | None,
    parent_instance_id: str | None,
    limit: int,
) -> list[Instance]:
    """Instances oldest first (the runtime's and the Client's list); by business key, the
    few of that key."""
    if business_key is None:
        statuses = None if status is None else [status]
        query = InstanceQuery(
            process_id=process_id,
            parent_instance_id=parent_instance_id,
            statuses=statuses,
            limit=limit,
        )
        return page_instances(s, query)
    sel = _Select(s)
    sel.add("instance_business_key_is", business_key=business_key)
    sel.when(status, "instance_status_is", "status")
    sel.when(process_id, "instance_process_is", "process_id")
    sel.when(parent_instance_id, "instance_parent_is", "parent_instance_id")
    sel.params.update(limit=limit, offset=0)
    order = s.sql("instance_order_started_asc")
    return [s.rows.instance(r) for r in sel.page("instance_list", s.sql("instance_rows"), order)]


def count_instances(s: SqlSession, q: InstanceQuery, cap: int) -> int:
    sel = _instances(s, q)
    if q.statuses is not None:
        if not q.statuses:
            return 0
        sel.add("instance_status_in", statuses=s.codec.text_list(_distinct(q.statuses)))
    return sel.count("instance_count", "instance_count_rows", cap)


# -- incidents ----------------------------------------------------------------------------


def _incidents(s: SqlSession, q: IncidentQuery) -> _Select:
    sel = _Select(s)
    sel.when(q.incident_id, "incident_id_is", "incident_id")
    sel.when(q.instance_id, "incident_instance_is", "instance_id")
    sel.when(q.element_id, "incident_element_is", "element_id")
    sel.when(q.job_id, "incident_job_is", "job_id")
    sel.when(q.element_instance_id, "incident_element_instance_is", "element_instance_id")
    sel.when(q.error_type, "incident_error_type_is", "error_type")
    sel.when(q.process_id, "incident_process_is", "process_id")
    sel.when(q.definition_id, "incident_definition_is", "definition_id")
    sel.when(s.codec.ts(q.created_from), "incident_created_from", "created_from")
    sel.when(s.codec.ts(q.created_to), "incident_created_to", "created_to")
    if q.resolved is not None:
        sel.add("incident_resolved" if q.resolved else "incident_open")
    return sel


def page_incidents(s: SqlSession, q: IncidentQuery) -> list[Incident]:
    sel = _incidents(s, q)
    direction = _direction(q.descending)
    if q.after_id is not None:
        sel.add(
            f"incident_after_{direction}",
            after_id=q.after_id,
            after_created=s.codec.ts(q.after_created),
        )
    sel.params.update(limit=q.limit, offset=q.offset)
    order = None if q.incident_id is not None else s.sql(f"incident_order_{direction}")
    rows = sel.page("incident_page", s.sql("incident_rows"), order)
    return [s.rows.incident(r) for r in rows]


def count_incidents(s: SqlSession, q: IncidentQuery, cap: int) -> int:
    return _incidents(s, q).count("incident_count", "incident_count_rows", cap)


# -- jobs ---------------------------------------------------------------------------------


def _jobs(s: SqlSession, q: JobQuery) -> _Select:
    """The job filters but the statuses and the cursor."""
    sel = _Select(s)
    sel.add("job_listed", internal="regista:%")
    sel.when(q.job_id, "job_id_is", "job_id")
    sel.when(q.type, "job_type_is", "type")
    sel.when(q.worker, "job_worker_is", "worker")
    sel.when(q.instance_id, "job_instance_is", "instance_id")
    sel.when(q.process_id, "job_process_is", "process_id")
    sel.when(q.definition_id, "job_definition_is", "definition_id")
    sel.when(q.element_id, "job_element_is", "element_id")
    sel.when(q.element_instance_id, "job_element_instance_is", "element_instance_id")
    sel.when(q.retries, "job_retries_is", "retries")
    sel.when(q.retries_from, "job_retries_from", "retries_from")
    sel.when(q.retries_to, "job_retries_to", "retries_to")
    if q.retried is not None:
        sel.add("job_retried" if q.retried else "job_not_retried")
    return sel


def page_jobs(s: SqlSession, q: JobQuery) -> list[Job]:
    sel = _jobs(s, q)
    direction = _direction(q.descending)
    if q.after_id is not None:
        sel.add(f"job_after_{direction}", after_id=q.after_id)
    sel.params.update(limit=q.limit, offset=q.offset)
    head = s.sql("job_rows")
    if q.job_id is not None:  # at most one row
        if q.statuses is not None:
            sel.add("job_status_in", statuses=s.codec.text_list(_distinct(q.statuses)))
        rows = sel.page("job_page", head, None)
    else:
        arms = None if q.statuses is None else ("job_status_is", "status", _distinct(q.statuses))
        rows = sel.page("job_page", head, s.sql(f"job_order_{direction}"), arms)
    return [s.rows.job(r) for r in rows]


def count_jobs(s: SqlSession, q: JobQuery, cap: int) -> int:
    sel = _jobs(s, q)
    if q.statuses is not None:
        if not q.statuses:
            return 0
        sel.add("job_status_in", statuses=s.codec.text_list(_distinct(q.statuses)))
    return sel.count("job_count", "job_count_rows", cap)


# -- user tasks ---------------------------------------------------------------------------


def _user_tasks(s: SqlSession, q: UserTaskQuery) -> _Select:
    """The user task filters but the states and the cursor."""
    sel = _Select(s)
    sel.when(q.task_id, "user_task_id_is", "task_id")
    sel.when(q.instance_id, "user_task_instance_is", "instance_id")
    sel.when(q.element_id, "user_task_element_is", "element_id")
    sel.when(q.element_instance_id, "user_task_element_instance_is", "element_instance_id")
    sel.when(q.assignee, "user_task_assignee_is", "assignee")
    sel.when(q.candidate_user, "user_task_offered_to_user", "candidate_user")
    sel.when(q.candidate_group, "user_task_offered_to_group", "candidate_group")
    sel.when(q.priority, "user_task_priority_is", "priority")
    if q.unassigned is not None:
        sel.add("user_task_unassigned" if q.unassigned else "user_task_assigned")
    if q.due_from is not None:
        sel.add("user_task_due_from", due_from=s.codec.ts(q.due_from))
    if q.due_to is not None:
        sel.add("user_task_due_to", due_to=s.codec.ts(q.due_to))
    sel.when(q.process_id, "user_task_process_is", "process_id")
    sel.when(q.definition_id, "user_task_definition_is", "definition_id")
    if q.viewer is not None:
        groups = list(q.viewer.groups)
        sel.add("user_task_visible", viewer=q.viewer.user, groups=s.codec.text_list(groups))
    return sel


def search_user_tasks(s: SqlSession, q: UserTaskQuery) -> tuple[list[UserTask], int]:
    """A page of user tasks in the order asked, and how many match in all."""
    states = _distinct(q.states) if q.states else list(_TASK_STATUSES)
    return page_user_tasks(s, q), _count_user_tasks(s, q, states)


def page_user_tasks(s: SqlSession, q: UserTaskQuery) -> list[UserTask]:
    """A page of user tasks in the order asked."""
    states = _distinct(q.states) if q.states else list(_TASK_STATUSES)
    sel = _user_tasks(s, q)
    key = s.sql(f"user_task_sort_{q.sort}")
    direction = _direction(q.descending)
    if q.after is not None:
        sel.where.append(s.sql(f"user_task_after_{direction}").replace("SORT_KEY", key))
        sel.params["after"] = q.after
    sel.params.update(limit=q.limit, offset=q.offset)
    head = s.sql("user_task_rows").replace("SORT_KEY", key)
    if q.task_id is not None:  # at most one row
        sel.add("user_task_status_in", states=s.codec.text_list(states))
        rows = sel.page("user_task_search", head, None)
    else:
        order = s.sql(f"user_task_order_{direction}")
        arms = ("user_task_status_is", "status", states)
        rows = sel.page("user_task_search", head, order, arms)
    return [s.rows.user_task(r) for r in rows]


def _count_user_tasks(s: SqlSession, q: UserTaskQuery, states: list[str]) -> int:
    sel = _user_tasks(s, q)
    if q.states:
        sel.add("user_task_status_in", states=s.codec.text_list(states))
    # every match is counted (the tasklist shows the total)
    rows = s.query(
        "user_task_count",
        f"SELECT count(*) AS n FROM ({sel.text(s.sql('user_task_count_rows'))}) AS counted",
        sel.params,
    )
    return int(rows[0]["n"]) if rows else 0


# -- messageId ----------------------------------------------------------------------------


def claim_message_id(
    s: SqlSession,
    name: str,
    correlation_key: str | None,
    message_id: str,
    *,
    message_key: str,
    expires_at: datetime,
    now: datetime,
) -> bool:
    row = s.one(
        "message_id_claim",
        write=True,
        name=name,
        correlation_key=key_in(correlation_key),
        message_id=message_id,
        message_key=message_key,
        expires_at=s.codec.ts(expires_at),
        now=s.codec.ts(now),
    )
    return row is not None
