"""Schemas and pure rules shared by the server and the tablet (no Flask, SQLAlchemy or Kivy)."""

SCHEMA_VERSION = 1
