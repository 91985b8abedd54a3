"""FEEL and DMN throughput on one core: compiled expressions and a 100-rule decision table.

Run: `python benchmarks/feel_bench.py [--json] [--seconds S]`. Prints evaluations per
second of typical compiled expressions and of a 100-rule, 5-input decision table with the
UNIQUE and COLLECT hit policies, and how many milliseconds pathological inputs take to be
evaluated or refused (deep nesting, long operator chains, a huge text: they must be refused
with a typed error or evaluated quickly, never hang). Figures, not assertions: tests never
time anything.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from regista import dmn, feel

EXPRESSIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "comparison": ("amount > 1000", {"amount": Decimal(1500)}),
    "arithmetic": (
        "(price * quantity) * (1 - discount) + shipping",
        {
            "price": Decimal("19.99"),
            "quantity": Decimal(3),
            "discount": Decimal("0.1"),
            "shipping": Decimal("4.5"),
        },
    ),
    "string_function": (
        'upper case(substring(name, 1, 3)) + "-" + string(id)',
        {
            "name": "regista",
            "id": Decimal(42),
        },
    ),
    "date_arithmetic": (
        'due + duration("P30D") > today',
        {
            "due": dt.date(2026, 1, 15),
            "today": dt.date(2026, 2, 1),
        },
    ),
    "list_filter": (
        'count(orders[amount > 100 and status = "open"])',
        {
            "orders": [
                {"amount": Decimal(i * 17 % 250), "status": "open" if i % 3 else "closed"}
                for i in range(20)
            ]
        },
    ),
}


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of `fn`, measured for about `seconds` after a short warm-up."""
    for _ in range(100):
        fn()
    n = 0
    batch = 100
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            fn()
        n += batch
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


_SEASONS = ["Winter", "Spring", "Summer", "Fall"]


def decision_table_xml(hit_policy: str) -> str:
    """A 100-rule table over 5 inputs: a string, three number ranges and a boolean."""
    rules = []
    for i in range(100):
        season = _SEASONS[i % 4]
        lo = (i // 4) * 10
        entries = [
            f'"{season}"',
            f"[{lo}..{lo + 10})",
            "< 500" if i % 2 else ">= 500",
            "-" if i % 5 else f"> {i}",
            "true" if i % 7 else "-",
        ]
        cells = "".join(
            f"<inputEntry><text>{e.replace('<', '&lt;').replace('>', '&gt;')}</text></inputEntry>"
            for e in entries
        )
        rules.append(f'<rule id="r{i}">{cells}<outputEntry><text>{i}</text></outputEntry></rule>')
    inputs = "".join(
        f'<input id="i{n}" label="{n}"><inputExpression typeRef="{t}"><text>{n}</text>'
        "</inputExpression></input>"
        for n, t in [
            ("season", "string"),
            ("guests", "number"),
            ("budget", "number"),
            ("age", "number"),
            ("member", "boolean"),
        ]
    )
    aggregation = ' aggregation="SUM"' if hit_policy == "COLLECT" else ""
    names = ["season", "guests", "budget", "age", "member"]
    input_data = "".join(f'<inputData id="in_{n}" name="{n}"/>' for n in names)
    requirements = "".join(
        f'<informationRequirement><requiredInput href="#in_{n}"/></informationRequirement>'
        for n in names
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bench" name="bench"
  namespace="https://regista.dev/bench">
  {input_data}
  <decision id="d" name="Table">
    {requirements}
    <decisionTable id="t" hitPolicy="{hit_policy}"{aggregation}>
      {inputs}
      <output id="o" name="result" typeRef="number"/>
      {"".join(rules)}
    </decisionTable>
  </decision>
</definitions>"""


def table_rate(hit_policy: str, seconds: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"table-{hit_policy}.dmn"
        path.write_text(decision_table_xml(hit_policy), encoding="utf-8")
        models = dmn.load(path)
    # Only rule 57 matches: Spring, guests in [140..150), budget < 500, any age, member.
    inputs = {
        "season": "Spring",
        "guests": Decimal(145),
        "budget": Decimal(100),
        "age": Decimal(60),
        "member": True,
    }
    result = models.decide("Table", inputs)
    assert result.value is not None, result.warnings
    return rate(lambda: models.decide("Table", inputs), seconds)


# Inputs an attacker or a careless generator could send: each is refused with a
# `FeelSyntaxError` or evaluated (to null with a warning where it overflows).
PATHOLOGICAL: dict[str, str] = {
    "deep_parens_refused": "(" * 5000 + "1" + ")" * 5000,
    "deep_calls_refused": "abs(" * 5000 + "1" + ")" * 5000,
    "deep_if_chain_refused": " ".join(["if true then"] * 3000) + " 1" + " else 2" * 3000,
    "flat_sum_50000_evaluated": "+".join(["1"] * 50000),
    "flat_power_5000_evaluated": "**".join(["2"] * 5000),
    "for_over_100000_evaluated": "count(for i in 1..100000 return i)",
    "huge_2mb_text_refused": "1" * 2_000_000,
}


def pathological_ms(text: str, repeat: int = 3) -> float:
    """Best of `repeat` wall times, in milliseconds, of compiling and evaluating `text` or
    having it refused with a syntax error."""
    best = float("inf")
    for n in range(repeat):
        source = text + " " * n  # a new text each time: compiled, not taken from the cache
        start = time.perf_counter()
        with contextlib.suppress(feel.FeelSyntaxError):
            feel.evaluate(source, {}, [])
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per figure")
    args = parser.parse_args()

    figures: dict[str, float] = {}
    for label, (text, context) in EXPRESSIONS.items():
        expr = feel.compile(text, context.keys())
        scope = feel.Scope.of(context)
        warnings: list[str] = []
        value = expr.evaluate(scope, warnings)
        assert value is not None and not warnings, (label, value, warnings)
        figures[f"{label}_per_s"] = rate(partial(expr.evaluate, scope), args.seconds)
    for policy in ("UNIQUE", "COLLECT"):
        figures[f"table_100x5_{policy.lower()}_per_s"] = table_rate(policy, args.seconds)
    latencies = {f"{label}_ms": pathological_ms(text) for label, text in PATHOLOGICAL.items()}

    if args.json:
        rounded: dict[str, float] = {k: round(v) for k, v in figures.items()}
        rounded.update({k: round(v, 1) for k, v in latencies.items()})
        print(json.dumps(rounded))
        return
    print("FEEL / DMN throughput, one core (evaluations per second)")
    for key, value in figures.items():
        print(f"  {key.removesuffix('_per_s'):<28} {value:>12,.0f}")
    print("Pathological inputs (milliseconds to evaluate or refuse, best of 3)")
    for key, value in latencies.items():
        print(f"  {key.removesuffix('_ms'):<28} {value:>12,.1f}")


if __name__ == "__main__":
    main()
