"""What a user task needs beyond Camunda's attributes: the four-eyes rule (an extension
property or a `regista:` attribute), embedded Camunda 8 forms and Camunda 7 form refs."""

from __future__ import annotations

from regista.bpmn import ProcessBuilder, parse, validate
from regista.bpmn.duties import FOUR_EYES_PROPERTY, four_eyes
from regista.model.bpmn import UserTask

C8 = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  xmlns:regista="http://regista.dev/schema/bpmn/1.0" id="d" targetNamespace="x">
  <process id="p" isExecutable="true">
    <extensionElements>
      <zeebe:userTaskForm id="userTaskForm_1">{"components": []}</zeebe:userTaskForm>
    </extensionElements>
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="prepare"/>
    <userTask id="prepare"/>
    <sequenceFlow id="f2" sourceRef="prepare" targetRef="approve"/>
    <userTask id="approve">
      <extensionElements>
        <zeebe:formDefinition formKey="camunda-forms:bpmn:userTaskForm_1"/>
        <zeebe:properties><zeebe:property name="regista.fourEyes" value="prepare"/>
        </zeebe:properties>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f3" sourceRef="approve" targetRef="check"/>
    <userTask id="check" regista:fourEyes="prepare, approve"/>
    <sequenceFlow id="f4" sourceRef="check" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""


def test_four_eyes_and_embedded_forms_are_read() -> None:
    defs = parse(C8)
    process = defs.processes["p"]
    assert four_eyes(process.elements["approve"]) == ("prepare",)
    assert four_eyes(process.elements["check"]) == ("prepare", "approve")
    assert four_eyes(process.elements["prepare"]) == ()
    assert process.forms == {"userTaskForm_1": '{"components": []}'}
    approve = process.elements["approve"]
    assert isinstance(approve, UserTask)
    assert approve.form_key == "camunda-forms:bpmn:userTaskForm_1"
    assert not [p for p in validate(defs) if p.severity == "error"]


def test_a_four_eyes_rule_naming_no_other_user_task_is_a_problem() -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("a")
        .property(FOUR_EYES_PROPERTY, "a, s, nowhere")
        .end()
        .build()
    )
    problems = [p for p in validate(defs) if "four-eyes" in p.message]
    assert [p.element_id for p in problems] == ["a", "a", "a"]
    assert "'nowhere'" in problems[2].message


def test_camunda_7_form_ref_names_the_form() -> None:
    defs = parse(
        """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
        <process id="p" isExecutable="true"><startEvent id="s"/>
        <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
        <userTask id="t" camunda:formRef="invoice-form" camunda:formRefBinding="latest"/>
        <sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>
        </process></definitions>"""
    )
    task = defs.processes["p"].elements["t"]
    assert isinstance(task, UserTask) and task.form_id == "invoice-form"
