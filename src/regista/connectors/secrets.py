"""Secrets for connectors: `{{secrets.NAME}}` in any connector input, resolved when the
connector runs, never stored in variables, history or logs.

A model carries only the placeholder (the engine evaluates the task's inputs and keeps the
text `{{secrets.API_KEY}}` as it is); the connector replaces it just before it calls out.
Values come from the environment variables `REGISTA_SECRET_<NAME>` — a prefix, so that a
model cannot read any variable of the server's environment (its database URL, say) — and
from a secrets file the operator names (`NAME=value` lines, `#` comments). Every message a
connector writes passes through `redact`, which blanks every secret value it knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ENV_PREFIX", "SecretError", "Secrets"]

ENV_PREFIX = "REGISTA_SECRET_"

_PLACEHOLDER = re.compile(r"\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")
_MASK = "***"


class SecretError(ValueError):
    """A secret that cannot be resolved or a secrets file that cannot be read; the message
    names the secret and the field, never a value."""


class Secrets:
    """The secrets a node's connectors may use, by name."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})

    @classmethod
    def load(cls, environ: Mapping[str, str], file: str | Path | None = None) -> Secrets:
        """The secrets of `environ` (`REGISTA_SECRET_<NAME>`) and of the file, which wins."""
        values = {
            name[len(ENV_PREFIX) :]: value
            for name, value in environ.items()
            if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX)
        }
        if file is not None:
            values.update(_read_file(Path(file)))
        return cls(values)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __len__(self) -> int:
        return len(self._values)

    def resolve(self, value: Any, field: str) -> Any:
        """`value` with every placeholder replaced, in texts, lists and contexts alike;
        `field` names where it came from in errors (`headers.Authorization`)."""
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: self._secret(m.group(1), field), value)
        if isinstance(value, Mapping):
            return {
                k: self.resolve(v, f"{field}.{k}" if field else str(k)) for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.resolve(v, f"{field}[{i}]") for i, v in enumerate(value)]
        return value

    def redact(self, text: str) -> str:
        """`text` with every secret value blanked (longest first, so that no part of one
        survives inside another)."""
        for secret in sorted(self._values.values(), key=len, reverse=True):
            if len(secret) >= 3:
                text = text.replace(secret, _MASK)
        return text

    def _secret(self, name: str, field: str) -> str:
        found = self._values.get(name)
        if found is None:
            where = f" in {field}" if field else ""
            raise SecretError(
                f"the secret {name!r}{where} is not configured: set the environment "
                f"variable {ENV_PREFIX}{name} or add {name}=... to the secrets file "
                "(--secrets-file / REGISTA_SECRETS_FILE)"
            )
        return found


def _read_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"cannot read the secrets file {path}: {exc.strerror or exc}") from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SecretError(f"{path}:{number}: expected NAME=value (the value is not shown)")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values
