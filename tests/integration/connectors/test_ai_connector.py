"""The AI connector (`io.regista:ai-chat:1`) against a local server that speaks the
OpenAI chat completion API: prompts built from variables, structured output checked
against the JSON Schema before it becomes a variable, token usage kept, a rate limit
retried, a wrong key an incident at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from regista.bpmn import ProcessBuilder
from regista.connectors import AI_CHAT, Secrets, standard_connectors
from regista.testing import FakeClock, LocalRuntime
from serving import serve

KEY = "sk-test-secret-key"


class Model:
    """The fake model's script: what it answers, and what it was asked."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []
        self.answers: list[tuple[int, str]] = []


def chat_app(model: Model) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"error": {"message": "invalid api key"}}, status_code=401)
        model.asked.append(await request.json())
        status, content = model.answers.pop(0)
        if status != 200:
            return JSONResponse({"error": {"message": "slow down"}}, status_code=status)
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "model": "tiny-1",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
            }
        )

    return app


@pytest.fixture
def served() -> Iterator[tuple[Model, str]]:
    model = Model()
    with serve(chat_app(model)) as url:
        yield model, url


SCHEMA = (
    '={type: "object", properties: {category: {type: "string", enum: ["invoice", "complaint"]},'
    ' urgent: {type: "boolean"}}, required: ["category", "urgent"], additionalProperties: false}'
)


def classify(
    url: str, key: str = "{{secrets.OPENAI_API_KEY}}", schema: str = SCHEMA
) -> ProcessBuilder:
    return (
        ProcessBuilder("classify")
        .start("s")
        .service_task(
            "ask",
            type=AI_CHAT,
            retries=3,
            headers={
                "resultExpression": "={category: response.json.category, "
                "urgent: response.json.urgent, tokens: response.usage.totalTokens}",
                "retryBackoff": "PT10S",
            },
        )
        .input("provider.baseUrl", f"{url}/v1")
        .input("provider.apiKey", key)
        .input("model", "tiny-1")
        .input("systemPrompt", "You sort customer mail.")
        .input("userPrompt", '="Classify this mail: " + mail')
        .input("temperature", "=0")
        .input("jsonSchema", schema)
        .end("e")
    )


@contextmanager
def runtime() -> Iterator[LocalRuntime]:
    secrets = Secrets({"OPENAI_API_KEY": KEY})
    with (
        httpx.Client() as http,
        LocalRuntime(FakeClock(), workers=standard_connectors(secrets, http=http)) as rt,
    ):
        yield rt


def test_a_structured_answer_becomes_variables(served: tuple[Model, str]) -> None:
    model, url = served
    model.answers.append((200, json.dumps({"category": "invoice", "urgent": True})))
    with runtime() as rt:
        rt.deploy(classify(url))
        info = rt.instance(rt.start("classify", {"mail": "Please pay invoice 42"}))
        history = repr(rt.history(info.id))
    assert info.status == "completed", info.incidents
    assert (info.variables["category"], info.variables["urgent"]) == ("invoice", True)
    assert info.variables["tokens"] == 17
    (asked,) = model.asked
    assert asked["model"] == "tiny-1" and asked["temperature"] == 0
    assert asked["messages"] == [
        {"role": "system", "content": "You sort customer mail."},
        {"role": "user", "content": "Classify this mail: Please pay invoice 42"},
    ]
    assert asked["response_format"]["json_schema"]["schema"]["required"] == ["category", "urgent"]
    assert KEY not in history


def test_an_answer_that_breaks_the_schema_is_retried_and_never_a_variable(
    served: tuple[Model, str],
) -> None:
    model, url = served
    model.answers += [
        (200, json.dumps({"category": "spam", "urgent": False})),
        (429, ""),
        (200, json.dumps({"category": "complaint", "urgent": False})),
    ]
    with runtime() as rt:
        rt.deploy(classify(url))
        iid = rt.start("classify", {"mail": "I am angry"})
        assert "category" not in rt.instance(iid).variables
        (job,) = rt.jobs(iid)
        assert job.retries == 2 and "SCHEMA_MISMATCH" in (job.error or "")
        rt.advance("PT10S")  # the rate limit: a failure like any other
        rt.advance("PT10S")
        info = rt.instance(iid)
    assert info.status == "completed", info.incidents
    assert info.variables["category"] == "complaint"
    assert len(model.asked) == 3


def test_a_wrong_key_is_an_incident_at_once(served: tuple[Model, str]) -> None:
    _, url = served
    with runtime() as rt:
        rt.deploy(classify(url, key="sk-wrong"))
        (incident,) = rt.instance(rt.start("classify", {"mail": "x"})).incidents
    assert incident.message.startswith("401") and "invalid api key" in incident.message


def test_an_invalid_schema_names_the_field(served: tuple[Model, str]) -> None:
    _, url = served
    model = classify(url, schema='={type: "no-such-type"}')
    with runtime() as rt:
        rt.deploy(model)
        (incident,) = rt.instance(rt.start("classify", {"mail": "x"})).incidents
    assert "jsonSchema: is not a valid JSON Schema" in incident.message
