"""Backups: create, verify by a test restore, prune by retention, restore for real.

One at a time: every backup, verification and pruning holds the backups lock (a PostgreSQL session
advisory lock on a connection of its own, released by the server if the process dies). Whoever holds
it first clears what a killed run left: staging leftovers, scratch databases, backup rows still
"running". Nothing unencrypted is ever written to disk: pg_dump streams into an encrypted spool
(ephemeral key), the archive is encrypted as it is written, and verification and restore pipe the
dump into pg_restore and only hash the files.
"""

import logging
import os
import shutil
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path, PurePosixPath

import psycopg
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from acquirer import audit
from acquirer.backups import archive, pg, retention
from acquirer.backups.crypto import BackupIntegrityError, EncryptedSpool, Keyring
from acquirer.jobs import MOVES as RUN_MOVES
from acquirer.models import Backup, JobRun, User
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
# A backup job run still "running" after this long outlived the task's hard time limit (30 min): dead.
ABANDONED_AFTER = timedelta(minutes=35)
LOCK_KEY = 0x4241434B  # "BACK": one backup, verification or pruning at a time
WORK_PREFIX = "acq-"  # names this module gives to its files in the staging folder (with "*.partial")
ABANDONED_BACKUP = _("Abandoned: the process writing this backup stopped (worker killed or restarted) "
                                "before it finished. The next backup run marked it failed and removed its "
                                "partial files.")
ABANDONED_RUN = _("Abandoned: the worker running this job stopped (killed or restarted) before it "
                             "finished. The next backup run marked it failed.")
BUSY = _("Another backup or verification is running; this run did nothing. Try again when it "
                    "has finished.")


class BackupError(Exception):
    pass


class VerificationFailed(BackupError):
    pass


class BackupBusy(BackupError):
    """Another process holds the backups lock."""


def keyring() -> Keyring:
    return Keyring.parse(settings.ACQUIRER_BACKUP_KEYS)


def store():
    return storages["backups"]


def staging_dir() -> Path:
    folder = Path(settings.ACQUIRER_BACKUP_STAGING_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _params() -> dict:
    return pg.connection_params(connections["default"].settings_dict)


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


_held = threading.local()


@contextmanager
def backups_exclusive():
    """Hold the backups lock for the block, or raise :class:`BackupBusy` at once. Re-entrant in a thread.

    ``pg_try_advisory_lock`` on a dedicated connection: the lock lives as long as that session, so a
    killed worker never leaves it held, and transactions of the work itself do not release it.
    """
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    conn = pg.connect(_params(), autocommit=True)
    try:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
            raise BackupBusy(str(BUSY))
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            except psycopg.Error:  # the session is gone, and its lock with it
                log.warning("backups: could not release the lock; its session ended", exc_info=True)
    finally:
        conn.close()


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


def _staging_leftovers(folder: Path) -> list[Path]:
    """What a killed run leaves: partial archives and spools, work folders (ours, and ``tmp*`` of old versions)."""
    return sorted(p for p in folder.iterdir()
                  if p.name.endswith(".partial") or p.name.startswith((WORK_PREFIX, "tmp")))


def _reap(now) -> dict:
    """Clear what killed runs left. Only under the lock: then no other backup is writing anything."""
    removed = []
    for path in _staging_leftovers(staging_dir()):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    scratch = pg.scratch_drop_stale(_params())
    if removed or scratch:
        with transaction.atomic():
            audit.record("backup.staging_cleaned", data={"removed": removed[:50], "scratch_databases": scratch})
    abandoned = 0
    for pk in Backup.objects.filter(status=S.RUNNING).values_list("pk", flat=True):
        with transaction.atomic():
            backup = Backup.objects.select_for_update().get(pk=pk)
            if backup.status != S.RUNNING:
                continue
            backup.error = str(ABANDONED_BACKUP)
            backup.finished_at = now
            advance(backup, to=S.FAILED, moves=MOVES, actor=None, action="backup.abandoned",
                    data={"started": backup.created_at.isoformat()}, extra_fields=("error", "finished_at"))
            abandoned += 1
    runs = JobRun.objects.filter(job__startswith="backups.", status=JobRun.Outcome.RUNNING,
                                 started_at__lt=now - ABANDONED_AFTER)
    for pk in runs.values_list("pk", flat=True):
        with transaction.atomic():
            run = JobRun.objects.select_for_update().get(pk=pk)
            if run.status != JobRun.Outcome.RUNNING:
                continue
            run.error = str(ABANDONED_RUN)
            run.finished_at = now
            advance(run, to=JobRun.Outcome.FAILED, moves=RUN_MOVES, actor=None, action="job.abandoned",
                    data={"job": run.job}, extra_fields=("error", "finished_at"))
    return {"abandoned": abandoned, "staging_removed": len(removed), "scratch_dropped": len(scratch)}


def backup_create(*, actor: User | None = None) -> Backup:
    """Dump the database and uploaded files into a new encrypted archive. Raises on failure.

    Raises :class:`BackupBusy` if another backup or verification holds the lock.
    """
    ring = keyring()
    with backups_exclusive():
        reaped = _reap(timezone.now())
        started = timezone.now()
        name = f"acquirer-{_stamp(started)}-{get_random_string(4).lower()}.backup"
        with transaction.atomic():
            backup = Backup.objects.create(name=name, created_at=started, created_by=actor, key_id=ring.current)
            audit.record("backup.started", actor=actor, target=backup,
                         data={"abandoned_before": reaped["abandoned"], "staging_removed": reaped["staging_removed"]})
        partial = staging_dir() / f"{name}.partial"
        try:
            manifest = _write(partial, ring=ring, started=started)
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
                    data={"size": size, "sha256": digest, "tables": len(manifest["database"]["row_counts"]),
                          "files": manifest["file_count"], "audit_events": manifest["audit_checkpoint"]["count"]},
                    extra_fields=("manifest", "sha256", "size", "finished_at"))
    return backup


def _write(partial: Path, *, ring: Keyring, started) -> dict:
    """Write the encrypted archive to ``partial``; return its manifest. Only ciphertext reaches the disk."""
    with EncryptedSpool(staging_dir(), prefix=f"{WORK_PREFIX}{partial.stem}-db-") as spool:
        db = pg.dump(_params(), spool)  # stdout of pg_dump, encrypted as it arrives
        spool.seal()
        head = db["audit"]
        checkpoint = audit.checkpoint_sign(last_id=head["last_id"], count=head["count"], head=head["head"])
        media_root = Path(settings.MEDIA_ROOT)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            writer = archive.ArchiveWriter(out, ring)
            dump_sha256 = writer.add_database(spool.reader(), size=spool.size)
            if dump_sha256 != spool.sha256:
                raise BackupError("the database dump changed between spool and archive")
            files = []
            for path in archive.media_files(media_root):
                try:
                    files.append(writer.add_file(path, name=path.relative_to(media_root).as_posix()))
                except FileNotFoundError:
                    log.info("backup: %s was deleted while the backup ran; skipped", path)
            manifest = {
                "format": archive.FORMAT,
                "created_at": started.isoformat(),
                "database": {"name": connections["default"].settings_dict["NAME"], "size": db["database_size"],
                             "server_major": db["server_major"], "row_counts": db["row_counts"],
                             "sha256": spool.sha256, "bytes": spool.size},
                "files": files,
                "file_count": len(files),
                "key_id": ring.current,
                "audit_checkpoint": checkpoint,
            }
            writer.finish(manifest)
    return manifest


def backup_nightly(*, actor: User | None = None) -> dict:
    """The nightly job: a backup, then retention, under one hold of the lock.

    If another backup or verification holds the lock, records ``backup.skipped`` and raises :class:`BackupBusy`.
    """
    try:
        with backups_exclusive():
            backup = backup_create(actor=actor)
            pruned = backups_prune()
    except BackupBusy:
        with transaction.atomic():
            audit.record("backup.skipped", actor=actor, data={"reason": str(BUSY)})
        raise
    return {"backup": backup.name, "bytes": backup.size, "tables": backup.table_count,
            "files": backup.manifest.get("file_count", 0), **pruned}


def _open(name: str):
    return store().open(name, "rb")


def _newest_to_verify() -> Backup | None:
    return Backup.objects.filter(status__in=[S.COMPLETED, S.VERIFIED, S.VERIFICATION_FAILED]).order_by(
        "-created_at", "-id").first()


def _previous_verified(backup: Backup) -> Backup | None:
    return (Backup.objects.filter(status=S.VERIFIED, created_at__lt=backup.created_at).exclude(pk=backup.pk)
            .order_by("-created_at", "-id").first())


def _check_audit_chain(params: dict, manifest: dict, previous: Backup | None, report: dict) -> None:
    """The restored trail is intact, passes through the previous verified backup's checkpoint, and ends
    exactly at this backup's own signed checkpoint."""
    own = manifest.get("audit_checkpoint")
    if own is not None:
        try:
            audit.checkpoint_check(own)
        except audit.CheckpointInvalid as error:
            raise VerificationFailed(f"the manifest's audit checkpoint is not genuine: {error}") from error
    through = (previous.manifest or {}).get("audit_checkpoint") if previous else None
    report["extends"] = previous.name if through else None
    chain = pg.verify_audit_chain(params, through=through)
    report["audit_events"] = chain.checked
    if not chain.ok:
        plain = pg.verify_audit_chain(params) if through else chain
        if not plain.ok:
            where = f" at event {plain.broken_id}" if plain.broken_id else ""
            raise VerificationFailed(f"audit chain broken in the backup{where}: {plain.reason}")
        raise VerificationFailed(
            f"the audit trail in this backup does not extend the one of the previous verified backup "
            f"{previous.name} (event {through['last_id']}, {through['count']} events): {chain.reason}")
    if own is not None and (chain.last_id, chain.head, chain.checked) != (own["last_id"], own["head"],
                                                                          own["count"]):
        raise VerificationFailed(
            f"the restored audit trail ends at event {chain.last_id} ({chain.checked} events), not at the "
            f"backup's own checkpoint (event {own['last_id']}, {own['count']} events)")
    report["audit_checkpoint"] = {"last_id": chain.last_id, "count": chain.checked}


def backup_verify(*, backup: Backup | None = None, actor: User | None = None) -> Backup:
    """Restore a backup (default: the newest) into a scratch database and compare it. Raises on failure.

    Raises :class:`BackupBusy` if another backup or verification holds the lock.
    """
    with backups_exclusive():
        _reap(timezone.now())
        backup = Backup.objects.filter(pk=backup.pk).first() if backup else _newest_to_verify()
        if backup is None:
            raise VerificationFailed("there is no completed backup to verify")
        if backup.status not in (S.COMPLETED, S.VERIFIED, S.VERIFICATION_FAILED):
            raise VerificationFailed(f"backup {backup.name} is {backup.status}: there is no archive to verify")
        previous = _previous_verified(backup)
        report: dict = {"backup": backup.name}
        failure = None
        try:
            scratch = f"{pg.scratch_prefix(_params())}{get_random_string(8).lower()}"
            with pg.scratch_database(_params(), scratch) as params:
                with _open(backup.name) as source:  # the dump streams into pg_restore; files are only hashed
                    manifest = archive.read(source=source, keyring=keyring(),
                                            on_database=lambda stream: pg.restore(params, stream))
                report["checksums"] = "ok"
                with pg.connect(params) as conn:
                    counts = pg.row_counts(conn)
                expected = manifest["database"]["row_counts"]
                diffs = {t: [expected.get(t), counts.get(t)] for t in set(expected) | set(counts)
                         if expected.get(t) != counts.get(t)}
                report["tables"] = len(counts)
                report["rows"] = sum(counts.values())
                if diffs:
                    raise VerificationFailed(f"row counts differ after restore: {dict(list(diffs.items())[:10])}")
                _check_audit_chain(params, manifest, previous, report)
            report["files"] = manifest["file_count"]
        except (BackupIntegrityError, archive.ManifestMismatch, pg.PgToolError, VerificationFailed, OSError,
                KeyError, ValueError) as error:
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
    """Delete archives outside the retention policy (:func:`retention.plan`), under the lock.

    Only verified backups fill the daily/weekly/monthly slots; the newest verified one, every backup of
    the last 24 hours, backups waiting for verification and a verified backup whose audit chain no newer
    verified backup extends are never deleted.
    """
    now = now or timezone.now()
    policy = retention.Policy(**settings.ACQUIRER_BACKUP_RETENTION)
    with backups_exclusive():
        rows = list(Backup.objects.filter(status__in=[S.VERIFIED, S.COMPLETED, S.VERIFICATION_FAILED]))
        extended = {(b.verification or {}).get("extends") for b in rows if b.status == S.VERIFIED}
        candidates = [retention.Candidate(id=b.pk, created_at=b.created_at, status=b.status,
                                          anchored=bool((b.manifest or {}).get("audit_checkpoint")),
                                          extended=b.name in extended) for b in rows]
        kept = retention.plan(candidates, now, policy)
        pruned = 0
        for backup in rows:
            if backup.pk in kept:
                continue
            with transaction.atomic():
                backup = Backup.objects.select_for_update().get(pk=backup.pk)
                store().delete(backup.name)
                advance(backup, to=S.PRUNED, moves=MOVES, actor=None, action="backup.pruned",
                        data={"created_at": backup.created_at.isoformat()})
            pruned += 1
    return {"kept": len(kept), "pruned": pruned}


def _write_into(folder: Path, relative: PurePosixPath, stream) -> None:
    target = folder.joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)


def backup_restore(*, source_path: Path, into_url: str, files_into: Path | None, dry_run: bool) -> dict:
    """Restore an archive file into an empty database (and files into a folder). Used by ``restore``.

    The whole archive is checked first (nothing written); then a second pass pipes the dump into
    pg_restore (one transaction) and writes the files only into ``files_into``.
    """
    import dj_database_url

    target = None
    if not dry_run:
        target = pg.connection_params(dj_database_url.parse(into_url))
        pg.check_reachable(target)
    ring = keyring()
    with source_path.open("rb") as source:
        manifest = archive.read(source=source, keyring=ring)
    summary = {"created_at": manifest["created_at"], "tables": len(manifest["database"]["row_counts"]),
               "rows": sum(manifest["database"]["row_counts"].values()), "files": manifest["file_count"],
               "row_counts": manifest["database"]["row_counts"]}
    if dry_run:
        return summary
    if not pg.is_empty(target):
        raise BackupError(f"database {target['dbname']!r} is not empty: restore only into a new, empty database")
    on_file = (lambda relative, stream: _write_into(files_into, relative, stream)) if files_into else None
    with source_path.open("rb") as source:
        archive.read(source=source, keyring=ring, on_database=lambda stream: pg.restore(target, stream),
                     on_file=on_file)
    with pg.connect(target) as conn:
        counts = pg.row_counts(conn)
    if counts != manifest["database"]["row_counts"]:
        raise BackupError("row counts after restore differ from the manifest")
    summary["restored_into"] = target["dbname"]
    return summary


def backup_health() -> dict:
    last = Backup.objects.exclude(status=S.PRUNED).order_by("-created_at").first()
    last_verified = Backup.objects.filter(verified_at__isnull=False).order_by("-verified_at").first()
    # a backup "running" for longer than any live run can (the task's hard time limit) died with its worker
    dead = last is not None and last.status == S.RUNNING and last.created_at < timezone.now() - ABANDONED_AFTER
    red = (last is None or last.status in (S.FAILED,) or dead or
           (last_verified is not None and last_verified.status == S.VERIFICATION_FAILED))
    return {
        "status": "red" if red else "green",
        "last_backup": last.created_at.isoformat() if last else None,
        "last_backup_status": last.status if last else None,
        "last_verification": last_verified.verified_at.isoformat() if last_verified else None,
        "last_verification_ok": (last_verified.status == S.VERIFIED) if last_verified else None,
    }
