"""Encrypted, restore-verified backups of the database and uploaded files (see docs/runbook.md)."""
