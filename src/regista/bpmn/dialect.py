"""The Camunda 7 dialect of written elements.

The writer speaks Camunda 8 (`zeebe:` extensions). An element written back into a Camunda 7
file is turned into that file's dialect here: every `zeebe:` extension with a Camunda 7 twin
becomes the `camunda:` attribute or element Camunda 7 reads (a job type is an external task
topic, a called element the standard `calledElement` attribute, an io mapping a
`camunda:inputOutput`, ...). The few without a twin (task headers, a message's correlation
key, a multi-instance output collection) stay `zeebe:` extensions, which Camunda 7 ignores.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from regista.bpmn.expressions import JuelError, read_formal, read_value
from regista.bpmn.namespaces import BPMN, CAMUNDA, FLOWABLE, ZEEBE, q
from regista.bpmn.reader import Element, children, local_name

__all__ = ["to_camunda7"]

Rule = Callable[[Element, Element, dict[str, str]], bool]


def to_camunda7(el: Element, namespace: str = CAMUNDA) -> None:
    """Rewrite the `zeebe:` extensions of `el` and the elements inside it as Camunda 7, and
    its FEEL expressions as JUEL where the JUEL reads back as the same FEEL. For an Activiti
    or Flowable file (`namespace`), the attributes take that namespace and its words."""
    _extensions(el)
    for item in el.iter("*"):
        for name, value in list(item.attrib.items()):
            qname = etree.QName(name)
            if qname.namespace != CAMUNDA:
                continue
            text = _juel(str(value))
            if namespace == CAMUNDA:
                item.set(name, text)
                continue
            del item.attrib[name]
            local = _LEGACY_NAMES.get(qname.localname, qname.localname)
            if namespace == FLOWABLE and local == "type" and text == "external":
                text = "external-worker"
            item.set(q(namespace, local), text)
        tag = local_name(item)
        if item.text and tag in ("inputParameter", "outputParameter"):
            item.text = _juel(item.text)
        elif item.text and tag in _FORMAL and item.get("language") is None:
            item.text = _juel(item.text, formal=True)


#: Camunda 7 attribute names whose Activiti / Flowable twin is named otherwise.
_LEGACY_NAMES = {"asyncBefore": "async"}

#: BPMN elements holding a formal expression.
_FORMAL = frozenset({"conditionExpression", "condition", "completionCondition", "loopCardinality"})


def _juel(text: str, *, formal: bool = False) -> str:
    """`=feel` as `${juel}` when that JUEL is translated back to the same FEEL."""
    if not text.startswith("="):
        return text
    candidate = "${" + text[1:].strip() + "}"
    try:
        if formal:
            same = read_formal(candidate, None) == read_formal(text, None)
        else:
            same = read_value(candidate) == read_value(text)
    except JuelError:
        return text
    return candidate if same else text


def _extensions(el: Element) -> None:
    for item in list(el.iter(q(BPMN, "extensionElements"))):
        owner = item.getparent()
        if owner is None:
            continue
        for ext in list(children(item, ZEEBE)):
            rule = _RULES.get(local_name(ext))
            attrs = {str(k): str(v) for k, v in ext.attrib.items()}
            if rule is not None and rule(owner, item, attrs):
                item.remove(ext)
        if len(item) == 0:
            owner.remove(item)


def _camunda(owner: Element, **attrs: str | None) -> None:
    for name, value in attrs.items():
        if value is not None:
            owner.set(q(CAMUNDA, name), value)


def _task_definition(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    if "retries" in attrs:
        return False  # Camunda 7 counts retries elsewhere; keep the Camunda 8 word for it
    _camunda(owner, type="external", topic=attrs.get("type"))
    return True


def _assignment(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    _camunda(
        owner,
        assignee=attrs.get("assignee"),
        candidateUsers=attrs.get("candidateUsers"),
        candidateGroups=attrs.get("candidateGroups"),
    )
    return True


def _schedule(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    _camunda(owner, dueDate=attrs.get("dueDate"), followUpDate=attrs.get("followUpDate"))
    return True


def _form(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    _camunda(owner, formKey=attrs.get("formKey"), formRef=attrs.get("formId"))
    return True


def _priority(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    _camunda(owner, priority=attrs.get("priority"))
    return True


def _called_element(owner: Element, ext: Element, attrs: dict[str, str]) -> bool:
    if attrs.get("processId") is not None:
        owner.set("calledElement", attrs["processId"])
    binding = attrs.get("bindingType")
    if binding is not None:
        _camunda(
            owner, calledElementBinding=binding, calledElementVersionTag=attrs.get("versionTag")
        )
    # Camunda 7 passes no variables unless told: "all" both ways is Camunda 8's default.
    for local, key in (
        ("in", "propagateAllParentVariables"),
        ("out", "propagateAllChildVariables"),
    ):
        if attrs.get(key, "true") == "true":
            ext.append(etree.Element(q(CAMUNDA, local), variables="all"))
    return True


def _called_decision(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    _camunda(
        owner,
        decisionRef=attrs.get("decisionId"),
        resultVariable=attrs.get("resultVariable"),
        decisionRefBinding=attrs.get("bindingType"),
        decisionRefVersionTag=attrs.get("versionTag"),
    )
    return True


def _script(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    text = attrs.get("expression", "")
    owner.set("scriptFormat", "feel")
    script = etree.SubElement(owner, q(BPMN, "script"))
    script.text = text[1:] if text.startswith("=") else text
    _camunda(owner, resultVariable=attrs.get("resultVariable"))
    return True


def _loop(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    if attrs.get("outputCollection") is not None:
        return False  # Camunda 7 has no output collection; keep the Camunda 8 form
    _camunda(
        owner, collection=attrs.get("inputCollection"), elementVariable=attrs.get("inputElement")
    )
    return True


def _io_mapping(owner: Element, ext: Element, attrs: dict[str, str]) -> bool:
    mapping = ext.find(q(ZEEBE, "ioMapping"))
    if mapping is None:
        return False
    io = etree.Element(q(CAMUNDA, "inputOutput"))
    for param in children(mapping, ZEEBE):
        tag = "inputParameter" if local_name(param) == "input" else "outputParameter"
        item = etree.SubElement(io, q(CAMUNDA, tag), name=param.get("target", ""))
        item.text = param.get("source", "")
    mapping.addprevious(io)
    return True


def _properties(owner: Element, ext: Element, attrs: dict[str, str]) -> bool:
    found = ext.find(q(ZEEBE, "properties"))
    if found is None:
        return False
    props = etree.Element(q(CAMUNDA, "properties"))
    for prop in children(found, ZEEBE):
        etree.SubElement(
            props, q(CAMUNDA, "property"), name=prop.get("name", ""), value=prop.get("value", "")
        )
    found.addprevious(props)
    return True


def _version_tag(owner: Element, _ext: Element, attrs: dict[str, str]) -> bool:
    _camunda(owner, versionTag=attrs.get("value"))
    return True


_RULES: dict[str, Rule] = {
    "taskDefinition": _task_definition,
    "assignmentDefinition": _assignment,
    "taskSchedule": _schedule,
    "formDefinition": _form,
    "priorityDefinition": _priority,
    "calledElement": _called_element,
    "calledDecision": _called_decision,
    "script": _script,
    "loopCharacteristics": _loop,
    "ioMapping": _io_mapping,
    "properties": _properties,
    "versionTag": _version_tag,
}
