"""Shared set-up of the backup tests: folders of their own for archives, staging and uploads."""

import os

NEW_KEY = "new:" + "B" * 43 + "="


def make_backup_env(settings, tmp_path) -> dict:
    folders = {name: tmp_path / name for name in ("backups", "staging", "media")}
    for folder in folders.values():
        folder.mkdir()
    (folders["media"] / "kyc").mkdir()
    (folders["media"] / "kyc" / "licence.pdf").write_bytes(b"%PDF-1.4 licence " * 100)
    (folders["media"] / "photo.jpg").write_bytes(os.urandom(5000))
    settings.STORAGES = {**settings.STORAGES, "backups": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folders["backups"])}}}
    settings.ACQUIRER_BACKUP_DIR = folders["backups"]
    settings.ACQUIRER_BACKUP_STAGING_DIR = folders["staging"]
    settings.MEDIA_ROOT = folders["media"]
    settings.ACQUIRER_BACKUP_KEYS = NEW_KEY
    return folders
