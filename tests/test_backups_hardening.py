"""Backups hardened: nothing unencrypted on disk, one run at a time, retention by verified backups and
their audit-chain links, the audit chain anchored in every backup, and clear restore errors."""

import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import override

from acquirer import audit, roles
from acquirer.backups import pg, retention
from acquirer.backups.crypto import DecryptingReader, EncryptedSpool, EncryptingWriter, Keyring
from acquirer.backups.services import (
    ABANDONED_BACKUP,
    ABANDONED_RUN,
    BUSY,
    LOCK_KEY,
    BackupBusy,
    VerificationFailed,
    backup_create,
    backup_verify,
    backups_prune,
)
from acquirer.models import AuditEvent, Backup, JobRun
from tests.backup_support import NEW_KEY, make_backup_env
from tests.test_backups import _params, _url


@pytest.fixture
def backup_env(settings, tmp_path):
    return make_backup_env(settings, tmp_path)


CANARY = b"CANARY-plaintext-of-an-uploaded-file-7f3a"
S = Backup.Status


def _members(path: Path, key: str = NEW_KEY) -> list[tuple[str, bytes]]:
    with path.open("rb") as handle, tarfile.open(fileobj=DecryptingReader(handle, Keyring.parse(key)),
                                                 mode="r|") as tar:
        return [(member.name, tar.extractfile(member).read()) for member in tar]


def _pack(members: list[tuple[str, bytes]], path: Path, key: str = NEW_KEY) -> None:
    """An archive laid out by hand (as an older version, or an attacker holding the backup key, would)."""
    with path.open("wb") as out:
        writer = EncryptingWriter(out, Keyring.parse(key))
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        writer.close()


# --- 1. nothing unencrypted touches the disk; a killed run is cleaned up ----------------------------

_WATCH: dict = {"on": False, "busy": False}


def _audit_hook(event, args):
    """A Python runtime audit hook (sys.addaudithook): sees every file the process opens."""
    if event != "open" or not _WATCH["on"] or _WATCH["busy"] or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.fsdecode(args[0])
    mode, flags = args[1] or "", args[2] or 0
    writing = any(c in mode for c in "wax+") or bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    if writing and path != os.devnull:
        _WATCH["written"].append(path)
    if _WATCH.get("scan") and (path.startswith(_WATCH["scan"]) or path.startswith(_WATCH["media"])):
        _WATCH["busy"] = True
        try:
            for leftover in (p for p in Path(_WATCH["scan"]).rglob("*") if p.is_file()):
                data = leftover.read_bytes()
                _WATCH["scans"].append((leftover.name, len(data), b"PGDMP" in data or CANARY in data))
        finally:
            _WATCH["busy"] = False


@pytest.fixture
def file_watch():
    if not _WATCH.get("installed"):
        sys.addaudithook(_audit_hook)
        _WATCH["installed"] = True
    _WATCH.update(written=[], scans=[], scan=None, media=None)
    yield _WATCH
    _WATCH["on"] = False


def test_the_dump_spool_on_disk_is_ciphertext_under_a_key_held_only_in_memory(tmp_path):
    plaintext = b"PGDMP" + os.urandom(3 * 1024 * 1024) + CANARY
    with EncryptedSpool(tmp_path, prefix="acq-test-") as spool:
        for start in range(0, len(plaintext), 70_000):
            spool.write(plaintext[start:start + 70_000])
        spool.seal()
        on_disk = spool.path.read_bytes()
        assert oct(spool.path.stat().st_mode & 0o777) == "0o600"
        assert b"PGDMP" not in on_disk and CANARY not in on_disk
        assert spool.size == len(plaintext)
        assert spool.reader().read() == plaintext
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db(transaction=True)
def test_while_a_backup_streams_no_file_in_staging_holds_a_plaintext_dump_or_file(backup_env, users, file_watch):
    (backup_env["media"] / "kyc" / "canary.txt").write_bytes(CANARY * 100)
    file_watch.update(scan=str(backup_env["staging"]), media=str(backup_env["media"]), on=True)
    backup = backup_create()
    file_watch["on"] = False

    # the staging folder was looked at each time a part was opened, the dump spool among what it held
    assert any(name.startswith("acq-") and size > 0 for name, size, _plain in file_watch["scans"])
    assert not [scan for scan in file_watch["scans"] if scan[2]], "plaintext found in staging"
    # everything written went to staging (spool, partial archive) and nowhere else
    staging = str(backup_env["staging"])
    assert file_watch["written"] and all(path.startswith(staging) for path in file_watch["written"])
    assert not list(backup_env["staging"].iterdir())
    # the check above would have seen an unencrypted dump: it starts with PGDMP
    members = dict(_members(backup_env["backups"] / backup.name))
    assert members["database.dump"].startswith(b"PGDMP")
    assert members["files/kyc/canary.txt"] == CANARY * 100


@pytest.mark.django_db(transaction=True)
def test_verification_and_restore_write_no_part_of_the_archive_to_disk(backup_env, users, file_watch, tmp_path):
    backup = backup_create()
    file_watch["on"] = True
    backup_verify(backup=backup)
    file_watch["on"] = False
    assert file_watch["written"] == []  # the dump went to pg_restore's stdin; files were only hashed

    target = f"restore_h_{os.getpid()}"
    with pg.connect({**_params(), "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
        conn.execute(f'CREATE DATABASE "{target}"')
    files_into = tmp_path / "restored"
    try:
        file_watch.update(written=[], on=True)
        call_command("restore", str(backup_env["backups"] / backup.name), "--into", _url(target),
                     "--files-into", str(files_into))
        file_watch["on"] = False
    finally:
        with pg.connect({**_params(), "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    assert sorted(file_watch["written"]) == sorted(str(p) for p in files_into.rglob("*") if p.is_file())
    assert (files_into / "photo.jpg").read_bytes() == (backup_env["media"] / "photo.jpg").read_bytes()


@pytest.mark.django_db(transaction=True)
def test_a_killed_run_is_cleaned_up_by_the_next_backup_and_shown_failed_with_a_sentence(backup_env, clients):
    staging = backup_env["staging"]
    (staging / "acquirer-20260101T013000Z-abcd.backup.partial").write_bytes(b"half an archive")
    (staging / "acq-acquirer-20260101T013000Z-abcd-db-x1y2.partial").write_bytes(b"half a spool")
    old_work = staging / "tmpk1ll3d"  # the work folder of a killed older version: a plaintext dump
    (old_work / "files").mkdir(parents=True)
    (old_work / "database.dump").write_bytes(b"PGDMP\x01\x0e\x00 plaintext dump")
    (old_work / "files" / "licence.pdf").write_bytes(b"%PDF-1.4 plain copy")
    killed = Backup.objects.create(name="acquirer-20260101T013000Z-abcd.backup")  # "running", just now
    run = JobRun.objects.create(job="backups.nightly", started_at=timezone.now() - timedelta(hours=1))
    params = _params()
    stale_scratch = f"{pg.scratch_prefix(params)}k1ll3d00"
    with pg.connect({**params, "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{stale_scratch}"')

    fresh = backup_create()

    assert not list(staging.iterdir())
    assert [p.name for p in backup_env["backups"].iterdir()] == [fresh.name]
    killed.refresh_from_db()
    run.refresh_from_db()
    assert killed.status == S.FAILED and killed.error == str(ABANDONED_BACKUP) and killed.finished_at
    assert run.status == JobRun.Outcome.FAILED and run.error == str(ABANDONED_RUN)
    assert AuditEvent.objects.filter(action="backup.abandoned", target_id=str(killed.pk)).exists()
    assert AuditEvent.objects.filter(action="job.abandoned", target_id=str(run.pk)).exists()
    cleaned = AuditEvent.objects.get(action="backup.staging_cleaned")
    assert "tmpk1ll3d" in cleaned.data["removed"] and cleaned.data["scratch_databases"] == [stale_scratch]
    with pg.connect({**params, "dbname": "postgres"}) as conn:
        assert not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [stale_scratch]).fetchall()
    ops = clients[roles.OPERATIONS_MANAGER]
    # the sentences as stored (in the language active when the run was reaped), shown as they are
    assert escape(killed.error) in ops.get("/ops/backups/").content.decode()
    assert escape(run.error) in ops.get("/ops/jobs/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_verification_also_marks_a_dead_backup_failed(backup_env, users):
    done = backup_create()
    killed = Backup.objects.create(name="acquirer-killed.backup")
    (backup_env["staging"] / "acquirer-killed.backup.partial").write_bytes(b"x")
    backup_verify(backup=done)
    killed.refresh_from_db()
    assert killed.status == S.FAILED and not list(backup_env["staging"].iterdir())


# --- 2. one at a time; retention by verified backups -----------------------------------------------

@pytest.fixture
def lock_held_elsewhere(transactional_db):
    """Another process's backup, as the lock sees it: a session of its own holding the advisory lock."""
    with pg.connect(_params(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        yield
        other.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


@pytest.mark.django_db(transaction=True)
def test_a_second_backup_while_one_runs_ends_at_once_with_another_backup_is_running(backup_env, users,
                                                                                    lock_held_elsewhere):
    from acquirer.tasks import nightly_backup, verify_backup

    result = nightly_backup.apply(kwargs={"verify_after": False})
    assert result.successful() and result.result == {"skipped": str(BUSY)}
    assert JobRun.objects.get(job="backups.nightly").status == JobRun.Outcome.SUCCEEDED
    assert AuditEvent.objects.filter(action="backup.skipped").count() == 1
    assert verify_backup.apply().result == {"skipped": str(BUSY)}
    with override("en"), pytest.raises(CommandError, match="Another backup or verification is running"):
        call_command("backup_now")
    with pytest.raises(BackupBusy):
        backups_prune()
    assert not Backup.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_run_now_backups_and_verifications_neither_prune_each_other_nor_crash(backup_env, users):
    from acquirer.tasks import nightly_backup, verify_backup

    first = backup_create()
    backup_verify(backup=first)
    start = threading.Barrier(6)
    outcomes = []

    def worker(task):
        try:
            start.wait()
            result = task.apply(kwargs={"verify_after": False} if task is nightly_backup else {})
            outcomes.append(result.result if result.successful() else repr(result.result))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(task,))
               for task in [nightly_backup] * 4 + [verify_backup] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert len(outcomes) == 6 and all(isinstance(o, dict) for o in outcomes), outcomes
    assert any("skipped" in o for o in outcomes) and any("backup" in o for o in outcomes)
    skipped_backups = JobRun.objects.filter(job="backups.nightly", counts__has_key="skipped").count()
    assert AuditEvent.objects.filter(action="backup.skipped").count() == skipped_backups
    assert not JobRun.objects.exclude(status=JobRun.Outcome.SUCCEEDED).exists()
    assert not AuditEvent.objects.filter(action="job.failed").exists()
    assert not Backup.objects.filter(status__in=[S.PRUNED, S.FAILED, S.RUNNING]).exists()
    assert sorted(p.name for p in backup_env["backups"].iterdir()) == sorted(
        Backup.objects.values_list("name", flat=True))
    # a backup the same day (another "run now") prunes none of them either
    second = backup_create()
    assert backups_prune()["pruned"] == 0
    assert Backup.objects.filter(pk__in=[first.pk, second.pk], status__in=[S.VERIFIED, S.COMPLETED]).count() == 2


def test_retention_counts_only_verified_backups_and_keeps_the_last_24_hours():
    now = timezone.now()
    C = retention.Candidate
    candidates = [
        C(1, now - timedelta(days=40), "verified"),  # old, superseded: deleted
        C(2, now - timedelta(days=3), "verified"),
        C(3, now - timedelta(days=2), "completed"),  # older than the newest verified, never verified: deleted
        C(4, now - timedelta(days=1, hours=1), "verified"),  # newest verified: kept, whatever else happens
        C(5, now - timedelta(hours=5), "completed"),  # last 24 h
        C(6, now - timedelta(hours=2), "completed"),  # a second backup the same day does not prune the first
        C(7, now - timedelta(days=30), "verification_failed"),  # old failure: deleted
    ]
    policy = retention.Policy(daily=1, weekly=0, monthly=0)
    assert retention.plan(candidates, now, policy) == {4, 5, 6}
    # unverified backups never push a verified one out of its slot
    assert 4 in retention.plan([*candidates, C(8, now - timedelta(minutes=1), "verification_failed")], now, policy)


def test_retention_keeps_a_verified_backup_that_no_newer_verified_backup_extends():
    now = timezone.now()
    C = retention.Candidate
    policy = retention.Policy(daily=1, weekly=0, monthly=0)
    extended = [C(1, now - timedelta(days=9), "verified", anchored=True, extended=True),
                C(2, now - timedelta(days=5), "verified", anchored=True)]
    assert retention.plan(extended, now, policy) == {2}
    gap = [C(1, now - timedelta(days=9), "verified", anchored=True, extended=False),
           C(2, now - timedelta(days=5), "verified", anchored=True)]
    assert retention.plan(gap, now, policy) == {1, 2}


@pytest.mark.django_db
def test_pruning_uses_the_extends_link_recorded_by_verification(backup_env):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    long_ago = timezone.now() - timedelta(days=400)
    checkpoint = {"audit_checkpoint": {"last_id": 1, "count": 1, "head": "x"}}
    rows = {}
    for n, extends in ((1, None), (2, "b1"), (3, None), (4, "b3")):
        storages["backups"].save(f"b{n}", ContentFile(b"x"))
        rows[n] = Backup.objects.create(name=f"b{n}", status=S.VERIFIED, created_at=long_ago + timedelta(hours=n),
                                        manifest=checkpoint, verification={"extends": extends})
    # b1 is extended by b2 (deleted); b2 by nothing (b3 did not check it: kept); b3 by b4; b4 is the newest
    assert backups_prune() == {"kept": 2, "pruned": 2}
    assert set(Backup.objects.exclude(status=S.PRUNED).values_list("name", flat=True)) == {"b2", "b4"}


# --- 3. the audit chain is anchored in every backup ------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_each_backup_carries_a_signed_checkpoint_and_verification_records_what_it_extends(backup_env, users):
    first = backup_verify(backup=backup_create())
    checkpoint = first.manifest["audit_checkpoint"]
    audit.checkpoint_check(checkpoint)
    assert checkpoint["count"] == first.manifest["database"]["row_counts"]["public.acquirer_auditevent"]
    assert first.verification["extends"] is None
    second = backup_verify(backup=backup_create())
    assert second.verification["extends"] == first.name
    assert second.manifest["audit_checkpoint"]["count"] > checkpoint["count"]


def _delete_audit_rows_as_superuser(where: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE acquirer_auditevent DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM acquirer_auditevent WHERE {where}")
        cursor.execute("ALTER TABLE acquirer_auditevent ENABLE TRIGGER USER")


@pytest.mark.parametrize("removal", ["tail", "everything"])
@pytest.mark.django_db(transaction=True)
def test_a_backup_after_audit_events_were_deleted_behind_the_apps_back_fails_and_the_last_good_one_is_kept(
        backup_env, users, removal):
    first = backup_verify(backup=backup_create())
    second = backup_verify(backup=backup_create())
    assert second.verification["extends"] == first.name
    anchor = second.manifest["audit_checkpoint"]["last_id"]
    _delete_audit_rows_as_superuser(f"id > {anchor - 3}" if removal == "tail" else "true")
    audit.record("merchant.application_updated", data={"note": "life goes on"})  # new events chain on what is left

    third = backup_create()
    with pytest.raises(VerificationFailed, match=f"does not extend the one of the previous verified backup "
                                                 f"{second.name}"):
        backup_verify(backup=third)
    third.refresh_from_db()
    assert third.status == S.VERIFICATION_FAILED and "extends" in third.verification
    assert AuditEvent.objects.filter(action="backup.verification_failed", target_id=str(third.pk)).exists()

    assert backups_prune()["pruned"] == 0  # everything is less than a day old
    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        backups_prune()
    second.refresh_from_db()
    assert second.status == S.VERIFIED and (backup_env["backups"] / second.name).exists()


@pytest.mark.django_db(transaction=True)
def test_a_manifest_checkpoint_not_signed_with_the_audit_key_fails_verification(backup_env, users):
    backup = backup_create()
    path = backup_env["backups"] / backup.name
    members = _members(path)
    manifest = json.loads(dict(members)["manifest.json"])
    manifest["audit_checkpoint"]["count"] += 5  # someone holding the backup key, not the audit key
    _pack([(n, d) if n != "manifest.json" else (n, json.dumps(manifest).encode()) for n, d in members], path)
    with pytest.raises(VerificationFailed, match="not genuine"):
        backup_verify(backup=backup)


@pytest.mark.django_db(transaction=True)
def test_the_manifest_comes_last_and_format_1_archives_still_verify_and_restore(backup_env, users, capsys):
    backup = backup_create()
    members = _members(backup_env["backups"] / backup.name)
    assert [name for name, _data in members] == ["database.dump", "files/kyc/licence.pdf", "files/photo.jpg",
                                                 "manifest.json"]
    manifest = json.loads(members[-1][1])
    assert manifest["format"] == 2
    legacy_manifest = {**manifest, "format": 1}
    legacy_manifest.pop("audit_checkpoint")
    legacy = backup_env["backups"] / "acquirer-legacy.backup"
    _pack([("manifest.json", json.dumps(legacy_manifest).encode()), *members[:-1]], legacy)
    row = Backup.objects.create(name=legacy.name, status=S.COMPLETED, manifest=legacy_manifest)
    assert backup_verify(backup=row).status == S.VERIFIED
    call_command("restore", str(legacy), "--dry-run")
    assert "archive is intact" in capsys.readouterr().out


# --- 4. restore into a database that does not exist ------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_restore_into_a_missing_database_says_so_in_one_line_and_exits_1(backup_env, users):
    backup = backup_create()
    archive = str(backup_env["backups"] / backup.name)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.test",
           "DATABASE_URL": _url(connection.settings_dict["NAME"]), "ACQUIRER_BACKUP_KEYS": NEW_KEY,
           "ACQUIRER_BACKUP_STAGING_DIR": str(backup_env["staging"])}
    done = subprocess.run([sys.executable, "manage.py", "restore", archive, "--into", _url("does_not_exist_x")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert 'database "does_not_exist_x" does not exist — create it empty first' in lines[0]
    with pytest.raises(CommandError, match="does not exist — create it empty first"):
        call_command("restore", archive, "--into", _url("does_not_exist_x"))


@pytest.mark.django_db
def test_health_turns_red_when_a_backup_runs_longer_than_any_live_run_can(backup_env):
    from acquirer.backups.services import backup_health

    now = timezone.now()
    Backup.objects.create(name="good", status=S.VERIFIED, created_at=now - timedelta(hours=3), verified_at=now)
    running = Backup.objects.create(name="running", created_at=now - timedelta(minutes=5))
    assert backup_health()["status"] == "green"
    Backup.objects.filter(pk=running.pk).update(created_at=now - timedelta(minutes=40))
    assert backup_health()["status"] == "red"
