"""XML namespaces of BPMN 2.0, its diagram interchange and the vendor extensions read."""

from __future__ import annotations

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
MODELER = "http://camunda.org/schema/modeler/1.0"
ACTIVITI = "http://activiti.org/bpmn"
FLOWABLE = "http://flowable.org/bpmn"
#: The namespaces of Camunda 7 and its ancestors, whose attributes share names and meaning.
LEGACY = (ACTIVITI, FLOWABLE)
REGISTA = "http://regista.dev/schema/bpmn/1.0"

#: The FEEL language URIs used by BPMN and DMN files.
FEEL_URIS = frozenset(
    {
        "http://www.omg.org/spec/FEEL/20140401",
        "https://www.omg.org/spec/DMN/20191111/FEEL/",
        "https://www.omg.org/spec/DMN/20211108/FEEL/",
        "https://www.omg.org/spec/DMN/20230324/FEEL/",
        "https://www.omg.org/spec/DMN/20180521/FEEL/",
    }
)


def q(namespace: str, local: str) -> str:
    """The Clark notation `{namespace}local` lxml uses for qualified names."""
    return f"{{{namespace}}}{local}"
