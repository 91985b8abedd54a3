"""A model configured as Camunda Modeler's REST connector template writes it (zeebe
inputs named `authentication.type`, `url`, ..., and the `resultExpression` header), run by
`regista run` as a real process against a real local HTTP server, the bearer token a
secret from the operator's secrets file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from serving import serve

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0"
    id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn"
    modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">
  <bpmn:process id="weather" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="ask" name="Ask the weather service"
        zeebe:modelerTemplate="io.camunda.connectors.HttpJson.v2">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="io.camunda:http-json:1" retries="3" />
        <zeebe:ioMapping>
          <zeebe:input source="bearer" target="authentication.type" />
          <zeebe:input source="{{secrets.WEATHER_TOKEN}}" target="authentication.token" />
          <zeebe:input source="GET" target="method" />
          <zeebe:input source="=&#34;URL/forecast/&#34; + city" target="url" />
          <zeebe:input source="={days: 2}" target="queryParameters" />
          <zeebe:input source="20" target="connectionTimeoutInSeconds" />
          <zeebe:input source="20" target="readTimeoutInSeconds" />
        </zeebe:ioMapping>
        <zeebe:taskHeaders>
          <zeebe:header key="resultExpression"
              value="={forecast: response.body.forecast, status: response.status}" />
          <zeebe:header key="retryBackoff" value="PT0S" />
        </zeebe:taskHeaders>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask" />
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def weather_app(seen: list[dict[str, str]]) -> FastAPI:
    app = FastAPI()

    @app.get("/forecast/{city}")
    async def forecast(city: str, request: Request) -> JSONResponse:
        seen.append({"city": city, "auth": request.headers.get("authorization", "")})
        if request.headers.get("authorization") != "Bearer t0k3n-from-file":
            return JSONResponse({"error": "who are you"}, status_code=401)
        days = int(request.query_params.get("days", "1"))
        return JSONResponse({"forecast": ["sun"] * days})

    return app


def test_a_rest_connector_task_runs_as_the_modeler_configured_it(tmp_path: Path) -> None:
    seen: list[dict[str, str]] = []
    secrets = tmp_path / "secrets.env"
    secrets.write_text("# the operator's secrets\nWEATHER_TOKEN=t0k3n-from-file\n")
    with serve(weather_app(seen)) as url:
        model = tmp_path / "weather.bpmn"
        model.write_text(MODEL.replace("URL", url), encoding="utf-8")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "regista.cli.main",
                "run",
                str(model),
                "--var",
                'city="Lyon"',
                "--secrets-file",
                str(secrets),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["variables"]["forecast"] == ["sun", "sun"]
    assert result["variables"]["status"] == 200
    assert seen == [{"city": "Lyon", "auth": "Bearer t0k3n-from-file"}]
    assert "t0k3n-from-file" not in done.stdout + done.stderr


def test_a_missing_secret_is_an_incident_naming_it_not_a_value(tmp_path: Path) -> None:
    model = tmp_path / "weather.bpmn"
    model.write_text(MODEL.replace("URL", "http://127.0.0.1:9"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "regista.cli.main", "run", str(model), "--var", 'city="Lyon"'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert "the secret 'WEATHER_TOKEN' in authentication.token is not configured" in output
    assert "REGISTA_SECRET_WEATHER_TOKEN" in output
