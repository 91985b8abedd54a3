"""`regista export`: write a model back as BPMN 2.0 XML, adding diagram interchange (DI)
when the model has none.

A BPMN file is written back as it was (the round trip keeps every byte); one without a
diagram gets a generated diagram inserted and nothing else changed, so a Camunda 7 file
stays a Camunda 7 file. MODEL may also be a Python model built with `regista.bpmn.ProcessBuilder`,
given as `path/to/file.py:NAME` or `package.module:NAME`, where NAME is a `ProcessBuilder`
or `Definitions`.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import NoReturn

import click

from regista.bpmn import BpmnParseError, BuilderError, ProcessBuilder, generate, parse, to_xml
from regista.model.bpmn import Definitions


def _fail(message: str) -> NoReturn:
    click.echo(f"regista export: {message}", err=True)
    sys.exit(2)


def _python_model(spec: str) -> Definitions:
    target, _, attribute = spec.rpartition(":")
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                _fail(f"no such file: {target}")
            loader = importlib.util.spec_from_file_location(f"regista_model_{path.stem}", path)
            if loader is None or loader.loader is None:
                _fail(f"cannot import {target}")
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            if "" not in sys.path:
                sys.path.insert(0, "")
            module = importlib.import_module(target)
    except Exception as exc:  # the user's module may fail in any way on import
        _fail(f"cannot import {target}: {type(exc).__name__}: {exc}")
    value = getattr(module, attribute, None)
    if isinstance(value, ProcessBuilder):
        try:
            return value.build()
        except BuilderError as exc:
            _fail(f"{spec}: {exc}")
    if isinstance(value, Definitions):
        return value
    _fail(f"{spec} is not a regista.bpmn.ProcessBuilder or Definitions")


def load_model(model: str) -> Definitions:
    """The model named on the command line: a BPMN file or a Python `file.py:NAME`."""
    if ":" in model and not Path(model).exists():
        return _python_model(model)
    if not Path(model).is_file():
        _fail(f"no such file: {model}")
    try:
        return parse(model, strict=False)
    except BpmnParseError as exc:
        _fail(str(exc))


def export_xml(definitions: Definitions) -> bytes:
    """The XML to write: a file as it was, with a generated diagram added when it has
    none (in its own dialect: a Camunda 7 file stays Camunda 7); a model built in Python
    generated with a layout."""
    if definitions.source is None:
        return generate(definitions)
    return to_xml(definitions)


@click.command(name="export")
@click.argument("model")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="The file to write (default: standard output).",
)
def export_command(model: str, output: str) -> None:
    """Write MODEL back as BPMN XML, adding a diagram when it has none.

    \b
    regista export order.bpmn -o order-with-diagram.bpmn
    regista export models/order.py:process -o order.bpmn
    """
    data = export_xml(load_model(model))
    if output == "-":
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"wrote {output}", err=True)
