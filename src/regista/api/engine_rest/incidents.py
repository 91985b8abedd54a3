"""Camunda 7's incidents (list, count, resolve)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: incidents"])
