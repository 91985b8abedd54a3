"""Regista ui layer (see docs/architecture.md)."""
