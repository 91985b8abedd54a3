"""Engine core throughput on one core, in memory, calling `step` directly.

Run: `python benchmarks/engine_bench.py [--json] [--seconds S]`. Prints:

- instances per second of `start -> 3 script tasks (x = x + 1) -> exclusive gateway on x
  -> end`, with FEEL scripts and with Python scripts (trusted model);
- milliseconds per instance of a parallel fan-out/join of N = 10, 50, 100, 500 branches
  of tasks (one step), and of service tasks whose N jobs are completed one by one (N + 1
  steps, each through a copy of the state);
- milliseconds per instance of a chain of 100 tasks;
- milliseconds per instance of a fan-out of 500 script tasks, FEEL and Python (each script
  sets a variable of its own, so the instance holds ever more), and of the three scripts
  while the instance also holds a list of 10,000 items: a Python script converts only the
  variables it reads.

Each instance gets a fresh `Context` (as a runtime would per command). Figures, not
assertions: tests never time anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from regista.bpmn import ProcessBuilder
from regista.engine import CompleteJob, Context, CreateJob, StartInstance, step
from regista.model.bpmn import Definitions

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_ids = itertools.count()


def _new_id() -> str:
    return str(next(_ids))


def _ctx(definitions: Definitions, trusted: bool = False) -> Context:
    return Context(now=NOW, new_id=_new_id, definitions=definitions, trusted=trusted)


def three_scripts(language: str) -> Definitions:
    """start -> 3 script tasks incrementing x -> exclusive gateway on x -> end."""
    builder = ProcessBuilder("scripts").start("start")
    for name in ("one", "two", "three"):
        if language == "feel":
            builder.script_task(name, script="x + 1", result_variable="x")
        else:
            builder.script_task(name, script="x = x + 1", format="python")
    builder.exclusive_gateway("check").condition("=x > 2").end("done")
    builder.move_to("check").default().end("odd")
    return builder.build()


def fan_out(branches: int, service: bool) -> Definitions:
    """start -> parallel fork -> N tasks (or service tasks) -> parallel join -> end."""
    builder = ProcessBuilder("fan").start("start").parallel_gateway("fork")
    for i in range(branches):
        builder.move_to("fork")
        if service:
            builder.service_task(f"t{i}", type="work")
        else:
            builder.task(f"t{i}")
        if i == 0:
            builder.parallel_gateway("join")
        else:
            builder.connect_to("join")
    return builder.move_to("join").end("end").build()


def fan_out_scripts(branches: int, language: str) -> Definitions:
    """start -> parallel fork -> N script tasks each setting its own variable -> join -> end:
    the instance holds N + 1 variables by the last script."""
    builder = ProcessBuilder("fan").start("start").parallel_gateway("fork")
    for i in range(branches):
        builder.move_to("fork")
        if language == "feel":
            builder.script_task(f"t{i}", script="x + 1", result_variable=f"r{i}")
        else:
            builder.script_task(f"t{i}", script=f"r{i} = x + 1", format="python")
        if i == 0:
            builder.parallel_gateway("join")
        else:
            builder.connect_to("join")
    return builder.move_to("join").end("end").build()


def run_with(
    definitions: Definitions, process_id: str, variables: dict[str, Any], trusted: bool
) -> Callable[[], Any]:
    def once() -> None:
        start = StartInstance(process_id, variables)
        state, _ = step(None, start, _ctx(definitions, trusted))
        assert state.status == "completed"

    return once


def chain(length: int) -> Definitions:
    """start -> N tasks in a row -> end."""
    builder = ProcessBuilder("chain").start("start")
    for i in range(length):
        builder.task(f"t{i}")
    return builder.end("end").build()


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of `fn`, measured for about `seconds` after a short warm-up."""
    warm_up = time.perf_counter() + min(0.3, seconds / 3)
    while time.perf_counter() < warm_up:
        fn()
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        fn()
        n += 1
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def run_scripts(definitions: Definitions, trusted: bool) -> Callable[[], Any]:
    def once() -> None:
        state, _ = step(None, StartInstance("scripts", {"x": 0}), _ctx(definitions, trusted))
        assert state.status == "completed"

    return once


def run_start(definitions: Definitions, process_id: str) -> Callable[[], Any]:
    def once() -> None:
        state, _ = step(None, StartInstance(process_id), _ctx(definitions))
        assert state.status == "completed"

    return once


def run_jobs(definitions: Definitions) -> Callable[[], Any]:
    def once() -> None:
        state, effects = step(None, StartInstance("fan"), _ctx(definitions))
        jobs = [e.job_id for e in effects if isinstance(e, CreateJob)]
        for job_id in jobs:
            state, _ = step(state, CompleteJob(job_id), _ctx(definitions))
        assert state.status == "completed"

    return once


def measure(seconds: float) -> dict[str, float]:
    """Every figure of the benchmark, by name."""
    figures: dict[str, float] = {}
    figures["scripts_feel_per_s"] = rate(run_scripts(three_scripts("feel"), False), seconds)
    figures["scripts_python_per_s"] = rate(run_scripts(three_scripts("python"), True), seconds)
    for n in (10, 50, 100, 500):
        per_s = rate(run_start(fan_out(n, service=False), "fan"), seconds)
        figures[f"fan_out_{n}_ms"] = 1000 / per_s
    for n in (10, 50, 100, 500):
        per_s = rate(run_jobs(fan_out(n, service=True)), seconds)
        figures[f"fan_out_jobs_{n}_ms"] = 1000 / per_s
    figures["chain_100_ms"] = 1000 / rate(run_start(chain(100), "chain"), seconds)
    for language in ("feel", "python"):
        fan = run_with(fan_out_scripts(500, language), "fan", {"x": 1}, language == "python")
        figures[f"fan_out_500_{language}_scripts_ms"] = 1000 / rate(fan, seconds)
        held = {"x": 0, "items": list(range(10_000))}
        three = run_with(three_scripts(language), "scripts", held, language == "python")
        figures[f"three_{language}_scripts_with_10k_list_ms"] = 1000 / rate(three, seconds)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per figure")
    args = parser.parse_args()
    figures = measure(args.seconds)
    if args.json:
        print(json.dumps({k: round(v, 3) for k, v in figures.items()}))
        return
    print(f"3 FEEL scripts + gateway:       {figures['scripts_feel_per_s']:10,.0f} instances/s")
    print(f"3 Python scripts + gateway:     {figures['scripts_python_per_s']:10,.0f} instances/s")
    for n in (10, 50, 100, 500):
        print(f"parallel fan-out/join N={n:<4}    {figures[f'fan_out_{n}_ms']:10.3f} ms/instance")
    for n in (10, 50, 100, 500):
        key = f"fan_out_jobs_{n}_ms"
        print(f"  with N jobs completed N={n:<4} {figures[key]:10.3f} ms/instance")
    print(f"chain of 100 tasks:             {figures['chain_100_ms']:10.3f} ms/instance")
    for language in ("feel", "python"):
        key = f"fan_out_500_{language}_scripts_ms"
        print(f"fan-out of 500 {language:6} scripts:  {figures[key]:10.3f} ms/instance")
        key = f"three_{language}_scripts_with_10k_list_ms"
        print(f"3 {language:6} scripts, 10k list:   {figures[key]:10.3f} ms/instance")


if __name__ == "__main__":
    main()
