"""The unit of work carries out every effect the engine produces."""

from __future__ import annotations

from typing import get_args

from regista.engine.effects import Effect
from regista.runtime import unit_of_work


def test_every_effect_has_a_handler() -> None:
    assert set(unit_of_work._HANDLERS) == set(get_args(Effect))
