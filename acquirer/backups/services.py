"""Backups: create, verify by a test restore, prune by retention, restore for real."""

import logging
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from acquirer import audit
from acquirer.backups import archive, pg, retention
from acquirer.backups.crypto import BackupIntegrityError, Keyring
from acquirer.models import Backup, User
from acquirer.workflow import advance

log = logging.getLogger(__name__)

S = Backup.Status
MOVES = {
    S.RUNNING: {S.COMPLETED, S.FAILED},
    S.COMPLETED: {S.VERIFIED, S.VERIFICATION_FAILED, S.PRUNED},
    S.VERIFIED: {S.VERIFIED, S.VERIFICATION_FAILED, S.PRUNED},
    S.VERIFICATION_FAILED: {S.VERIFIED, S.VERIFICATION_FAILED, S.PRUNED},
    S.FAILED: set(),
    S.PRUNED: set(),
}
# A backup still "running" after this long was killed with its worker: it is marked failed.
ABANDONED_AFTER = timedelta(minutes=35)


class BackupError(Exception):
    pass


class VerificationFailed(BackupError):
    pass


def keyring() -> Keyring:
    return Keyring.parse(settings.ACQUIRER_BACKUP_KEYS)


def store():
    return storages["backups"]


def staging_dir() -> Path:
    folder = Path(settings.ACQUIRER_BACKUP_STAGING_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _params() -> dict:
    return pg.connection_params(connections["default"].settings_dict)


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _put(tmp: Path, name: str) -> None:
    """Publish a finished archive under its final name (atomic on a local disk)."""
    target = store()
    if isinstance(target, FileSystemStorage):
        final = Path(target.path(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp.replace(final)
        final.chmod(0o600)
    else:
        with tmp.open("rb") as handle:
            saved = target.save(name, File(handle))
        if saved != name:
            raise BackupError(f"storage saved {saved!r} instead of {name!r}")
        tmp.unlink(missing_ok=True)


def backups_abandon_stale(*, now=None) -> int:
    """Mark backups left "running" by a killed worker as failed and remove their partial files."""
    now = now or timezone.now()
    count = 0
    for backup in Backup.objects.filter(status=S.RUNNING, created_at__lt=now - ABANDONED_AFTER):
        with transaction.atomic():
            backup = Backup.objects.select_for_update().get(pk=backup.pk)
            if backup.status != S.RUNNING:
                continue
            backup.error = "abandoned: the process writing it stopped (worker killed or restarted)"
            backup.finished_at = now
            advance(backup, to=S.FAILED, moves=MOVES, actor=None, action="backup.abandoned",
                    extra_fields=("error", "finished_at"))
            count += 1
    for partial in staging_dir().glob("*.partial"):
        if datetime.fromtimestamp(partial.stat().st_mtime, tz=UTC) < now - ABANDONED_AFTER:
            partial.unlink(missing_ok=True)
    return count


def backup_create(*, actor: User | None = None) -> Backup:
    """Dump the database and uploaded files into a new encrypted archive. Raises on failure."""
    ring = keyring()
    abandoned = backups_abandon_stale()
    started = timezone.now()
    name = f"acquirer-{_stamp(started)}-{get_random_string(4).lower()}.backup"
    with transaction.atomic():
        backup = Backup.objects.create(name=name, created_at=started, created_by=actor, key_id=ring.current)
        audit.record("backup.started", actor=actor, target=backup, data={"abandoned_before": abandoned})
    partial = staging_dir() / f"{name}.partial"
    try:
        with tempfile.TemporaryDirectory(dir=staging_dir()) as work:
            dump_file = Path(work) / "database.dump"
            db = pg.dump(_params(), dump_file)
            media_root = Path(settings.MEDIA_ROOT)
            files = archive.media_files(media_root)
            manifest = {
                "format": archive.FORMAT,
                "created_at": started.isoformat(),
                "database": {"name": connections["default"].settings_dict["NAME"], "size": db["database_size"],
                             "server_major": db["server_major"], "row_counts": db["row_counts"],
                             "sha256": archive.sha256_of(dump_file), "bytes": dump_file.stat().st_size},
                "files": [{"path": f.relative_to(media_root).as_posix(), "sha256": archive.sha256_of(f),
                           "bytes": f.stat().st_size} for f in files],
                "file_count": len(files),
                "key_id": ring.current,
            }
            with partial.open("wb") as out:
                archive.write(out=out, keyring=ring, manifest=manifest, dump_file=dump_file,
                              media_root=media_root, files=files)
        digest, size = archive.sha256_of(partial), partial.stat().st_size
        _put(partial, name)
    except Exception as error:
        partial.unlink(missing_ok=True)
        with transaction.atomic():
            backup.error = str(error)[:4000]
            backup.finished_at = timezone.now()
            advance(backup, to=S.FAILED, moves=MOVES, actor=actor, action="backup.failed",
                    data={"error": backup.error[:500]}, extra_fields=("error", "finished_at"))
        raise
    with transaction.atomic():
        backup.manifest, backup.sha256, backup.size = manifest, digest, size
        backup.finished_at = timezone.now()
        advance(backup, to=S.COMPLETED, moves=MOVES, actor=actor, action="backup.completed",
                data={"size": size, "sha256": digest, "tables": len(db["row_counts"]), "files": len(files)},
                extra_fields=("manifest", "sha256", "size", "finished_at"))
    return backup


def _open(name: str):
    return store().open(name, "rb")


def _newest_to_verify() -> Backup | None:
    return Backup.objects.filter(status__in=[S.COMPLETED, S.VERIFIED, S.VERIFICATION_FAILED]).order_by(
        "-created_at").first()


def backup_verify(*, backup: Backup | None = None, actor: User | None = None) -> Backup:
    """Restore a backup (default: the newest) into a scratch database and compare it. Raises on failure."""
    backup = backup or _newest_to_verify()
    if backup is None:
        raise VerificationFailed("there is no completed backup to verify")
    report: dict = {"backup": backup.name}
    failure = None
    try:
        with tempfile.TemporaryDirectory(dir=staging_dir()) as work:
            with _open(backup.name) as source:
                manifest = archive.extract(source=source, keyring=keyring(), into=Path(work))
            report["checksums"] = "ok"
            scratch = f"acquirer_verify_{get_random_string(8).lower()}"
            with pg.scratch_database(_params(), scratch) as params:
                pg.restore(params, Path(work) / "database.dump")
                with pg.connect(params) as conn:
                    counts = pg.row_counts(conn)
                expected = manifest["database"]["row_counts"]
                diffs = {t: [expected.get(t), counts.get(t)] for t in set(expected) | set(counts)
                         if expected.get(t) != counts.get(t)}
                report["tables"] = len(counts)
                report["rows"] = sum(counts.values())
                if diffs:
                    raise VerificationFailed(f"row counts differ after restore: {dict(list(diffs.items())[:10])}")
                chain = pg.verify_audit_chain(params)
                report["audit_events"] = chain.checked
                if not chain.ok:
                    raise VerificationFailed(f"audit chain broken in the backup at event {chain.broken_id}: "
                                             f"{chain.reason}")
            report["files"] = manifest["file_count"]
    except (BackupIntegrityError, archive.ManifestMismatch, pg.PgToolError, VerificationFailed, OSError) as error:
        failure = error
        report["error"] = str(error)[:2000]
    with transaction.atomic():
        backup = Backup.objects.select_for_update().get(pk=backup.pk)
        backup.verified_at = timezone.now()
        backup.verification = report
        target = S.VERIFICATION_FAILED if failure else S.VERIFIED
        advance(backup, to=target, moves=MOVES, actor=actor,
                action="backup.verification_failed" if failure else "backup.verified", data=report,
                extra_fields=("verified_at", "verification"))
    if failure:
        raise VerificationFailed(f"backup {backup.name} failed verification: {failure}") from failure
    return backup


def backups_prune(*, now=None) -> dict:
    """Delete archives outside the retention policy. The newest good backup is always kept."""
    now = now or timezone.now()
    policy = retention.Policy(**settings.ACQUIRER_BACKUP_RETENTION)
    good = list(Backup.objects.filter(status__in=Backup.GOOD).values_list("id", "created_at"))
    kept = retention.keep(good, now, policy)
    pruned = 0
    for backup in Backup.objects.filter(status__in=[*Backup.GOOD, S.VERIFICATION_FAILED]).exclude(id__in=kept):
        if backup.status == S.VERIFICATION_FAILED and backup.created_at > now - timedelta(days=policy.daily):
            continue  # keep recent failures for investigation
        with transaction.atomic():
            store().delete(backup.name)
            advance(backup, to=S.PRUNED, moves=MOVES, actor=None, action="backup.pruned")
        pruned += 1
    return {"kept": len(kept), "pruned": pruned}


def backup_restore(*, source_path: Path, into_url: str, files_into: Path | None, dry_run: bool) -> dict:
    """Restore an archive file into an empty database (and files into a folder). Used by ``restore``."""
    import dj_database_url

    with tempfile.TemporaryDirectory(dir=staging_dir()) as work:
        with source_path.open("rb") as source:
            manifest = archive.extract(source=source, keyring=keyring(), into=Path(work))
        summary = {"created_at": manifest["created_at"], "tables": len(manifest["database"]["row_counts"]),
                   "rows": sum(manifest["database"]["row_counts"].values()), "files": manifest["file_count"],
                   "row_counts": manifest["database"]["row_counts"]}
        if dry_run:
            return summary
        target = pg.connection_params(dj_database_url.parse(into_url))
        if not pg.is_empty(target):
            raise BackupError(f"database {target['dbname']!r} is not empty: restore only into a new, empty database")
        pg.restore(target, Path(work) / "database.dump")
        with pg.connect(target) as conn:
            counts = pg.row_counts(conn)
        if counts != manifest["database"]["row_counts"]:
            raise BackupError("row counts after restore differ from the manifest")
        if files_into is not None:
            source_files = Path(work) / "files"
            if source_files.exists():
                shutil.copytree(source_files, files_into, dirs_exist_ok=True)
        summary["restored_into"] = target["dbname"]
        return summary


def backup_health() -> dict:
    last = Backup.objects.exclude(status=S.PRUNED).order_by("-created_at").first()
    last_verified = Backup.objects.filter(verified_at__isnull=False).order_by("-verified_at").first()
    red = (last is None or last.status in (S.FAILED,) or
           (last_verified is not None and last_verified.status == S.VERIFICATION_FAILED))
    return {
        "status": "red" if red else "green",
        "last_backup": last.created_at.isoformat() if last else None,
        "last_backup_status": last.status if last else None,
        "last_verification": last_verified.verified_at.isoformat() if last_verified else None,
        "last_verification_ok": (last_verified.status == S.VERIFIED) if last_verified else None,
    }
