"""Regista insight layer (see DESIGN.md)."""
