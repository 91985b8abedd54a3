"""The AI connector: an OpenAI-compatible chat completion (`io.regista:ai-chat:1`), which
hosted services and local servers such as Ollama or vLLM answer alike.

Inputs: `provider.{baseUrl, apiKey}` (the key usually `{{secrets.OPENAI_API_KEY}}`;
`https://api.openai.com/v1` by default), `model`, `systemPrompt`, `userPrompt` (FEEL
builds them from variables, as any input), `temperature`, `maxTokens`, and `jsonSchema`:
a JSON Schema the answer must follow — asked of the model as structured output, then
checked here, so that only a valid document becomes a variable (an answer that does not
fit fails the job, to be retried). The response is `{content, json, model, finishReason,
usage}`: `usage` holds the token counts, which the result mapping writes into the history
with the variables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import jsonschema

from regista.connectors.outcome import CallFailed, ConnectorError, Outcome, conclude, json_bytes
from regista.connectors.secrets import SecretError, Secrets
from regista.runtime.workers import ActivatedJob, JobFailure

__all__ = ["AI_CHAT", "ChatConnector"]

AI_CHAT = "io.regista:ai-chat:1"

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def _number(value: Any, field: str, low: float, high: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConnectorError(field, f"must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise ConnectorError(field, f"must be between {low:g} and {high:g}")
    return number


class ChatConnector:
    """Asks an OpenAI-compatible chat completion endpoint for `io.regista:ai-chat:1` jobs."""

    def __init__(self, secrets: Secrets, client: httpx.Client | None = None) -> None:
        self.secrets = secrets
        self.client = client or httpx.Client()

    def __call__(self, job: ActivatedJob) -> dict[str, Any]:
        redact = self.secrets.redact
        try:
            return conclude(job, self.call(job.variables), redact)
        except (ConnectorError, SecretError) as exc:
            raise JobFailure(redact(f"{job.element_id}: {exc}"), retries=0) from None

    def call(self, inputs: Mapping[str, Any]) -> Outcome:
        """Send the prompts and check the answer."""
        provider = self.secrets.resolve(inputs.get("provider") or {}, "provider")
        if not isinstance(provider, Mapping):
            raise ConnectorError("provider", "must be a context with baseUrl and apiKey")
        base = str(provider.get("baseUrl") or DEFAULT_BASE_URL).rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ConnectorError("provider.baseUrl", "must be an http:// or https:// URL")
        model = inputs.get("model")
        if not isinstance(model, str) or not model:
            raise ConnectorError("model", "is missing: name the model, e.g. gpt-4o-mini or llama3")
        user = inputs.get("userPrompt")
        if user is None or user == "":
            raise ConnectorError("userPrompt", "is missing")
        messages = []
        if inputs.get("systemPrompt"):
            messages.append({"role": "system", "content": str(inputs["systemPrompt"])})
        messages.append({"role": "user", "content": str(user)})
        request: dict[str, Any] = {"model": model, "messages": messages}
        temperature = _number(inputs.get("temperature"), "temperature", 0, 2)
        if temperature is not None:
            request["temperature"] = temperature
        tokens = _number(inputs.get("maxTokens"), "maxTokens", 1, 10_000_000)
        if tokens is not None:
            request["max_tokens"] = int(tokens)
        schema = inputs.get("jsonSchema")
        if schema is not None:
            if not isinstance(schema, Mapping):
                raise ConnectorError("jsonSchema", "must be a JSON Schema (a context)")
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as exc:
                raise ConnectorError(
                    "jsonSchema", f"is not a valid JSON Schema: {exc.message}"
                ) from None
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            }
        headers = {"Content-Type": "application/json"}
        if provider.get("apiKey"):
            headers["Authorization"] = f"Bearer {provider['apiKey']}"
        url = f"{base}/chat/completions"
        try:
            answer = self.client.post(
                url, content=json_bytes(request), headers=headers, timeout=120
            )
        except httpx.TimeoutException as exc:
            return Outcome(failed=CallFailed("TIMEOUT", f"{url} timed out ({exc})"))
        except httpx.TransportError as exc:
            return Outcome(failed=CallFailed("CONNECTION_ERROR", f"{url} failed: {exc}"))
        if answer.status_code >= 400:
            return Outcome(
                failed=CallFailed(
                    str(answer.status_code),
                    f"{url} answered {answer.status_code}: {answer.text[:300]}",
                    {"status": answer.status_code, "body": answer.text},
                    retryable=answer.status_code in (408, 409, 429) or answer.status_code >= 500,
                )
            )
        return self._read(answer, schema)

    def _read(self, answer: httpx.Response, schema: Any) -> Outcome:
        try:
            body = answer.json()
            choice = body["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            return Outcome(failed=CallFailed("BAD_ANSWER", "the answer is not a chat completion"))
        document = None
        if schema is not None:
            try:
                document = json.loads(content)
                jsonschema.validate(document, schema)
            except ValueError:
                return Outcome(failed=CallFailed("INVALID_JSON", "the answer is not JSON"))
            except jsonschema.ValidationError as exc:
                where = "/".join(str(p) for p in exc.absolute_path) or "the answer"
                return Outcome(
                    failed=CallFailed(
                        "SCHEMA_MISMATCH", f"{where} does not follow the schema: {exc.message}"
                    )
                )
        usage = body.get("usage") or {}
        return Outcome(
            response={
                "content": content,
                "json": document,
                "model": body.get("model"),
                "finishReason": choice.get("finish_reason"),
                "usage": {
                    "promptTokens": usage.get("prompt_tokens"),
                    "completionTokens": usage.get("completion_tokens"),
                    "totalTokens": usage.get("total_tokens"),
                },
            }
        )
