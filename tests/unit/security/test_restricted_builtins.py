"""Trusted Python runs with exactly the restricted builtins (`engine/pybuiltins.py`) unless
the deployment chose full builtins; what is left out fails with an incident that says how
to get it."""

from __future__ import annotations

import builtins

import pytest

from regista.bpmn import ProcessBuilder
from regista.engine.pybuiltins import RESTRICTED, RESTRICTED_NAMES
from regista.runtime.local import LocalRuntime


def _run(script: str, *, full: bool) -> tuple[str, dict[str, object], str]:
    model = (
        ProcessBuilder("p").start("s").script_task("py", script=script, format="python").end("e")
    )
    with LocalRuntime(trusted=True, full_builtins=full) as rt:
        rt.deploy(model)
        instance = rt.start("p", {})
        info = rt.instance(instance)
        messages = [i.message for i in rt.incidents(instance_id=instance)]
        return str(info.status), dict(info.variables), "; ".join(messages)


@pytest.mark.parametrize(
    ("script", "missing"),
    [
        ("import os", "__import__"),
        ("x = open('/etc/passwd').read()", "open"),
        ("x = eval('1')", "eval"),
        ("exec('y = 1')", "exec"),
        ("x = getattr(1, 'real')", "getattr"),
        ("x = globals()", "globals"),
        ("x = compile('1', 'f', 'eval')", "compile"),
        ("print('hi')", "print"),
        ("x = __build_class__", "__build_class__"),
    ],
)
def test_what_the_restricted_builtins_leave_out_is_an_incident(script: str, missing: str) -> None:
    status, _, message = _run(script, full=False)
    assert status == "incident"
    assert f"{missing!r} is not among the restricted builtins" in message
    assert "--full-builtins" in message


def test_full_builtins_is_the_opt_in() -> None:
    status, variables, _ = _run("import math\nx = math.floor(2.5)", full=True)
    assert status == "completed" and variables["x"] == 2


def test_the_restricted_set_is_exactly_the_documented_one() -> None:
    assert set(RESTRICTED) == set(RESTRICTED_NAMES)
    dangerous = {"__import__", "open", "eval", "exec", "compile", "getattr", "setattr", "delattr"}
    dangerous |= {"globals", "locals", "vars", "dir", "input", "breakpoint", "type", "object"}
    assert not dangerous & set(RESTRICTED)
    assert all(RESTRICTED[name] is getattr(builtins, name) for name in RESTRICTED)
    status, variables, _ = _run(
        "x = sorted(set(map(abs, [-2, 1, -2])))\ny = sum(range(4)) + len(str(round(2.5)))",
        full=False,
    )
    assert status == "completed" and variables == {"x": [1, 2], "y": 7}


def test_a_script_cannot_rebind_a_builtin_for_the_next() -> None:
    with LocalRuntime(trusted=True) as rt:
        rt.deploy(
            ProcessBuilder("p")
            .start("s")
            .script_task("a", script="__builtins__['len'] = lambda x: 99", format="python")
            .script_task("b", script="n = len([1])", format="python")
            .end("e")
        )
        instance = rt.start("p", {})
        assert rt.instance(instance).variables["n"] == 1
