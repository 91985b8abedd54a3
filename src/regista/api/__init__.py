"""Regista api layer (see DESIGN.md)."""
