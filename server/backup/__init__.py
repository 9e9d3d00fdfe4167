"""Backups (备份): the database and the photo store, written consistently to a folder, and put
back onto a fresh instance. See `write_backup` and `restore_backup`."""

from server.backup.snapshot import BackupError, BackupReport, RestoreReport, restore_backup, write_backup

__all__ = ["BackupError", "BackupReport", "RestoreReport", "restore_backup", "write_backup"]
