"""Regista engine layer (see DESIGN.md)."""
