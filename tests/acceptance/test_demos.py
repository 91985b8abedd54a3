"""The four sector demos as shipped: their models validate clean, every scenario passes
with the demo's own workers under `regista test`, and the files ship inside the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from regista.demos.catalog import DEMOS, Demo, demo_resources, demo_workers

REPO = Path(__file__).resolve().parents[2]


def regista(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("demo", DEMOS, ids=[d.name for d in DEMOS])
def test_the_demo_scenarios_pass_with_its_workers(demo: Demo) -> None:
    result = regista("test", str(demo.folder), "--worker", demo.workers_module)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout and "ERROR" not in result.stdout
    passed = int(result.stdout.strip().splitlines()[-1].split(": ")[1].split()[0])
    assert passed >= 4, result.stdout  # a happy path and the main exceptions


@pytest.mark.parametrize("demo", DEMOS, ids=[d.name for d in DEMOS])
def test_the_demo_models_validate_clean(demo: Demo) -> None:
    models = [str(p) for p in demo.files() if p.suffix in (".bpmn", ".dmn")]
    result = regista("validate", *models)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout + result.stderr


@pytest.mark.parametrize("demo", DEMOS, ids=[d.name for d in DEMOS])
def test_every_demo_process_has_a_diagram_and_every_user_task_a_deployed_form(
    demo: Demo,
) -> None:
    forms = {p.name for p in demo.files() if p.suffix == ".form"}
    assert forms, f"{demo.name} has no .form files"
    for model in (p for p in demo.files() if p.suffix == ".bpmn"):
        text = model.read_text(encoding="utf-8")
        assert "<bpmndi:BPMNDiagram" in text, f"{model.name} has no diagram"
        assert 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"' in text
        tasks = text.count("<bpmn:userTask ")
        assert text.count("<zeebe:formDefinition formId=") == tasks, model.name


def test_the_catalog_names_every_file_and_every_job_type() -> None:
    names = {r.name for r in demo_resources()}
    assert {n.split("/")[1] for n in names} == {d.name for d in DEMOS}
    types = set(demo_workers().types)
    for demo in DEMOS:
        for model in (p for p in demo.files() if p.suffix == ".bpmn"):
            text = model.read_text(encoding="utf-8")
            for part in text.split('zeebe:taskDefinition type="')[1:]:
                assert part.split('"')[0] in types, f"{model.name}: no worker"


def test_examples_demos_points_at_the_shipped_files() -> None:
    pointer = (REPO / "examples" / "demos" / "README.md").read_text(encoding="utf-8")
    assert "src/regista/demos" in pointer
