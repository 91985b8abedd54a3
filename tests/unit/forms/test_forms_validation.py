"""Submitted values against a Camunda Form as the Modeler writes it, and a JSON Schema."""

from __future__ import annotations

from typing import Any

import pytest

from regista.forms import FieldProblem, FormError, is_camunda_form, validate_form

FORM: dict[str, Any] = {
    "$schema": "https://unpkg.com/@camunda/schema/resources/form-schema.json",
    "schemaVersion": 16,
    "type": "default",
    "id": "loan-approval",
    "executionPlatform": "Camunda Cloud",
    "components": [
        {"type": "text", "text": "# Loan", "id": "Field_0"},
        {
            "type": "textfield",
            "key": "applicant",
            "label": "Applicant",
            "validate": {"required": True, "minLength": 2, "maxLength": 20},
        },
        {
            "type": "textfield",
            "key": "email",
            "label": "Email",
            "validate": {"validationType": "email"},
        },
        {"type": "textfield", "key": "phone", "validate": {"validationType": "phone"}},
        {"type": "textfield", "key": "iban", "validate": {"pattern": "^[A-Z]{2}[0-9]{2}"}},
        {
            "type": "number",
            "key": "amount",
            "decimalDigits": 2,
            "validate": {"required": True, "min": 100, "max": 50000},
        },
        {"type": "number", "key": "months", "increment": "6", "validate": {"min": 6}},
        {"type": "checkbox", "key": "approved", "label": "Approved"},
        {
            "type": "select",
            "key": "risk",
            "values": [{"label": "Low", "value": "low"}, {"label": "High", "value": "high"}],
        },
        {"type": "radio", "key": "channel", "valuesKey": "channels"},
        {
            "type": "checklist",
            "key": "documents",
            "values": [{"label": "ID", "value": "id"}, {"label": "Payslip", "value": "pay"}],
        },
        {"type": "datetime", "key": "start", "subtype": "date", "dateLabel": "Start"},
        {"type": "datetime", "key": "meeting", "subtype": "datetime"},
        {"type": "datetime", "key": "callAt", "subtype": "time"},
        {
            "type": "textarea",
            "key": "reason",
            "validate": {"required": True},
            "conditional": {"hide": "=approved = true"},
        },
        {"type": "textfield", "key": "clerk", "readonly": True, "validate": {"required": True}},
        {
            "type": "group",
            "path": "customer",
            "components": [
                {"type": "textfield", "key": "city", "validate": {"required": True}},
            ],
        },
        {
            "type": "dynamiclist",
            "path": "items",
            "components": [{"type": "number", "key": "qty", "validate": {"min": 1}}],
        },
    ],
}

GOOD: dict[str, Any] = {
    "applicant": "Ann Lee",
    "email": "ann@example.com",
    "phone": "+49 30 664040900",
    "iban": "DE89370400440532013000",
    "amount": 1200.5,
    "months": 12,
    "approved": True,
    "risk": "low",
    "channel": "anything: options come from a variable",
    "documents": ["id", "pay"],
    "start": "2030-01-31",
    "meeting": "2030-01-31T14:30+01:00",
    "callAt": "09:15Z",
    "customer": {"city": "Berlin"},
    "items": [{"qty": 1}, {"qty": 3}],
}


def test_good_values_pass() -> None:
    assert is_camunda_form(FORM)
    assert validate_form(FORM, GOOD) == []


def test_each_field_is_refused_with_its_reason() -> None:
    bad: dict[str, Any] = {
        "applicant": "A",
        "email": "not-an-email",
        "phone": "12345",
        "iban": "de89",
        "amount": 100.123,
        "months": 9,
        "approved": "yes",
        "risk": "medium",
        "documents": ["id", "passport"],
        "start": "2030-02-30",
        "meeting": "2030-01-31",
        "callAt": "25:00",
        "customer": {},
        "items": [{"qty": 0}, {"qty": "x"}],
    }
    problems = {p.name: p.reason for p in validate_form(FORM, bad)}
    assert problems == {
        "applicant": "must have at least 2 characters",
        "email": "must be a valid email address",
        "phone": "must be a valid international phone number (e.g. +4930664040900)",
        "iban": "must match the pattern ^[A-Z]{2}[0-9]{2}",
        "amount": "must have at most 2 decimal digits",
        "months": "must be a multiple of 6 from 6",
        "approved": "must be true or false",
        "risk": "'medium' is not one of the options ('low', 'high')",
        "documents": "'passport' is not one of the options ('id', 'pay')",
        "start": "must be a date such as 2030-01-31",
        "meeting": "must be a date and time such as 2030-01-31T14:30",
        "callAt": "must be a time such as 14:30 (with an optional offset, e.g. 14:30+01:00)",
        "reason": "is required",
        "customer.city": "is required",
        "items[0].qty": "must be at least 1",
        "items[1].qty": "must be a number",
    }


def test_required_fields_may_already_hold_a_value_and_hidden_ones_are_skipped() -> None:
    missing = {k: v for k, v in GOOD.items() if k not in ("applicant", "amount")}
    assert validate_form(FORM, missing) == [
        FieldProblem("applicant", "is required"),
        FieldProblem("amount", "is required"),
    ]
    assert validate_form(FORM, missing, existing={"applicant": "Bo", "amount": 500}) == []
    # reason is required only while the application is not approved
    assert validate_form(FORM, {**GOOD, "approved": False}) == [
        FieldProblem("reason", "is required")
    ]
    assert validate_form(FORM, {**GOOD, "amount": 60000, "applicant": "x" * 21}) == [
        FieldProblem("applicant", "must have at most 20 characters"),
        FieldProblem("amount", "must be at most 50000"),
    ]


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "age"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 18},
        "address": {
            "type": "object",
            "required": ["zip"],
            "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
        },
    },
}


def test_a_json_schema_form() -> None:
    assert not is_camunda_form(SCHEMA)
    assert validate_form(SCHEMA, {"name": "Ann", "age": 30}) == []
    problems = validate_form(SCHEMA, {"age": 12, "address": {"zip": "1"}})
    assert [p.name for p in problems] == ["name", "address.zip", "age"]
    assert problems[0].reason == "is required"
    assert "18" in problems[2].reason
    assert validate_form(SCHEMA, {"name": "Ann", "age": 20, "address": {}}) == [
        FieldProblem("address.zip", "is required")
    ]
    with pytest.raises(FormError, match="not valid"):
        validate_form({"type": "nonsense"}, {})
