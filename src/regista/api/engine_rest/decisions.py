"""Camunda 7's decision definitions (list, evaluate)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: decisions"])
