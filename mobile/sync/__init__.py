"""Sync engine: pull → apply → push → photos → push again, one module per phase, transport injected."""
