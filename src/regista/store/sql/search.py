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
from regista.store.decision_instances import DecisionInstance, DecisionInstanceQuery
from regista.store.params import IncidentQuery, InstanceQuery, JobQuery
from regista.store.records import Incident, Instance, Job, UserTask, UserTaskStatus
from regista.store.sql.base import key_in
from regista.store.sql.rows import Row
from regista.store.sql.session import SqlSession
from regista.store.sql.sqlfiles import placeholder
from regista.store.tasklist import UserTaskQuery
from regista.store.variables import VariableCondition, VariableQuery, VariableValue, value_json

__all__ = [
    "claim_message_id",
    "count_decision_instances",
    "count_incidents",
    "count_instances",
    "count_jobs",
    "count_variables",
    "list_instances",
    "page_decision_instances",
    "page_incidents",
    "page_instances",
    "page_jobs",
    "page_user_tasks",
    "page_variables",
    "search_user_tasks",
    "variable",
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
    for i, condition in enumerate(q.variables):
        # checked on the rows the walk meets, each through the variables' primary key
        cond = _condition(s, condition, i, sel.params)
        sel.where.append(s.sql("instance_variable").replace("{cond}", cond))
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
    sel.when(q.process_id, "incident_process_is", "process_id")
    sel.when(q.definition_id, "incident_definition_is", "definition_id")
    sel.when(s.codec.ts(q.created_from), "incident_created_from", "created_from")
    sel.when(s.codec.ts(q.created_to), "incident_created_to", "created_to")
    if q.error_types is not None:
        # checked on the rows the walk meets: no index leads with a type of so few values
        sel.add("incident_type_in", error_types=s.codec.text_list(_distinct(q.error_types)))
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


# -- variables ----------------------------------------------------------------------------


def variable(r: Row) -> VariableValue:
    """A variable row as its record."""
    number = r["value_number"]
    return VariableValue(
        instance_id=str(r["instance_id"]),
        scope_id=str(r["scope_id"]),
        name=str(r["name"]),
        key=str(r["variable_key"]),
        value=str(r["value"]),
        text=r["value_text"],
        number=None if number is None else float(number),
    )


def _renamed(s: SqlSession, piece: str, param: str, name: str) -> str:
    dialect = s.dialect.name
    return s.sql(piece).replace(placeholder(dialect, param), placeholder(dialect, name))


def _condition(s: SqlSession, c: VariableCondition, i: int, params: dict[str, Any]) -> str:
    """The SQL of a condition on the variable row `v`, its parameters named after `i`."""
    kind = c.column
    given = float(c.value) if kind == "number" else c.value
    params[f"cond_{i}"] = value_json(c.value) if kind == "json" else given
    sql = _renamed(s, f"variable_{kind}_{c.operator}", "cond", f"cond_{i}")
    if c.name is not None:
        params[f"cond_name_{i}"] = c.name
        sql = _renamed(s, "variable_named", "cond_name", f"cond_name_{i}") + " AND " + sql
    return sql


def _variables(s: SqlSession, q: VariableQuery, *, merged: str | None = None) -> _Select:
    """The variable filters but the cursor; a list of names or scopes is an IN condition
    unless it is the one `merged` into branches."""
    sel = _Select(s)
    sel.when(q.instance_id, "variable_instance_is", "instance_id")
    sel.when(None if q.key is None else int(q.key), "variable_key_is", "key")
    for field, values, one, many in (
        ("name", q.names, "variable_name_is", "variable_name_in"),
        ("scope_id", q.scope_ids, "variable_scope_is", "variable_scope_in"),
    ):
        if values is None or merged == field:
            continue
        if len(set(values)) == 1:
            sel.add(one, **{field: values[0]})
        else:
            sel.add(many, **{f"{field}s": s.codec.text_list(_distinct(values))})
    if q.values:
        parts = [_condition(s, c, i, sel.params) for i, c in enumerate(q.values)]
        sel.where.append("(" + " OR ".join(parts) + ")")
    return sel


def _selects_nothing(q: VariableQuery) -> bool:
    """Whether the query asks for none of an empty list of names or scopes."""
    return (q.names is not None and not q.names) or (q.scope_ids is not None and not q.scope_ids)


def _variable_lead(q: VariableQuery) -> str:
    """The index a page of variables walks, in key order: the most selective filter's."""
    if q.key is not None:
        return "key"
    if q.instance_id is not None:
        return "instance"
    if q.names is not None:
        return "name"
    if q.scope_ids is not None:
        return "scope"
    return "key"


def page_variables(s: SqlSession, q: VariableQuery) -> list[VariableValue]:
    """A page of variables in key order, walking the index of the lead filter: a list of
    several names (or scopes) is one branch per name, each walking the name's index in
    key order, merged."""
    if _selects_nothing(q):
        return []
    lead = _variable_lead(q)
    arms: tuple[str, str, Sequence[str]] | None = None
    if lead == "name" and len(set(q.names or ())) > 1:
        arms = ("variable_name_is", "name", _distinct(q.names or ()))
    elif lead == "scope" and len(set(q.scope_ids or ())) > 1:
        arms = ("variable_scope_is", "scope_id", _distinct(q.scope_ids or ()))
    sel = _variables(s, q, merged=None if arms is None else arms[1])
    direction = _direction(q.descending)
    if q.after_key is not None:
        sel.add(f"variable_after_{direction}", after_key=int(q.after_key))
    sel.params.update(limit=q.limit, offset=q.offset)
    # a key names at most one row: no order to keep
    order = None if q.key is not None else s.sql(f"variable_order_{direction}")
    rows = sel.page("variable_page", s.sql(f"variable_rows_{lead}"), order, arms)
    return [variable(r) for r in rows]


def count_variables(s: SqlSession, q: VariableQuery, cap: int) -> int:
    if (q.names is not None and not q.names) or (q.scope_ids is not None and not q.scope_ids):
        return 0
    return _variables(s, q).count("variable_count", "variable_count_rows", cap)


# -- decision instances -------------------------------------------------------------------


def _decision_instances(s: SqlSession, q: DecisionInstanceQuery) -> _Select:
    sel = _Select(s)
    sel.when(q.key, "decision_instance_key_is", "key")
    sel.when(q.instance_id, "decision_instance_instance_is", "instance_id")
    sel.when(q.decision_id, "decision_instance_decision_is", "decision_id")
    sel.when(q.definition_key, "decision_instance_definition_is", "definition_key")
    return sel


def page_decision_instances(s: SqlSession, q: DecisionInstanceQuery) -> list[DecisionInstance]:
    """A page of decision instances in key order, walking the index of the filter given."""
    sel = _decision_instances(s, q)
    direction = _direction(q.descending)
    if q.after_key is not None:
        sel.add(f"decision_instance_after_{direction}", after_key=q.after_key)
    sel.params.update(limit=q.limit, offset=q.offset)
    order = None if q.key is not None else s.sql(f"decision_instance_order_{direction}")
    rows = sel.page("decision_instance_page", s.sql("decision_instance_rows"), order)
    return [s.rows.decision_instance(r) for r in rows]


def count_decision_instances(s: SqlSession, q: DecisionInstanceQuery, cap: int) -> int:
    sel = _decision_instances(s, q)
    return sel.count("decision_instance_count", "decision_instance_count_rows", cap)


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
