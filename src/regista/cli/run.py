"""`regista run`: run a process in memory, asking for user-task input at the terminal.

At each user task the run asks for its variables: one prompt per field when the task's
output mappings name them, else free `name=value` lines until an empty one. A message or
signal the process waits for, and a receive task without a message (triggered), is asked
for the same way; timers fire by moving a simulated
clock to their due time. When standard input is not a terminal, each form reads either one
JSON object line or `name=value` lines up to an empty line; at the end of the input the run
stops where it waits and exits with 3. Values are JSON (`1200`, `true`, `"x"`, `[1, 2]`);
text is written `name:=text` (at a prompt: `:=text`), and anything else is refused, so a
typo never becomes a string silently. A prompt asks again when the answer is not JSON or
does not fit the task's form. Prompts go to standard error, the result to standard output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from regista.cli.decide import to_json
from regista.cli.handlers import node_workers, secrets_option
from regista.cli.validate import format_problem
from regista.engine import ENDED, Status
from regista.model.bpmn import FlowNode

if TYPE_CHECKING:
    from regista.runtime.definitions import Deployed
    from regista.runtime.local import LocalRuntime

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _fail(message: str) -> NoReturn:
    click.echo(f"regista run: {message}", err=True)
    sys.exit(2)


TEXT_HINT = "write text as name:=text (or as JSON, name='\"text\"')"


class NotJson(ValueError):
    """A value that is not JSON (and not marked as text with `:=`)."""


def parse_value(text: str) -> Any:
    """A value typed by the user: JSON, or the text after a leading `:=`."""
    if text.startswith(":="):
        return text[2:]
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise NotJson(f"{text!r} is not JSON ({exc.msg})") from None


def parse_assignment(text: str, where: str) -> tuple[str, Any]:
    """`name=JSON` or `name:=text` split into the name and the value."""
    name, sep, value = text.partition("=")
    if name.endswith(":"):
        name, value = name[:-1], ":=" + value  # name:=text
    name = name.strip()
    if not sep or not name:
        raise click.BadParameter(
            f"{text!r} is not name=value (JSON) or name:=text", param_hint=where
        )
    try:
        return name, parse_value(value if value.startswith(":=") else value.strip())
    except NotJson as exc:
        raise click.BadParameter(f"{name}: {exc}; {TEXT_HINT}", param_hint=where) from None


def form_fields(element: FlowNode | None) -> list[str]:
    """The variables a user task's form fills: the names its output mappings read."""
    if element is None:
        return []
    fields: list[str] = []
    for output in element.outputs:
        source = output.source.text.strip()
        name = source if _NAME.match(source) else output.target
        if name not in fields:
            fields.append(name)
    return fields


_SKIPPED: Any = object()


def _interactive() -> bool:
    """Whether a person answers at a terminal (prompts), rather than piped input."""
    return sys.stdin.isatty()


class _Input:
    """Answers to forms: prompts on a terminal, JSON or `name=value` lines otherwise."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.lines: Iterator[str] = iter(sys.stdin)
        self.exhausted = False

    def form(
        self, title: str, fields: Sequence[str], problems: Sequence[str] = ()
    ) -> dict[str, Any] | None:
        """The values for one form, or None when no more input comes. `problems` are what
        was wrong with the previous answer (the form is being asked again)."""
        if self.exhausted:
            return None
        if problems and not self.interactive:
            _fail("the input does not fit the form: " + "; ".join(problems))
        click.echo(title, err=True)
        for problem in problems:
            click.echo(f"  ! {problem}", err=True)
        try:
            return self._prompted(fields) if self.interactive else self._read()
        except (click.Abort, EOFError):
            self.exhausted = True
            click.echo("", err=True)
            return None

    def _prompted(self, fields: Sequence[str]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if fields:
            for field in fields:
                value = self._field(field)
                if value is not _SKIPPED:
                    values[field] = value
            return values
        click.echo("  enter name=value lines, an empty line to finish", err=True)
        while True:
            raw = click.prompt("  ", default="", show_default=False, err=True, prompt_suffix="")
            if not raw.strip():
                return values
            try:
                name, value = parse_assignment(raw, "input")
            except click.BadParameter as exc:
                click.echo(f"  ! {exc.message}", err=True)
                continue
            values[name] = value
        return values

    def _field(self, field: str) -> Any:
        """One field's value, asked again until it is JSON (or `:=text`)."""
        while True:
            raw = click.prompt(f"  {field}", default="", show_default=False, err=True).strip()
            if not raw:
                return _SKIPPED
            repeated = re.match(rf"{re.escape(field)}\s*[:=]\s*(.*)\Z", raw)
            if repeated and not raw.startswith(":="):
                click.echo(
                    f"  ! type only the value of {field}, e.g. {repeated.group(1) or 'true'}",
                    err=True,
                )
                continue
            try:
                return parse_value(raw)
            except NotJson as exc:
                click.echo(
                    f'  ! {exc}: type JSON (true, 12.5, "text") or :=text for text', err=True
                )

    def _read(self) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        started = False
        for raw in self.lines:
            line = raw.strip()
            if not line:
                if started:
                    return values
                continue
            if not started and line.startswith("{"):
                try:
                    data = json.loads(line, parse_float=Decimal)
                except json.JSONDecodeError as exc:
                    _fail(f"the input line {line!r} is not valid JSON: {exc.msg}")
                if not isinstance(data, dict):
                    _fail(f"the input line {line!r} must be a JSON object")
                return data
            started = True
            name, value = parse_assignment(line, "input")
            values[name] = value
        self.exhausted = True
        return values if started else None


class _Session:
    """One run: starts the instance and feeds it until it ends or waits for nothing we
    can give."""

    def __init__(self, runtime: LocalRuntime, instance_id: str, source: _Input) -> None:
        self.rt = runtime
        self.root = instance_id
        self.input = source

    def drive(self) -> bool:
        """Feed the instance until it ends (True) or waits for input that did not come."""
        while self.rt.instance(self.root).status not in ENDED:
            if not self._next():
                return self.rt.instance(self.root).status in ENDED
        return True

    def _next(self) -> bool:
        from regista.runtime.errors import InvalidVariables

        rt = self.rt
        members = set(rt.tree(self.root))
        for task in rt.tasks(self.root):
            element = rt.element(task.instance_id, task.element_id)
            label = task.name or (element.name if element is not None else None)
            title = f"user task {task.element_id}" + (f" ({label})" if label else "")
            problems: list[str] = []
            while True:
                values = self.input.form(title, form_fields(element), problems)
                if values is None:
                    return False
                try:
                    rt.complete_task(task.id, variables=values)
                    return True
                except InvalidVariables as exc:  # asked again, saying what did not fit
                    problems = [f"{p.name}: {p.reason}" for p in exc.problems]
        for sub in rt.subscriptions(self.root):
            key = f" with key {sub.correlation_key}" if sub.correlation_key else ""
            title = f"{sub.kind} {sub.name}{key} awaited at {sub.element_id}: its variables"
            values = self.input.form(title, [])
            if values is None:
                break
            rt.complete_task(sub.instance_id, sub.element_id, values)
            return True
        for member in rt.tree(self.root):
            for ei in rt.state(member).instances.values():
                if ei.wait != "trigger":
                    continue
                title = f"receive task {ei.element_id} waits to be triggered: its variables"
                values = self.input.form(title, [])
                if values is None:
                    return False
                rt.trigger(member, ei.element_id, values)
                return True
        timers = [t for t in rt.timers() if t.instance_id in members]
        if timers:
            timer = timers[0]
            click.echo(f"timer {timer.element_id} fires at {timer.due_at.isoformat()}", err=True)
            rt.advance_to(max(timer.due_at, rt.now()))
            return True
        return False


def _report(runtime: LocalRuntime, instance_id: str, as_json: bool) -> int:
    view = runtime.instance(instance_id)
    tree = runtime.tree(instance_id)
    passed = runtime.passed_in_tree(instance_id)
    active = [e for member in tree for e in runtime.instance(member).active]
    incidents = [x for member in tree for x in runtime.instance(member).incidents]
    if as_json:
        doc = {
            "state": view.status,
            "passed": passed,
            "active": active,
            "variables": to_json(dict(runtime.state(instance_id).variables())),
            "incidents": [{"element": x.element_id, "message": x.message} for x in incidents],
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        click.echo(f"path: {' -> '.join(passed) if passed else '(nothing completed)'}")
        click.echo(f"state: {view.status}")
        if active:
            click.echo(f"waiting at: {', '.join(active)}")
        variables = to_json(dict(runtime.state(instance_id).variables()))
        click.echo("variables:" + ("" if variables else " (none)"))
        for name, value in variables.items():
            click.echo(f"  {name} = {json.dumps(value, ensure_ascii=False)}")
        if incidents:
            click.echo("incidents:")
            for x in incidents:
                click.echo(f"  {x.element_id}: {x.message}")
    return 1 if incidents or view.status == Status.INCIDENT else 0


def _choose_process(
    runtime: LocalRuntime, deployed: Sequence[Deployed], model: str, process: str | None
) -> str:
    main_ids = [d.process_id for d in deployed if not d.process_id.startswith("dmn:")]
    if process is not None:
        if process not in runtime.process_ids:
            _fail(f"no process '{process}' in {model} (it has: {', '.join(main_ids) or 'none'})")
        return process
    first = [
        d.process_id
        for d in deployed
        if d.resource_name
        and Path(d.resource_name) == Path(model)
        and d.process_id in main_ids
        and runtime.is_executable(d.process_id)
    ]
    if len(first) == 1:
        return first[0]
    if not first:
        _fail(f"{model} holds no executable process")
    _fail(f"{model} holds several processes ({', '.join(first)}); choose one with --process")


@click.command(name="run")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--var", "assignments", multiple=True, metavar="NAME=VALUE", help="A start variable.")
@click.option(
    "--worker",
    "worker_modules",
    multiple=True,
    metavar="MODULE",
    help="A Python module (dotted name or .py file) whose @worker handlers run service tasks.",
)
@secrets_option
@click.option("--process", "process_id", help="The process to start when the file has several.")
@click.option(
    "--with",
    "extra",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Another .bpmn or .dmn file the model needs (called processes, decisions).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--trusted",
    is_flag=True,
    help="Treat the models as deployed trusted: their Python runs (restricted builtins).",
)
@click.option("--full-builtins", is_flag=True, help="With --trusted: every Python builtin.")
@click.option(
    "--expression-language",
    type=click.Choice(["feel", "python"]),
    default="feel",
    show_default=True,
    help="Language of expressions that carry no marker.",
)
def run_command(
    model: str,
    assignments: Sequence[str],
    worker_modules: Sequence[str],
    secrets_file: str | None,
    process_id: str | None,
    extra: Sequence[str],
    as_json: bool,
    trusted: bool,
    full_builtins: bool,
    expression_language: str,
) -> None:
    """Run a process of MODEL in memory and print the path taken and the final variables.

    \b
    regista run order.bpmn --var amount=1200 --worker my_workers
    echo '{"approved": true}' | regista run order.bpmn --json
    """
    from regista.runtime.clock import FakeClock
    from regista.runtime.errors import RequestError
    from regista.runtime.local import LocalRuntime
    from regista.runtime.sources import DeploymentError

    for name in (model, *extra):
        if not Path(name).is_file():
            _fail(f"no such file: {name}")
    variables = dict(parse_assignment(a, "--var") for a in assignments)
    try:
        workers = node_workers(worker_modules, secrets_file)
    except click.ClickException as exc:
        _fail(exc.message)
    runtime = LocalRuntime(
        FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0)),
        workers=workers,
        trusted=trusted,
        full_builtins=trusted and full_builtins,
        expression_language=expression_language,
        missing_worker="incident",
    )
    try:
        deployed = runtime.deploy(model, *extra)
    except DeploymentError as exc:
        for problem in exc.problems:
            if problem.severity == "error":
                click.echo(format_problem(problem), err=True)
        _fail("the model cannot run; fix the problems above")
    process = _choose_process(runtime, deployed, model, process_id)
    try:
        instance_id = runtime.start(process, variables)
        source = _Input(_interactive())
        finished = _Session(runtime, instance_id, source).drive()
    except RequestError as exc:
        _fail(str(exc))
    code = _report(runtime, instance_id, as_json)
    if code == 0 and not finished and source.exhausted:
        click.echo(
            "regista run: the input ended while the instance still waits (exit code 3); give "
            "the answers on standard input or run it at a terminal",
            err=True,
        )
        code = 3
    sys.exit(code)
