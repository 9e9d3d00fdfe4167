"""The tablet: a core (store, checklist, findings, photos, sync, cli) below a Kivy UI (mobile/ui).

Nothing outside mobile/ui imports Kivy, and nothing in mobile/ imports server/: the core speaks to
the server only through shared_schema and HTTP.
"""

APP_VERSION = "0.1.0"
