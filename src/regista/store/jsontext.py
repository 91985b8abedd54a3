"""JSON text the fast way: the C encoder of the `json` module, made once and reused.

`json.dumps` builds a new encoder on every call, which costs as much as encoding a small
object; the stores encode many small objects per unit of work (every history event, every
effect row). The text is exactly what `json.dumps` with the same options gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["json_encoder"]


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """`json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`, as a function; raises TypeError / ValueError as `json.dumps` does."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - a Python without the C accelerator
        return json.JSONEncoder(
            sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode
    # no circular-reference markers: the encoder is shared between threads (a cycle ends
    # in RecursionError, turned into the ValueError json.dumps would raise)
    encode = make(
        None, _refuse, json.encoder.encode_basestring, None, ":", ",", sort_keys, False, False
    )

    def dumps(value: Any) -> str:
        try:
            return "".join(encode(value, 0))
        except RecursionError:
            raise ValueError("Circular reference detected") from None

    return dumps
