"""Outcomes (placeholder docstring, replaced below)."""
