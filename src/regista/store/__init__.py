"""Regista store layer (see DESIGN.md)."""
