"""Backups: encrypted archives, restore verification, real restore, tamper and crash safety, retention."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from acquirer import roles
from acquirer.backups import pg
from acquirer.backups.crypto import CHUNK, BackupIntegrityError, DecryptingReader, EncryptingWriter, Keyring
from acquirer.backups.services import ABANDONED_BACKUP, backup_create, backup_verify, backups_prune
from acquirer.models import AuditEvent, Backup, JobRun, Notification
from tests.backup_support import NEW_KEY, make_backup_env

OLD_KEY = "old:" + "A" * 43 + "="


@pytest.fixture
def backup_env(settings, tmp_path):
    return make_backup_env(settings, tmp_path)


def _params():
    return pg.connection_params(connection.settings_dict)


def _url(dbname: str) -> str:
    p = _params()
    host = p["host"].replace("/", "%2F") or "localhost"
    return f"postgres://{p['user']}@{host}:{p['port']}/{dbname}"


# --- crypto ------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7])
def test_archive_encryption_round_trips_and_detects_any_change(size):
    ring = Keyring.parse(NEW_KEY)
    plain = os.urandom(size)
    out = io.BytesIO()
    writer = EncryptingWriter(out, ring)
    writer.write(plain)
    writer.close()
    sealed = out.getvalue()
    assert plain not in sealed or size < 16  # a byte or two of random plain text may occur by chance
    assert DecryptingReader(io.BytesIO(sealed), ring).read() == plain
    for position in (len(sealed) // 2, len(sealed) - 1):
        damaged = bytearray(sealed)
        damaged[position] ^= 0x01
        with pytest.raises(BackupIntegrityError):
            DecryptingReader(io.BytesIO(bytes(damaged)), ring).read()
    if size > CHUNK:  # drop the final chunk: the one before it was not sealed as final
        first_len = int.from_bytes(sealed[len(writer.header):len(writer.header) + 4], "big")
        cut = len(writer.header) + 4 + first_len
        with pytest.raises(BackupIntegrityError, match="chunk"):
            DecryptingReader(io.BytesIO(sealed[:cut]), ring).read()


def test_rotated_keys_still_decrypt_old_archives_and_unknown_keys_are_named():
    out = io.BytesIO()
    writer = EncryptingWriter(out, Keyring.parse(OLD_KEY))
    writer.write(b"secret data")
    writer.close()
    rotated = Keyring.parse(f"{NEW_KEY},{OLD_KEY}")
    assert rotated.current == "new"
    assert DecryptingReader(io.BytesIO(out.getvalue()), rotated).read() == b"secret data"
    with pytest.raises(BackupIntegrityError, match="'old'"):
        DecryptingReader(io.BytesIO(out.getvalue()), Keyring.parse(NEW_KEY))


# --- backup, verification, restore --------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_backup_now_then_restore_into_a_fresh_database_reproduces_everything(backup_env, users, capsys):
    call_command("backup_now")
    out = capsys.readouterr().out
    assert "verified by test restore" in out
    backup = Backup.objects.get()
    assert backup.status == Backup.Status.VERIFIED and backup.manifest["file_count"] == 2
    archive = backup_env["backups"] / backup.name
    assert archive.exists() and b"licence" not in archive.read_bytes()  # encrypted at rest
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    expected = backup.manifest["database"]["row_counts"]

    target = f"restore_{os.getpid()}"
    with pg.connect({**_params(), "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
        conn.execute(f'CREATE DATABASE "{target}"')
    try:
        files_into = backup_env["media"].parent / "restored-files"
        call_command("restore", str(archive), "--into", _url(target), "--files-into", str(files_into))
        with pg.connect({**_params(), "dbname": target}) as conn:
            assert pg.row_counts(conn) == expected
        report = pg.verify_audit_chain({**_params(), "dbname": target})
        assert report.ok and report.checked == expected["public.acquirer_auditevent"]
        assert (files_into / "kyc" / "licence.pdf").read_bytes() == (backup_env["media"] / "kyc" / "licence.pdf"
                                                                     ).read_bytes()
        # a second restore into the same (now full) database is refused: nothing is overwritten
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", str(archive), "--into", _url(target))
    finally:
        with pg.connect({**_params(), "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    assert AuditEvent.objects.filter(action="backup.completed").exists()
    assert AuditEvent.objects.filter(action="backup.verified").exists()


@pytest.mark.django_db(transaction=True)
def test_a_flipped_byte_is_refused_by_restore_and_by_verification(backup_env, users, client):
    backup = backup_create()
    archive = backup_env["backups"] / backup.name
    data = bytearray(archive.read_bytes())
    data[len(data) // 3] ^= 0x10
    archive.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="REFUSED"):
        call_command("restore", str(archive), "--dry-run")

    from acquirer.tasks import verify_backup

    assert verify_backup.apply().failed()
    backup.refresh_from_db()
    assert backup.status == Backup.Status.VERIFICATION_FAILED and "authentication" in backup.verification["error"]
    run = JobRun.objects.get(job="backups.verify")
    assert run.status == "failed" and backup.name in run.error
    assert Notification.objects.filter(kind="job.failed", recipient=users[roles.OPERATIONS_MANAGER]).exists()
    client.force_login(users[roles.OPERATIONS_MANAGER])  # staff see the health details
    health = client.get("/healthz").json()
    assert health["backups"]["status"] == "red" and health["status"] == "degraded"
    # no scratch database of this database is left behind (other test runs on the server have their own)
    with pg.connect({**_params(), "dbname": "postgres"}) as conn:
        assert not conn.execute("SELECT 1 FROM pg_database WHERE datname LIKE %s",
                                [pg.scratch_prefix(_params()) + "%"]).fetchall()


@pytest.mark.django_db(transaction=True)
def test_backups_made_with_a_rotated_out_key_still_verify(backup_env, settings, users):
    settings.ACQUIRER_BACKUP_KEYS = OLD_KEY
    backup = backup_create()
    assert backup.key_id == "old"
    settings.ACQUIRER_BACKUP_KEYS = f"{NEW_KEY},{OLD_KEY}"
    assert backup_verify(backup=backup).status == Backup.Status.VERIFIED
    assert backup_create().key_id == "new"


@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_backup_leaves_no_good_archive_and_the_next_run_succeeds(backup_env, users):
    big = backup_env["media"] / "evidence"
    big.mkdir()
    for n in range(6):
        (big / f"video-{n}.bin").write_bytes(os.urandom(40 * 1024 * 1024))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acquirer.settings.test",
           "DATABASE_URL": _url(connection.settings_dict["NAME"]),
           "ACQUIRER_BACKUP_DIR": str(backup_env["backups"]), "ACQUIRER_BACKUP_STAGING_DIR": str(backup_env["staging"]),
           "ACQUIRER_MEDIA_ROOT": str(backup_env["media"]), "ACQUIRER_BACKUP_KEYS": NEW_KEY}
    worker = subprocess.Popen([sys.executable, "manage.py", "backup_now", "--no-verify"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline and not list(backup_env["staging"].glob("*.partial")):
        assert worker.poll() is None, worker.stdout.read().decode()[-2000:]
        time.sleep(0.01)
    assert list(backup_env["staging"].glob("*.partial")), "the backup never started writing"
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    for leftover in backup_env["staging"].iterdir():  # what the kill left is ciphertext only
        data = leftover.read_bytes()
        assert b"PGDMP" not in data and b"%PDF-1.4 licence" not in data, leftover.name

    assert not list(backup_env["backups"].iterdir())  # nothing was published
    killed = Backup.objects.get()
    assert killed.status == Backup.Status.RUNNING and killed.status not in Backup.GOOD

    fresh = backup_create()  # at once: the lock tells a dead run from a live one, not the row's age
    assert fresh.status == Backup.Status.COMPLETED
    killed.refresh_from_db()
    assert killed.status == Backup.Status.FAILED and killed.error == str(ABANDONED_BACKUP)
    assert AuditEvent.objects.filter(action="backup.abandoned", target_id=str(killed.pk)).exists()
    assert not list(backup_env["staging"].iterdir())
    assert [p.name for p in backup_env["backups"].iterdir()] == [fresh.name]


# --- retention -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_retention_over_a_simulated_year_keeps_7_daily_5_weekly_12_monthly(backup_env):
    store = storages["backups"]
    day = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    end = datetime(2026, 12, 31, 2, 0, tzinfo=UTC)
    while day <= end:
        with time_machine.travel(day, tick=False):
            name = f"acquirer-{day:%Y%m%d}.backup"
            store.save(name, ContentFile(b"x"))
            Backup.objects.create(name=name, created_at=day, status=Backup.Status.VERIFIED)
            backups_prune()
        day += timedelta(days=1)
    kept = sorted(Backup.objects.exclude(status=Backup.Status.PRUNED).values_list("created_at__date", flat=True))
    expected_days = {f"2026-12-{d}" for d in range(25, 32)}  # 7 daily
    expected_days |= {"2026-12-20", "2026-12-13", "2026-12-06"}  # newest of the weeks before (27th is daily)
    expected_days |= {"2026-11-30", "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30",
                      "2026-05-31", "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31"}  # monthly
    assert {d.isoformat() for d in kept} == expected_days
    assert sorted(p.name for p in backup_env["backups"].iterdir()) == sorted(
        f"acquirer-{d.replace('-', '')}.backup" for d in expected_days)


@pytest.mark.django_db
def test_pruning_never_deletes_the_last_good_backup(backup_env):
    long_ago = timezone.now() - timedelta(days=800)
    storages["backups"].save("old.backup", ContentFile(b"x"))
    Backup.objects.create(name="old.backup", created_at=long_ago, status=Backup.Status.COMPLETED)
    Backup.objects.create(name="broken.backup", created_at=timezone.now(), status=Backup.Status.FAILED)
    assert backups_prune() == {"kept": 1, "pruned": 0}
    assert (backup_env["backups"] / "old.backup").exists()


# --- console -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_backup_pages_show_status_to_ops_and_auditors(backup_env, clients):
    Backup.objects.create(name="acquirer-x.backup", status=Backup.Status.VERIFIED, size=1234,
                          manifest={"database": {"row_counts": {"a": 3}}, "file_count": 2},
                          verified_at=timezone.now(), verification={"rows": 3, "audit_events": 1})
    for client, url in ((clients[roles.OPERATIONS_MANAGER], "/ops/backups/"), (clients["auditor"], "/audit/backups/")):
        page = client.get(url).content.decode()
        assert "acquirer-x.backup" in page and 'data-status="green"' in page
    assert clients[roles.FIELD_ENGINEER].get("/ops/backups/").status_code == 403


def test_backup_jobs_are_on_the_schedule():
    from acquirer.schedule import JOBS

    assert JOBS["backups.nightly"]["task"] == "acquirer.tasks.nightly_backup"
    assert JOBS["backups.verify"]["task"] == "acquirer.tasks.verify_backup"
    assert Path("docs/runbook.md").exists()


@pytest.fixture
def s3_endpoint(tmp_path):
    """A local S3-compatible server (moto) on a free loopback port."""
    import socket

    pytest.importorskip("moto")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_backups_work_on_s3_compatible_storage(backup_env, settings, s3_endpoint, users, monkeypatch):
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="acquirer-backups")
    settings.STORAGES = {**settings.STORAGES, "backups": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "acquirer-backups", "location": "nightly", "endpoint_url": s3_endpoint,
                    "default_acl": "private", "file_overwrite": False}}}
    backup = backup_create()
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket="acquirer-backups")
    assert [o["Key"] for o in listed["Contents"]] == [f"nightly/{backup.name}"]
    assert not list(backup_env["staging"].glob("*.partial"))
    assert backup_verify().status == Backup.Status.VERIFIED
