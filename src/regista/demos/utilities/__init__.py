"""Utilities demo: supplier switching with a field-service appointment."""
