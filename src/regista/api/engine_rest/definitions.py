"""Camunda 7's process definitions (list, by id and key, XML, start)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: definitions"])
