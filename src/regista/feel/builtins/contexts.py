"""Context built-ins (DMN 1.5 §10.3.4.8): get value, get entries, context, context put and
context merge.

Contexts are `dict[str, Any]` whose insertion order is the entry order; the functions never
modify their arguments, since FEEL values are immutable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regista.feel.builtins.conversion import list_arg, registrar, string_arg, type_error, unwrap
from regista.feel.values import FeelEvalError, FeelFunction

CONTEXT_BUILTINS: dict[str, FeelFunction] = {}
_builtin = registrar(CONTEXT_BUILTINS)


class _KeyOrKeys(FeelFunction):
    """A built-in overloaded on a second parameter that is either `key` (a string) or
    `keys` (a list of strings, a path into nested contexts).

    Both signatures have the same shape, so a positional call is told apart by the
    argument's kind; a named call must also use the name that fits the kind.
    """

    __slots__ = ()

    def bind(self, args: Sequence[Any], named: Mapping[str, Any] | None) -> list[Any]:
        if named is not None:
            if isinstance(named.get("key"), list):
                raise FeelEvalError("'key' must be a string; pass a list of keys as 'keys'")
            if isinstance(named.get("keys"), str):
                raise FeelEvalError("'keys' must be a list of strings; pass one key as 'key'")
        return super().bind(args, named)


_key_or_keys = registrar(CONTEXT_BUILTINS, _KeyOrKeys)


def _context_arg(value: Any, param: str) -> dict[str, Any]:
    value = unwrap(value)
    if not isinstance(value, dict):
        raise type_error(param, "a context", value)
    return value


def _path(keys: Any) -> list[str]:
    """A non-empty list of keys; one key given as a string is a path of length one."""
    if isinstance(keys, str):
        return [keys]
    if not isinstance(keys, list):
        raise type_error("key", "a string or a list of strings", keys)
    if not keys:
        raise FeelEvalError("the list of keys is empty")
    return [string_arg(k, "keys") for k in keys]


@_key_or_keys("get value", ("m", "key"), ("m", "keys"))
def get_value(m: Any, key: Any) -> Any:
    """The value at `key`, or along a list of keys through nested contexts; null where an
    entry is missing or a step is not a context."""
    value: Any = _context_arg(m, "m")
    for k in _path(key):
        if not isinstance(value, dict):
            return None
        value = value.get(k)
    return value


@_builtin("get entries", ("m",))
def get_entries(m: Any) -> list[dict[str, Any]]:
    """The entries of a context as a list of `{key, value}` contexts, in entry order."""
    return [{"key": k, "value": v} for k, v in _context_arg(m, "m").items()]


@_builtin("context", ("entries",))
def context(entries: Any) -> dict[str, Any]:
    """Build a context from `{key, value}` contexts (other entries in them are ignored);
    the same key twice is an invalid invocation."""
    out: dict[str, Any] = {}
    for entry in list_arg(entries, "entries"):
        if not isinstance(entry, dict) or "key" not in entry or "value" not in entry:
            raise FeelEvalError("each entry must be a context with a key and a value")
        key = string_arg(entry["key"], "key")
        if key in out:
            raise FeelEvalError(f"the key {key!r} occurs twice")
        out[key] = entry["value"]
    return out


def _put(ctx: dict[str, Any], keys: list[str], value: Any) -> dict[str, Any]:
    out = dict(ctx)  # an existing key keeps its position, a new one comes last
    head = keys[0]
    if len(keys) == 1:
        out[head] = value
        return out
    inner = ctx.get(head)
    if not isinstance(inner, dict):
        raise FeelEvalError(f"the entry {head!r} is not a context, so it has no {keys[1]!r}")
    out[head] = _put(inner, keys[1:], value)
    return out


@_key_or_keys("context put", ("context", "key", "value"), ("context", "keys", "value"))
def context_put(ctx: Any, key: Any, value: Any) -> dict[str, Any]:
    """A copy of the context with the entry at `key` (or at the path `keys`) set."""
    return _put(_context_arg(ctx, "context"), _path(key), value)


@_builtin("context merge", ("contexts",))
def context_merge(contexts: Any) -> dict[str, Any]:
    """One context with the entries of all; a later context's entry replaces an earlier."""
    out: dict[str, Any] = {}
    for ctx in list_arg(contexts, "contexts"):
        out.update(_context_arg(ctx, "contexts"))
    return out
