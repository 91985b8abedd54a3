"""The configurable limits: a hit inside a step is an incident naming the limit and the
setting that raises it; a request that would pass a limit is refused whole (nothing stored);
the settings read from the environment refuse what they cannot use."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from click.testing import CliRunner

from regista.bpmn import ProcessBuilder
from regista.cli.main import main
from regista.runtime.errors import LimitExceeded
from regista.runtime.local import LocalRuntime
from regista.runtime.options import RuntimeOptions
from regista.settings import LIMITS, Settings, SettingsError


def _runtime(**limits: Any) -> LocalRuntime:
    return LocalRuntime(options=RuntimeOptions(retry_backoff=dt.timedelta(0), **limits))


def _incident(rt: LocalRuntime, instance_id: str) -> str:
    assert rt.instance(instance_id).status == "incident"
    (incident,) = rt.incidents(instance_id)
    return incident.message


def fan_out() -> ProcessBuilder:
    return ProcessBuilder("fan").start("s").task("each").multi_instance("items").end("e")


@pytest.mark.parametrize(("limit", "items", "hit"), [(5, 5, False), (5, 6, True)])
def test_multi_instance_cardinality(limit: int, items: int, hit: bool) -> None:
    with _runtime(max_multi_instance=limit) as rt:
        rt.deploy(fan_out())
        instance = rt.start("fan", {"items": list(range(items))})
        if not hit:
            assert rt.instance(instance).status == "completed"
            return
        message = _incident(rt, instance)
        assert f"would run {items} times, over the limit of {limit}" in message
        assert "max_multi_instance" in message and "REGISTA_MAX_MULTI_INSTANCE" in message


def test_the_default_cardinality_limit_is_ten_thousand() -> None:
    assert RuntimeOptions().max_multi_instance == Settings().max_multi_instance == 10_000
    with LocalRuntime() as rt:
        rt.deploy(ProcessBuilder("fan").start("s").task("each").multi_instance(cardinality="=n"))
        instance = rt.start("fan", {"n": 10_001})
        assert "over the limit of 10000" in _incident(rt, instance)


def looping(expression: str) -> ProcessBuilder:
    return (
        ProcessBuilder("loop")
        .start("s")
        .script_task("count", script=expression, result_variable="n")
        .end("e")
    )


def test_a_feel_expression_has_an_evaluation_budget() -> None:
    with _runtime(feel_budget=500) as rt:
        # a step per item of the domain 1..200 and per iteration: 400 steps
        rt.deploy(looping("count(for i in 1..200 return i)"))
        assert rt.instance(rt.start("loop", {})).variables["n"] == 200
    with _runtime(feel_budget=500) as rt:
        rt.deploy(looping("count(for i in 1..300 return i)"))
        message = _incident(rt, rt.start("loop", {}))
        assert "took more than 500 evaluation steps" in message
        assert "feel_budget" in message and "REGISTA_FEEL_BUDGET" in message


def test_the_default_budget_stops_a_nested_loop_early() -> None:
    # 9 million iterations without a budget; the default stops it after 100,000 steps
    with LocalRuntime() as rt:
        rt.deploy(looping("count(for i in 1..3000, j in 1..3000 return i * j)"))
        assert "took more than 100000 evaluation steps" in _incident(rt, rt.start("loop", {}))


def test_recursion_spends_the_budget_too() -> None:
    with _runtime(feel_budget=50) as rt:
        rt.deploy(looping("{f: function(k) if k = 0 then 0 else 1 + f(k - 1), r: f(80)}.r"))
        assert "evaluation steps" in _incident(rt, rt.start("loop", {}))


def test_variable_payload_size_refuses_the_request_whole() -> None:
    with _runtime(max_variable_bytes=1_000) as rt:
        rt.deploy(ProcessBuilder("p").start("s").user_task("t").end("e"))
        with pytest.raises(LimitExceeded) as refused:
            rt.start("p", {"blob": "x" * 2_000})
        assert refused.value.setting == "max_variable_bytes"
        assert "over the limit max_variable_bytes of 1000" in str(refused.value)
        assert "REGISTA_MAX_VARIABLE_BYTES" in str(refused.value)
        assert rt.instances() == []  # nothing half-written
        fine = rt.start("p", {"blob": "x" * 500})
        (task,) = rt.tasks(instance_id=fine)
        with pytest.raises(LimitExceeded):
            rt.complete_task(task.id, variables={"more": "y" * 600})
        assert rt.instance(fine).status == "active" and "more" not in rt.instance(fine).variables


def test_a_script_that_grows_the_variables_past_the_limit_is_refused() -> None:
    with _runtime(max_variable_bytes=1_000) as rt:
        rt.deploy(looping('string join(for i in 1..400 return "xyz")'))
        with pytest.raises(LimitExceeded):
            rt.start("loop", {})
        assert rt.instances() == []


def test_history_events_per_command() -> None:
    with _runtime(max_history_events=40) as rt:
        rt.deploy(fan_out())
        with pytest.raises(LimitExceeded) as refused:
            rt.start("fan", {"items": list(range(30))})
        assert refused.value.setting == "max_history_events"
        assert "more than 40 history events" in str(refused.value)
        assert "REGISTA_MAX_HISTORY_EVENTS" in str(refused.value)
        assert rt.instances() == []
        assert rt.instance(rt.start("fan", {"items": [1, 2]})).status == "completed"


def test_the_limits_come_from_the_environment() -> None:
    env = {var: "7" for var in LIMITS.values()}
    settings = Settings.from_env(env)
    options = RuntimeOptions.from_settings(settings)
    assert [getattr(options, name) for name in LIMITS] == [7, 7, 7, 7]
    for var in LIMITS.values():
        for bad in ("0", "-3", "lots"):
            with pytest.raises(SettingsError, match=var):
                Settings.from_env({var: bad})


def test_the_cli_refuses_a_request_over_a_limit_in_one_line(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    runner = CliRunner()
    model = tmp_path / "p.bpmn"
    from regista.bpmn import to_xml

    model.write_bytes(to_xml(ProcessBuilder("p").start("s").user_task("t").end("e").build()))
    assert runner.invoke(main, ["deploy", str(model), "--database-url", url]).exit_code == 0
    refused = runner.invoke(
        main,
        ["start", "p", "--var", 'blob="' + "x" * 200 + '"', "--database-url", url],
        env={"REGISTA_MAX_VARIABLE_BYTES": "100"},
    )
    assert refused.exit_code == 1
    assert "max_variable_bytes" in refused.output and "Traceback" not in refused.output
