"""Deterministic Temporal workflow code: one workflow class per file."""
