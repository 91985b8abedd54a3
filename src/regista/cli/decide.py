"""`regista decide`: evaluate a decision (or a decision service) and print the result as JSON.

FEEL values become JSON as follows: null, booleans, strings, lists and contexts map to their
JSON counterparts; a number becomes a JSON integer when it is integral, a JSON number when
the float nearest to it prints back as the same decimal (0.1, 2.5, 1e-7), and otherwise a
string holding its exact decimal text (so that "0.3333333333333333333333333333333333" keeps
all 34 digits); dates, times and date-times become ISO 8601 text (a zone id is written
`@Europe/Paris`, as FEEL does); durations become ISO 8601 durations (`P1Y2M`, `PT1H30M`);
ranges become FEEL text (`[1..10)`); functions become their description.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import click

from regista.dmn import DecisionResult, DmnError, load
from regista.feel.values import DECIMAL, DaysTimeDuration, Range, YearsMonthsDuration, to_string


def to_json(value: Any) -> Any:
    """A FEEL value as a JSON-encodable Python value (see the module docstring)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, float):
        return value
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, dt.timedelta):
        return to_string(DaysTimeDuration.of(value))
    if isinstance(value, dt.date | dt.time | DaysTimeDuration | YearsMonthsDuration | Range):
        return to_string(value)
    return to_string(value)


def _number(n: Decimal) -> int | float | str:
    if not n.is_finite():
        return str(n)
    if n == n.to_integral_value():
        return int(n)
    f = float(n)
    if Decimal(repr(f)) == n:
        return f
    return format(n.normalize(DECIMAL), "f") if abs(n.adjusted()) < 40 else str(n)


def _fail(message: str) -> NoReturn:
    click.echo(f"regista decide: {message}", err=True)
    sys.exit(2)


def _read_input(text: str, option: str) -> dict[str, Any]:
    source = option
    if text.startswith("@"):
        path = Path(text[1:])
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            _fail(f"cannot read the input file {path}: {e.strerror or e}")
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        _fail(
            f"the input ({source}) is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        )
    if not isinstance(data, dict):
        _fail(f"the input ({source}) must be a JSON object of names to values")
    return data


def describe_dmn_error(e: DmnError) -> str:
    """The error's message with its file, line and element id, each once."""
    message = str(e)
    where = []
    file = getattr(e, "file", None)
    line = getattr(e, "line", None)
    element = getattr(e, "element_id", None)
    if file and str(file) not in message:
        where.append(str(file) + (f":{line}" if line else ""))
    elif line and f"line {line}" not in message and f":{line}" not in message:
        where.append(f"line {line}")
    if element and str(element) not in message:
        where.append(f"element {element}")
    return f"{', '.join(where)}: {message}" if where else message


def result_json(kind: str, name: str, result: DecisionResult) -> dict[str, Any]:
    """The JSON document `regista decide` prints for a result."""
    return {
        kind: name,
        "value": to_json(result.value),
        "matches": [
            {
                "decision": m.decision_name,
                "rules": list(m.rules),
                "rule_ids": list(m.rule_ids),
            }
            for m in result.matches
        ],
        "warnings": list(result.warnings),
    }


@click.command()
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--decision", "-d", help="The decision to evaluate (its name or id).")
@click.option("--service", "-s", help="The decision service to invoke (its name or id).")
@click.option(
    "--input",
    "-i",
    "input_text",
    default="{}",
    show_default=True,
    help="The inputs as a JSON object, or @FILE to read them from a JSON file.",
)
@click.option(
    "--variables",
    "variables_text",
    help="Variables as a process passes them to a business rule task: a JSON object (or "
    "@FILE) whose names every expression reads, as Camunda models without input data do.",
)
@click.option("--model", "-m", help="The model (name or namespace) when several are loaded.")
@click.option("--indent", type=int, default=2, show_default=True, help="JSON indentation.")
def decide(
    models: Sequence[str],
    decision: str | None,
    service: str | None,
    input_text: str,
    variables_text: str | None,
    model: str | None,
    indent: int,
) -> None:
    """Evaluate a decision of the DMN MODELS and print the result as JSON.

    \b
    regista decide examples/dish.dmn --decision Dish \\
        --input '{"Season": "Winter", "Guest Count": 8}'
    regista decide camunda.dmn --decision dish --variables '{"season": "Fall"}'

    Models that declare no input data at all (as Camunda writes them) read --input as
    variables too.
    """
    if (decision is None) == (service is None):
        _fail("give exactly one of --decision NAME or --service NAME")
    for m in models:
        if not Path(m).is_file():
            _fail(f"no such model file: {m}")
    inputs = _read_input(input_text, "--input")
    variables = None if variables_text is None else _read_input(variables_text, "--variables")
    try:
        loaded = load(list(models))
        free = variables is not None or not any(cm.definitions.input_data for cm in loaded.models)
        if variables is not None:
            inputs = {**variables, **inputs}
        if service is not None:
            result = loaded.invoke(service, inputs, model=model)
            doc = result_json("service", service, result)
        else:
            assert decision is not None
            result = loaded.decide(decision, inputs, model=model, free_variables=free)
            doc = result_json("decision", decision, result)
    except DmnError as e:
        _fail(describe_dmn_error(e))
    except OSError as e:
        _fail(f"cannot read {e.filename or 'a model'}: {e.strerror or e}")
    click.echo(json.dumps(doc, indent=indent or None, ensure_ascii=False))
