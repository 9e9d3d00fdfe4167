"""The domain: models and the service functions that hold the rules. No HTTP here."""

from server.domain import models  # noqa: F401
