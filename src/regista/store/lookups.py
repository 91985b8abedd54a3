"""Small reads the runtime needs beside the core store interface."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from regista.store.addon import memory_tables, sql_access
from regista.store.interface import Store, Transaction

__all__ = ["InstanceKeys", "instance_keys", "instance_keys_in"]


@dataclass(frozen=True, slots=True)
class InstanceKeys:
    """What a worker may want to know about the instance of its job."""

    process_id: str
    business_key: str | None


def instance_keys_in(tx: Transaction, instance_ids: Iterable[str]) -> dict[str, InstanceKeys]:
    """The process id and business key of each of these instances that exists."""
    wanted = sorted(set(instance_ids))
    if not wanted:
        return {}
    sql = sql_access(tx, "lookups.sql")
    if sql is not None:
        rows = sql.all("instance_keys", ids=sql.codec.text_list(wanted))
        return {str(r["id"]): InstanceKeys(str(r["process_id"]), r["business_key"]) for r in rows}
    mtx, tables = memory_tables(tx)
    mtx._check()
    found = (tables.instances.get(i) for i in wanted)
    return {r.id: InstanceKeys(r.process_id, r.business_key) for r in found if r is not None}


def instance_keys(store: Store, instance_ids: Iterable[str]) -> dict[str, InstanceKeys]:
    """`instance_keys_in` in a read transaction of its own."""
    ids = list(instance_ids)
    if not ids:
        return {}
    with store.transaction(write=False) as tx:
        return instance_keys_in(tx, ids)
