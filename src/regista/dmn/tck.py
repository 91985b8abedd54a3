"""A runner for the DMN TCK (Technology Compatibility Kit) test folders.

Each folder that holds `*.dmn` models and `*-test-*.xml` files (schema `testCases.xsd`) is a
test folder: its models are loaded together (so imports between them resolve) and every
`testCase` of its test files is evaluated and compared with the expected values. A case
passes when every result node matches: numbers to within 1e-8 (absolute), strings and
booleans exactly, lists element by element, contexts by the same keys, dates, times and
durations by FEEL equality; an expected null (`xsi:nil`, or
`errorResult="true"`) matches only null. A model that fails to load, an input that cannot be
read or an exception raised while evaluating makes the case "errored"; the run never stops.

The compliance level comes from the folder path (`compliance-level-2`, `compliance-level-3`);
cases under `non-compliant` are run and reported, but not counted in the scored totals.
"""

from __future__ import annotations

import csv
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from regista.dmn import DecisionModels, load
from regista.feel import temporal
from regista.feel.values import DECIMAL, equal, to_feel, to_string

__all__ = [
    "NON_COMPLIANT",
    "CaseResult",
    "LevelSummary",
    "TckReport",
    "TestCase",
    "TestFile",
    "find_test_folders",
    "level_of",
    "mismatch",
    "read_test_file",
    "run",
    "run_folder",
    "value_of",
    "write_csv",
]

Status = Literal["passed", "failed", "errored"]

NON_COMPLIANT = "non-compliant"
"""The level of folders that are run and reported but not scored."""

_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_LEVEL = re.compile(r"^compliance-level-\d+$")
_TOLERANCE = Decimal("1e-8")
_MAX_MESSAGE = 400


def _parser() -> etree.XMLParser:
    # Test files and models may come from anywhere: no DTDs, entities or network.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )


class _Timeout(BaseException):
    """Raised by the alarm when a case runs too long. A BaseException, so that the
    evaluator's own `except Exception` handlers do not swallow it."""


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one test case."""

    folder: str
    """The test folder, relative to the root that was run (with `/` separators)."""
    test_file: str
    test_id: str
    level: str
    """`compliance-level-N`, `non-compliant`, or `unclassified` for other folders."""
    status: Status
    expects_value: bool
    """True when at least one result node expects a non-null value."""
    message: str = ""

    @property
    def scored(self) -> bool:
        return self.level != NON_COMPLIANT


@dataclass(frozen=True, slots=True)
class LevelSummary:
    """Counts over a set of cases (one compliance level, or the scored total)."""

    level: str
    passed: int = 0
    failed: int = 0
    errored: int = 0
    value_expecting: int = 0
    value_expecting_passed: int = 0

    @property
    def cases(self) -> int:
        return self.passed + self.failed + self.errored

    @property
    def pass_rate(self) -> float:
        """Passed cases over all cases, 0.0 when there are none."""
        return self.passed / self.cases if self.cases else 0.0

    @property
    def value_pass_rate(self) -> float:
        """Passed cases over the cases that expect at least one non-null value."""
        return self.value_expecting_passed / self.value_expecting if self.value_expecting else 0.0

    @staticmethod
    def of(level: str, cases: Iterable[CaseResult]) -> LevelSummary:
        passed = failed = errored = expecting = expecting_passed = 0
        for c in cases:
            passed += c.status == "passed"
            failed += c.status == "failed"
            errored += c.status == "errored"
            expecting += c.expects_value
            expecting_passed += c.expects_value and c.status == "passed"
        return LevelSummary(level, passed, failed, errored, expecting, expecting_passed)


def _level_key(level: str) -> tuple[int, str]:
    return (2, level) if level == NON_COMPLIANT else (0 if _LEVEL.match(level) else 1, level)


@dataclass(frozen=True, slots=True)
class TckReport:
    """All case results of a run, with the summaries the TCK reports ask for."""

    cases: tuple[CaseResult, ...]
    seconds: float = 0.0

    def levels(self) -> list[LevelSummary]:
        """One summary per level met, scored levels first, `non-compliant` last."""
        names = sorted({c.level for c in self.cases}, key=_level_key)
        return [LevelSummary.of(n, (c for c in self.cases if c.level == n)) for n in names]

    @property
    def total(self) -> LevelSummary:
        """The scored total: every case except the `non-compliant` ones."""
        return LevelSummary.of("total", (c for c in self.cases if c.scored))

    @property
    def failures(self) -> list[CaseResult]:
        """Cases that failed or errored, in run order."""
        return [c for c in self.cases if c.status != "passed"]


# ---------------------------------------------------------------- test files


@dataclass(frozen=True, slots=True)
class ResultNode:
    name: str
    expected: Any
    """The expected FEEL value (None for null)."""
    error: str = ""
    """Why the expected value could not be read, if it could not."""


@dataclass(frozen=True, slots=True)
class TestCase:
    """One `testCase` of a test file, with its values already converted to FEEL values."""

    __test__ = False  # not a pytest class

    id: str
    kind: str
    """`decision`, `decisionService` or `bkm` (the schema's testCaseType)."""
    invocable: str | None
    inputs: dict[str, Any]
    namespaced_inputs: tuple[tuple[str, str, Any], ...]
    """Inputs with a `namespace` attribute: (namespace, name, value)."""
    results: tuple[ResultNode, ...]
    error: str = ""
    """Why an input value could not be read, if one could not."""

    @property
    def expects_value(self) -> bool:
        return any(r.expected is not None or r.error for r in self.results)


@dataclass(frozen=True, slots=True)
class TestFile:
    """A parsed `*-test-*.xml` file."""

    __test__ = False

    path: Path
    model_name: str | None
    cases: tuple[TestCase, ...] = field(default=())


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c.tag) == name]


def _is_nil(el: etree._Element) -> bool:
    return (el.get(_XSI_NIL) or "").strip() in ("true", "1")


def _number(text: str) -> Decimal:
    try:
        return DECIMAL.create_decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def _boolean(text: str) -> bool:
    t = text.strip()
    if t in ("true", "1"):
        return True
    if t in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _temporal(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        value = parse(text.strip())
        if value is None:
            raise ValueError(f"not a valid value: {text!r}")
        return value

    return convert


_SIMPLE: dict[str, Callable[[str], Any]] = {
    "decimal": _number,
    "double": _number,
    "float": _number,
    "integer": _number,
    "int": _number,
    "long": _number,
    "short": _number,
    "boolean": _boolean,
    "string": str,
    "date": _temporal(temporal.parse_date),
    "time": _temporal(temporal.parse_time),
    "dateTime": _temporal(temporal.parse_date_time),
    "duration": _temporal(temporal.parse_duration),
    "dayTimeDuration": _temporal(temporal.parse_duration),
    "yearMonthDuration": _temporal(temporal.parse_duration),
}


def _simple_value(el: etree._Element) -> Any:
    """A `value` element: nil, a typed simple value, or a context of `component`s."""
    if _is_nil(el):
        return None
    components = _children(el, "component")
    if components:
        return _context(components)
    lists = _children(el, "list")
    if lists:
        return _list(lists[0])
    text = el.text or ""
    xsi_type = el.get(_XSI_TYPE)
    if xsi_type is None:
        # Untyped (only the non-compliant folders do this): the XML text, as a string.
        return text
    type_name = xsi_type.rpartition(":")[2]
    convert = _SIMPLE.get(type_name)
    if convert is None:
        raise ValueError(f"unsupported xsi:type {xsi_type!r}")
    return convert(text)


def _context(components: Sequence[etree._Element]) -> dict[str, Any]:
    return {c.get("name", ""): None if _is_nil(c) else value_of(c) for c in components}


def _list(el: etree._Element) -> list[Any] | None:
    if _is_nil(el):
        return None
    return [value_of(item) for item in _children(el, "item")]


def value_of(el: etree._Element) -> Any:
    """The FEEL value an element of the schema's `valueType` holds (inputNode, expected,
    component, item); an element with none of `value`, `component`, `list` is null."""
    for child in el:
        name = _local(child.tag)
        if name == "value":
            return _simple_value(child)
        if name == "list":
            return _list(child)
        if name == "component":
            return _context(_children(el, "component"))
    return None


def _read_case(el: etree._Element) -> TestCase:
    inputs: dict[str, Any] = {}
    namespaced: list[tuple[str, str, Any]] = []
    error = ""
    for node in _children(el, "inputNode"):
        name = node.get("name", "")
        try:
            value = value_of(node)
        except Exception as e:  # a bad value spoils this case only
            error = error or f"input {name!r}: {e}"
            continue
        namespace = node.get("namespace")
        if namespace:
            namespaced.append((namespace, name, value))
        else:
            inputs[name] = value
    results: list[ResultNode] = []
    for node in _children(el, "resultNode"):
        name = node.get("name", "")
        if (node.get("errorResult") or "").strip() in ("true", "1"):
            results.append(ResultNode(name, None))
            continue
        expected_els = _children(node, "expected")
        try:
            expected = value_of(expected_els[0]) if expected_els else None
        except Exception as e:
            results.append(ResultNode(name, None, f"expected value of {name!r}: {e}"))
            continue
        results.append(ResultNode(name, expected))
    return TestCase(
        id=el.get("id") or el.get("name") or "",
        kind=el.get("type") or "decision",
        invocable=el.get("invocableName"),
        inputs=inputs,
        namespaced_inputs=tuple(namespaced),
        results=tuple(results),
        error=error,
    )


def read_test_file(path: str | Path) -> TestFile:
    """Parse a TCK test file; raises `etree.XMLSyntaxError` / `OSError` if it is unreadable."""
    path = Path(path)
    root = etree.parse(str(path), _parser()).getroot()
    model_els = _children(root, "modelName")
    model_name = ((model_els[0].text or "").strip() or None) if model_els else None
    cases = tuple(_read_case(c) for c in _children(root, "testCase"))
    return TestFile(path, model_name, cases)


# ---------------------------------------------------------------- comparison


def _show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    try:
        return to_string(value)
    except Exception:
        return repr(value)


def _numbers_match(expected: Decimal, actual: Decimal) -> bool:
    try:
        diff = abs(DECIMAL.subtract(expected, actual))
        return diff <= _TOLERANCE
    except (InvalidOperation, ArithmeticError):
        return False


def mismatch(expected: Any, actual: Any, where: str = "") -> str | None:
    """None when `actual` matches `expected` by the TCK rules, else what differs."""
    actual = to_feel(actual)
    here = f" at {where}" if where else ""
    if expected is None:
        return None if actual is None else f"expected null{here} but got {_show(actual)}"
    if isinstance(expected, bool):
        if isinstance(actual, bool) and actual is expected:
            return None
    elif isinstance(expected, Decimal):
        if (
            isinstance(actual, Decimal)
            and not isinstance(actual, bool)
            and _numbers_match(expected, actual)
        ):
            return None
    elif isinstance(expected, str):
        if isinstance(actual, str) and actual == expected:
            return None
    elif isinstance(expected, list):
        if isinstance(actual, list):
            if len(actual) != len(expected):
                return (
                    f"expected a list of {len(expected)}{here} but got {len(actual)} items: "
                    f"{_show(actual)}"
                )
            for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
                problem = mismatch(e, a, f"{where}[{i + 1}]")
                if problem:
                    return problem
            return None
    elif isinstance(expected, dict):
        if isinstance(actual, dict):
            missing = [k for k in expected if k not in actual]
            extra = [k for k in actual if k not in expected]
            if missing or extra:
                return (
                    f"context keys differ{here}: missing {missing}, unexpected {extra} "
                    f"in {_show(actual)}"
                )
            for k, e in expected.items():
                problem = mismatch(e, actual[k], f"{where}.{k}" if where else k)
                if problem:
                    return problem
            return None
    elif equal(expected, actual) is True:
        return None
    return f"expected {_show(expected)}{here} but got {_show(actual)}"


# ---------------------------------------------------------------- running


def find_test_folders(root: str | Path) -> list[Path]:
    """Every folder under `root` (itself included) with a .dmn model and a test file."""
    root = Path(root)
    found = []
    for folder in sorted({root, *(p for p in root.rglob("*") if p.is_dir())}):
        if any(folder.glob("*.dmn")) and any(folder.glob("*-test-*.xml")):
            found.append(folder)
    return found


def level_of(folder: Path) -> str:
    """The compliance level named by the nearest matching folder in the path."""
    for part in reversed(folder.resolve().parts):
        if part == NON_COMPLIANT or _LEVEL.match(part):
            return part
    return "unclassified"


@dataclass(frozen=True, slots=True)
class _ModelInfo:
    namespace: str
    name: str


def _model_info(path: Path) -> _ModelInfo | None:
    """Namespace and name of a .dmn file, read without the DMN layer."""
    try:
        root = etree.parse(str(path), _parser()).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None
    return _ModelInfo(root.get("namespace", ""), root.get("name", ""))


def _inputs(case: TestCase, main: _ModelInfo | None) -> dict[str, Any]:
    """The case's inputs; an input node with a namespace names an input data of the model
    with that namespace, which the DMN layer takes as `{namespace}Name`."""
    inputs = dict(case.inputs)
    for namespace, name, value in case.namespaced_inputs:
        if main is not None and namespace == main.namespace:
            inputs[name] = value
        else:
            inputs[f"{{{namespace}}}{name}"] = value
    return inputs


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Interrupt the block after `seconds` with `_Timeout` (only possible on the main
    thread of a process with SIGALRM; elsewhere the block runs unguarded)."""
    if (
        not seconds
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _describe(e: BaseException) -> str:
    if isinstance(e, _Timeout):
        return "timed out"
    text = str(e).strip().replace("\n", " ")
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _trim(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _pick(name: str, value: Any, results: Mapping[str, Any], single: bool) -> Any:
    """A decision service's output for result node `name`: the decision's own result,
    an entry of the service's context value, or the value itself for a lone output."""
    if name in results:
        return results[name]
    if isinstance(value, dict) and name in value:
        return value[name]
    if single:
        return value
    raise KeyError(f"the service result has no {name!r}")


def run_folder(
    folder: Path, root: Path | None = None, *, timeout: float | None = 10.0
) -> list[CaseResult]:
    """Run every test file of one folder; never raises for a bad model or test file."""
    folder = Path(folder)
    rel = folder.relative_to(root).as_posix() if root is not None else folder.name
    if rel == ".":
        rel = folder.name
    level = level_of(folder)
    models_paths = sorted(folder.glob("*.dmn"))
    infos_by_file = {p.name: _model_info(p) for p in models_paths}

    load_error = ""
    models: DecisionModels | None = None
    try:
        with _deadline(timeout):
            models = load(models_paths)
    except (Exception, _Timeout, RecursionError) as e:
        load_error = f"model failed to load: {_describe(e)}"

    results: list[CaseResult] = []
    for test_path in sorted(folder.glob("*-test-*.xml")):
        try:
            test_file = read_test_file(test_path)
        except Exception as e:
            results.append(
                CaseResult(
                    rel,
                    test_path.name,
                    "",
                    level,
                    "errored",
                    False,
                    _trim(f"unreadable test file: {_describe(e)}"),
                )
            )
            continue
        main = _main_model(test_file.model_name, infos_by_file, len(models_paths))
        for case in test_file.cases:
            status: Status
            if load_error or models is None:
                status, message = "errored", load_error
            else:
                status, message = _run_case(models, case, main, timeout)
            results.append(
                CaseResult(
                    rel,
                    test_path.name,
                    case.id,
                    level,
                    status,
                    case.expects_value,
                    _trim(message),
                )
            )
    return results


def _run_case(
    models: DecisionModels,
    case: TestCase,
    main: _ModelInfo | None,
    timeout: float | None,
) -> tuple[Status, str]:
    if case.error:
        return "errored", case.error
    bad = next((r for r in case.results if r.error), None)
    if bad is not None:
        return "errored", bad.error
    inputs = _inputs(case, main)
    model = main.namespace if main is not None else None
    try:
        with _deadline(timeout):
            problems = _evaluate(models, case, inputs, model)
    except (Exception, _Timeout, RecursionError) as e:
        return "errored", _describe(e)
    if problems:
        return "failed", "; ".join(problems)
    return "passed", ""


def _main_model(
    model_name: str | None, infos_by_file: Mapping[str, _ModelInfo | None], count: int
) -> _ModelInfo | None:
    if model_name:
        info = infos_by_file.get(model_name)
        if info is not None:
            return info
        for i in infos_by_file.values():
            if i is not None and model_name in (i.name, i.namespace):
                return i
    if count == 1:
        return next(iter(infos_by_file.values()))
    return None


def _evaluate(
    models: DecisionModels, case: TestCase, inputs: dict[str, Any], model: str | None
) -> list[str]:
    """Evaluate a case and list the result nodes that do not match (empty: passed)."""
    problems: list[str] = []
    if case.kind == "decisionService":
        result = models.invoke(case.invocable or "", inputs, model=model)
        single = len(case.results) == 1
        for node in case.results:
            actual = _pick(node.name, result.value, result.results, single)
            problem = mismatch(node.expected, actual)
            if problem:
                problems.append(f"{node.name}: {problem}")
        return problems
    for node in case.results:
        result = models.decide(node.name, inputs, model=model)
        problem = mismatch(node.expected, result.value)
        if problem:
            problems.append(f"{node.name}: {problem}")
    return problems


def run(
    root: str | Path,
    *,
    timeout: float | None = 10.0,
    on_folder: Callable[[Path, list[CaseResult]], None] | None = None,
) -> TckReport:
    """Run every test folder under `root`. `timeout` bounds each model load and each case
    (seconds; None for no bound); `on_folder` is called after each folder (for progress)."""
    root = Path(root)
    started = time.perf_counter()
    cases: list[CaseResult] = []
    for folder in find_test_folders(root):
        folder_results = run_folder(folder, root, timeout=timeout)
        cases.extend(folder_results)
        if on_folder is not None:
            on_folder(folder, folder_results)
    return TckReport(tuple(cases), time.perf_counter() - started)


_CSV_STATUS = {"passed": "SUCCESS", "failed": "FAILURE", "errored": "ERROR"}


def write_csv(report: TckReport, path: str | Path) -> None:
    """Write the results in the TCK's `tck_results.csv` format: one line per test case,
    every field quoted, no header — test directory, test file, test case id,
    SUCCESS / FAILURE / ERROR, detail."""
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for c in report.cases:
            writer.writerow(
                [Path(c.folder).name, c.test_file, c.test_id, _CSV_STATUS[c.status], c.message]
            )
