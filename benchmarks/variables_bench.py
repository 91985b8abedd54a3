"""Searches across instances by variables, and what keeping the variable rows costs.

Run: `python benchmarks/variables_bench.py [--db sqlite|postgres] [--database-url URL]
[--instances N] [--json]`. Prints, on an empty database (SQLite: a new file; PostgreSQL: a
new schema of `--database-url`, default $REGISTA_TEST_POSTGRES_URL or
postgresql://postgres@127.0.0.1:5432/test):

- instances/s of `start -> user task` with no variables and with ten (each start writes its
  state and, with variables, ten variable rows in the same transaction), and with ten
  variables but the rows not written (the store's write replaced by nothing, for this
  figure only), which tells the rows' cost from that of a larger state;
- with N instances waiting, the milliseconds of: a page of 50 variables of one name (first
  page and one after a cursor), with the count capped at 10,000; a page of 50 instances whose
  variable meets a condition that few meet and one that half meet, with the count; setting
  one variable of an instance (a unit of work that rewrites one row).

Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.store import InstanceQuery, VariableCondition, VariableQuery
from regista.store.sql.variables import SqlVariables

_PG = os.environ.get("REGISTA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _database(kind: str, url: str | None, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
    import psycopg

    database = url or _PG
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database}?options=-csearch_path%3D{schema}"


def _model() -> ProcessBuilder:
    return ProcessBuilder("waits").start("s").user_task("t").end("e")


def _starts(url: str, n: int, variables: Callable[[int], dict[str, Any]]) -> float:
    with Client(url) as client:
        client.deploy(_model())
        began = time.perf_counter()
        for i in range(n):
            client.start("waits", variables(i))
        return n / (time.perf_counter() - began)


def _ten(i: int) -> dict[str, Any]:
    return {
        "orderId": f"A-{i}",
        "amount": i,
        "vip": i % 100 == 0,
        "region": ("north", "south")[i % 2],
        **{f"extra{k}": k * i for k in range(6)},
    }


def _ms(action: Callable[[], object], repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 3)


def run(kind: str, url: str | None, n: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"db": kind, "instances": n}
    with tempfile.TemporaryDirectory() as folder:
        figures["starts_per_s_no_variables"] = round(
            _starts(_database(kind, url, Path(folder)), n, lambda i: {}), 1
        )
        kept = SqlVariables.write_variables

        def nothing(self: SqlVariables, changed: Any, removed: Any) -> None:
            return None

        SqlVariables.write_variables = nothing  # type: ignore[method-assign]
        try:
            figures["starts_per_s_ten_variables_no_rows"] = round(
                _starts(_database(kind, url, Path(folder)), n, _ten), 1
            )
        finally:
            SqlVariables.write_variables = kept  # type: ignore[method-assign]
        filled = _database(kind, url, Path(folder))
        figures["starts_per_s_ten_variables"] = round(_starts(filled, n, _ten), 1)
        with Client(filled) as client:
            store = client.store
            with store.transaction(write=False) as tx:
                first = tx.page_variables(VariableQuery(names=("amount",), limit=50))
            after = first[-1].key

            def page(query: VariableQuery) -> Callable[[], object]:
                def read() -> object:
                    with store.transaction(write=False) as tx:
                        return tx.page_variables(query), tx.count_variables(query, cap=10_000)

                return read

            def instances(condition: VariableCondition) -> Callable[[], object]:
                query = InstanceQuery(variables=(condition,), order="key", limit=50)

                def read() -> object:
                    with store.transaction(write=False) as tx:
                        return tx.page_instances(query), tx.count_instances(query, cap=10_000)

                return read

            figures["ms_variables_by_name_first_page"] = _ms(
                page(VariableQuery(names=("amount",), limit=50))
            )
            figures["ms_variables_by_name_after_cursor"] = _ms(
                page(VariableQuery(names=("amount",), after_key=after, limit=50))
            )
            figures["ms_instances_by_rare_value"] = _ms(
                instances(VariableCondition("vip", "eq", True)), repeat=5
            )
            figures["ms_instances_by_common_value"] = _ms(
                instances(VariableCondition("region", "eq", "north")), repeat=5
            )
            key = first[0].instance_id
            figures["ms_set_one_variable"] = _ms(
                lambda: client.set_variables(key, {"amount": time.perf_counter()})
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=None, help="PostgreSQL database to use")
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    figures = run(args.db, args.database_url, args.instances)
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
