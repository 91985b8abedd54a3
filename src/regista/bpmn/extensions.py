"""Reading the vendor extension elements of a BPMN element (`zeebe:` and `camunda:`).

One pass over `<extensionElements>` gathers what every handler may need; the handlers
then pick the parts that concern their element kind. Unknown extensions are left alone:
they stay in the source the writer gives back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regista.bpmn.expressions import JuelError, read_juel
from regista.bpmn.namespaces import ACTIVITI, BPMN, CAMUNDA, LEGACY, ZEEBE, q
from regista.bpmn.reader import Element, Reader, children, local_name, namespace_of
from regista.feel.juel import is_juel
from regista.model.bpmn import Expression, IoParameter

__all__ = ["Extensions", "read_extensions"]

_IGNORED_CAMUNDA = {
    "field",
    "failedJobRetryTimeCycle",
    "formData",
    "formProperty",
    "potentialStarter",
}


@dataclass(slots=True)
class Extensions:
    """The extension content of one element.

    `zeebe` maps the local name of each single-valued Zeebe element (taskDefinition,
    calledElement, assignmentDefinition, ...) to its attributes; `forms` maps the id of
    each embedded form (`zeebe:userTaskForm`, on a process) to its JSON text.
    """

    zeebe: dict[str, dict[str, str]] = field(default_factory=dict)
    inputs: list[IoParameter] = field(default_factory=list)
    outputs: list[IoParameter] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    camunda_in: list[dict[str, str]] = field(default_factory=list)
    camunda_out: list[dict[str, str]] = field(default_factory=list)
    connector_id: str | None = None
    forms: dict[str, str] = field(default_factory=dict)


def read_extensions(reader: Reader, el: Element) -> Extensions:
    """Gather the `zeebe:` and `camunda:` extensions of `el`."""
    ext = Extensions()
    container = el.find(q(BPMN, "extensionElements"))
    if container is None:
        return ext
    for item in children(container):
        namespace = namespace_of(item)
        if namespace == ZEEBE:
            _read_zeebe(reader, item, ext)
        elif namespace == CAMUNDA:
            _read_camunda(reader, item, ext, "camunda")
        elif namespace in LEGACY:
            # Activiti and Flowable: Camunda 7's ancestors, whose elements of the same name
            # mean the same (call activity in/out, listeners, properties, fields).
            _read_camunda(reader, item, ext, "activiti" if namespace == ACTIVITI else "flowable")
    return ext


def _attrs(el: Element) -> dict[str, str]:
    return {str(k): str(v) for k, v in el.attrib.items()}


def _read_zeebe(reader: Reader, item: Element, ext: Extensions) -> None:
    name = local_name(item)
    if name == "ioMapping":
        for param in children(item, ZEEBE):
            source = reader.value(param.get("source", ""), param, "io mapping source")
            target = param.get("target", "")
            mapping = IoParameter(source or Expression("null"), target)
            if local_name(param) == "input":
                ext.inputs.append(mapping)
            elif local_name(param) == "output":
                ext.outputs.append(mapping)
    elif name == "taskHeaders":
        for header in children(item, ZEEBE):
            ext.headers.append((header.get("key", ""), header.get("value", "")))
    elif name == "properties":
        for prop in children(item, ZEEBE):
            ext.properties[prop.get("name", "")] = prop.get("value", "")
    elif name == "userTaskForm":
        ext.forms[item.get("id", "")] = (item.text or "").strip()
    elif name in ("executionListeners", "taskListeners"):
        reader.problem(
            f"Zeebe {name} are not supported and will not run; move their logic into a "
            "service or script task",
            item,
            severity="warning",
        )
    else:
        ext.zeebe[name] = _attrs(item)


def _read_camunda(reader: Reader, item: Element, ext: Extensions, vendor: str) -> None:
    name = local_name(item)
    namespace = namespace_of(item) or CAMUNDA
    if name == "inputOutput":
        for param in children(item, namespace):
            target = param.get("name", "")
            source = _parameter_value(reader, param)
            if local_name(param) == "inputParameter":
                ext.inputs.append(IoParameter(source, target))
            elif local_name(param) == "outputParameter":
                ext.outputs.append(IoParameter(source, target))
    elif name == "properties":
        for prop in children(item, namespace):
            ext.properties[prop.get("name", "")] = prop.get("value", "")
    elif name == "in":
        ext.camunda_in.append(_attrs(item))
    elif name == "out":
        ext.camunda_out.append(_attrs(item))
    elif name == "connector":
        connector = item.find(q(namespace, "connectorId"))
        ext.connector_id = (connector.text or "").strip() if connector is not None else ""
    elif name in ("executionListener", "taskListener"):
        what = "Camunda 7" if vendor == "camunda" else f"{vendor.capitalize()}"
        reader.problem(
            f"{what} {name}s are not supported and will not run; move their logic into "
            "a service or script task",
            item,
            severity="warning",
        )
    elif name not in _IGNORED_CAMUNDA:
        reader.problem(
            f"the extension <{vendor}:{name}> is not supported and is ignored",
            item,
            severity="warning",
        )


def _parameter_value(reader: Reader, param: Element) -> Expression:
    """The value of a Camunda 7 input/output parameter as an expression."""
    nested = next(children(param, CAMUNDA), None)
    if nested is None:
        text = param.text or ""
        if not text.strip():
            return Expression("null", "feel")
        return reader.value(text.strip(), param, f"parameter '{param.get('name')}'") or (
            Expression("null", "feel")
        )
    if local_name(nested) == "script":
        language = (nested.get("scriptFormat") or "script").strip().lower()
        return Expression((nested.text or "").strip(), language)
    try:
        return Expression(_feel_structure(nested), "feel")
    except JuelError as exc:
        reader.problem(
            f"parameter '{param.get('name')}': {exc}; rewrite the value in FEEL",
            param,
            expression=True,
        )
        return Expression((param.text or "").strip(), "juel")


def _feel_structure(el: Element) -> str:
    """FEEL source for a Camunda 7 `<camunda:list>`, `<camunda:map>` or `<camunda:value>`."""
    kind = local_name(el)
    if kind == "list":
        return "[" + ", ".join(_feel_structure(item) for item in children(el, CAMUNDA)) + "]"
    if kind == "map":
        entries = []
        for entry in children(el, CAMUNDA):
            key = (entry.get("key") or "").replace("\\", "\\\\").replace('"', '\\"')
            entries.append(f'"{key}": {_feel_item(entry)}')
        return "{" + ", ".join(entries) + "}"
    return _feel_item(el)


def _feel_item(el: Element) -> str:
    nested = next(children(el, CAMUNDA), None)
    if nested is not None:
        if local_name(nested) == "script":
            raise JuelError("scripts inside lists and maps are not supported")
        return _feel_structure(nested)
    text = (el.text or "").strip()
    if is_juel(text):
        return read_juel(text).text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
