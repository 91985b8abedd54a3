"""Worker registries: decorators, collecting marked functions, loading a worker module."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from regista.runtime.workers import (
    ActivatedJob,
    BpmnError,
    WorkerLoadError,
    Workers,
    load_workers,
    worker,
)


def _job(**variables: object) -> ActivatedJob:
    return ActivatedJob(
        id="1",
        type="payment",
        instance_id="i",
        element_id="charge",
        element_instance_id="e",
        variables=variables,
    )


def test_a_registry_decorator_registers_the_handler() -> None:
    workers = Workers()

    @workers.worker("payment")
    def charge(job: ActivatedJob) -> dict[str, object]:
        return {"paid": job.variables["amount"]}

    handler = workers.handler("payment")
    assert handler is not None
    assert handler(_job(amount=5)) == {"paid": 5}
    assert "payment" in workers and workers.types == ["payment"]
    assert workers.handler("unknown") is None


def test_the_bare_decorator_only_marks_and_collect_registers() -> None:
    @worker("mail")
    def send(job: ActivatedJob) -> None:
        return None

    workers = Workers()
    assert len(workers) == 0
    assert workers.collect([send, object(), "text"]) == 1
    assert workers.handler("mail") is send


def test_a_module_contributes_its_registries_and_marked_functions() -> None:
    module = types.ModuleType("my_workers")
    registry = Workers()
    registry.register("a", lambda job: {"a": 1})

    @worker("b")
    def b(job: ActivatedJob) -> None:
        return None

    module.workers = registry  # type: ignore[attr-defined]
    module.b = b  # type: ignore[attr-defined]
    found = Workers.from_module(module)
    assert found.types == ["a", "b"]


def test_bpmn_errors_carry_code_message_and_variables() -> None:
    error = BpmnError("CARD_DECLINED", "insufficient funds", {"reason": "funds"})
    assert (error.code, error.message, error.variables) == (
        "CARD_DECLINED",
        "insufficient funds",
        {"reason": "funds"},
    )
    assert str(error) == "CARD_DECLINED: insufficient funds"


def test_a_worker_file_is_loaded_by_path(tmp_path: Path) -> None:
    path = tmp_path / "handlers.py"
    path.write_text(
        "from regista.testing import worker\n\n"
        "@worker('payment')\n"
        "def charge(job):\n"
        "    return {'paid': True}\n",
        encoding="utf-8",
    )
    assert load_workers(str(path)).types == ["payment"]


def test_a_module_without_workers_or_that_fails_is_reported(tmp_path: Path) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(WorkerLoadError, match="has no workers"):
        load_workers(str(empty))
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    with pytest.raises(WorkerLoadError, match="RuntimeError: boom"):
        load_workers(str(broken))
    with pytest.raises(WorkerLoadError, match="cannot import"):
        load_workers("no_such_module_for_regista_tests")
    with pytest.raises(WorkerLoadError, match="no such worker file"):
        load_workers(str(tmp_path / "missing.py"))
