"""Schemas and pure rules shared by the server and the tablet (no Flask, SQLAlchemy or Kivy)."""

# The wire format version a tablet sends in X-Xuncha-Schema; the server accepts
# MIN_SCHEMA_VERSION..SCHEMA_VERSION and tells an older tablet to update.
SCHEMA_VERSION = 1
MIN_SCHEMA_VERSION = 1
