"""Camunda 7's process instances (list, get, delete, variables)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: instances"])
