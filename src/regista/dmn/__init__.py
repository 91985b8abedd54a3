"""DMN 1.1–1.5 decisions: load models, evaluate decisions and decision services.

    >>> from regista import dmn
    >>> models = dmn.load("loan.dmn")                      # doctest: +SKIP
    >>> result = models.decide("Eligibility", {"Age": 30})  # doctest: +SKIP
    >>> result.value, result.matches                         # doctest: +SKIP

Models that import each other are loaded together (`load([a, b])` or a directory) and
their imports are resolved by namespace. A malformed model raises `DmnError` with the
file, line and element; evaluation itself never raises: invalid operations give null and
a warning in `DecisionResult.warnings`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from regista.dmn.errors import DmnError
from regista.dmn.evaluator import DecisionModels
from regista.dmn.parser import parse_bytes, parse_file
from regista.dmn.results import DecisionResult, Evaluated, RuleMatch
from regista.model.dmn import Definitions

__all__ = [
    "DecisionModels",
    "DecisionResult",
    "DmnError",
    "Evaluated",
    "RuleMatch",
    "load",
    "loads",
]

Source = str | Path | bytes


def load(
    paths: Source | Sequence[Source],
    *,
    clock: Callable[[], dt.datetime] | None = None,
) -> DecisionModels:
    """Load models from files, directories (every `*.dmn` in them) or XML (bytes, or a
    string starting with `<`). Models that import each other must be loaded together."""
    items: Sequence[Source] = [paths] if isinstance(paths, str | Path | bytes) else list(paths)
    definitions: list[Definitions] = []
    for item in items:
        if isinstance(item, bytes) or (isinstance(item, str) and item.lstrip().startswith("<")):
            definitions.append(parse_bytes(item))
            continue
        p = Path(item)
        if p.is_dir():
            files = sorted(p.glob("*.dmn"))
            if not files:
                raise DmnError("no .dmn files in the directory", file=str(p))
            definitions.extend(parse_file(f) for f in files)
        else:
            definitions.append(parse_file(p))
    return DecisionModels(definitions, clock=clock)


def loads(
    *texts: str | bytes,
    clock: Callable[[], dt.datetime] | None = None,
) -> DecisionModels:
    """Load models given as XML text."""
    return DecisionModels([parse_bytes(t) for t in texts], clock=clock)
