"""Models as the Camunda Desktop Modeler writes them for Camunda 7 (the `camunda:`
namespace, messages correlated by business key and variables), and the multipart
deployment the Modeler's "Deploy" button sends, for the `/engine-rest` suites."""

from __future__ import annotations

__all__ = ["INVOICE", "PAYMENT", "modeler_deployment"]

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:modeler="http://camunda.org/schema/modeler/1.0" '
    'id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn" '
    'exporter="Camunda Modeler" exporterVersion="5.31.0" '
    'modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.23.0">\n'
)

PAYMENT = (
    _HEAD
    + """  <bpmn:process id="payment" name="Payment" isExecutable="true"
    camunda:historyTimeToLive="180">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="Payment received">
      <bpmn:messageEventDefinition id="wait-def" messageRef="Message_paid" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:message id="Message_paid" name="PaymentReceived" />
</bpmn:definitions>
"""
).encode()
"""Waits for the message `PaymentReceived` (correlated by business key or variables)."""

INVOICE = (
    _HEAD
    + """  <bpmn:process id="invoice" name="Invoice" isExecutable="true"
    camunda:historyTimeToLive="180">
    <bpmn:startEvent id="arrived">
      <bpmn:messageEventDefinition id="arrived-def" messageRef="Message_invoice" />
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="arrived" targetRef="check" />
    <bpmn:userTask id="check" name="Check the invoice" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:message id="Message_invoice" name="InvoiceArrived" />
</bpmn:definitions>
"""
).encode()
"""Starts with the message `InvoiceArrived`, then waits at a user task."""


def modeler_deployment(
    name: str, *named: tuple[str, bytes]
) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """The form fields and file parts of the Modeler's deployment: each file a part named
    by its file name."""
    data = {
        "deployment-name": name,
        "deployment-source": "Camunda Modeler",
        "enable-duplicate-filtering": "true",
    }
    parts = [(file, (file, content, "application/octet-stream")) for file, content in named]
    return data, parts
