"""The audit trail resists a database superuser: TRUNCATE refused, a keyed chain that cannot be recomputed
without the key, and signed checkpoints outside the database that catch removed events."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from acquirer import audit
from acquirer.models import AuditEvent
from tests.factories import make_merchant


@pytest.fixture
def events(db):
    merchant = make_merchant("Tamper Test Ltd")
    for note in ("first look", "second look", "third look"):
        audit.record("merchant.application_updated", target=merchant, data={"note": note})
    return list(AuditEvent.objects.order_by("id"))


def _as_superuser(*statements):
    """What a database superuser can do: switch the triggers off for a moment."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_postgres_refuses_truncate_of_the_audit_trail(events):
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # (the test's own inserts leave deferred checks)
            cursor.execute("SET LOCAL acquirer.audit_truncate = ''")  # what every non-test session has
            cursor.execute("TRUNCATE acquirer_auditevent")
    assert AuditEvent.objects.count() == len(events)


def test_production_settings_never_allow_the_truncate_path():
    from pathlib import Path

    settings_dir = Path(audit.__file__).parent / "settings"
    for name in ("base.py", "dev.py", "prod.py"):
        assert "audit_truncate" not in (settings_dir / name).read_text(), name


def test_events_are_chained_with_a_keyed_hash_not_plain_sha256(events):
    event = events[-1]
    assert event.key_id == audit.audit_keys()[0]
    assert event.hash != hashlib.sha256(audit.canonical(event)).hexdigest()
    assert audit.verify_chain().ok


def test_audit_verify_writes_a_signed_checkpoint_outside_the_database(events, capsys, audit_checkpoints):
    call_command("audit_verify")
    assert f"audit chain OK: {len(events)} events verified" in capsys.readouterr().out
    checkpoint = audit.checkpoint_latest()
    assert checkpoint["last_id"] == events[-1].pk and checkpoint["count"] == len(events)
    assert checkpoint["head"] == events[-1].hash
    assert audit.checkpoint_path().stat().st_mode & 0o077 == 0


def test_truncate_by_a_superuser_is_detected_by_the_checkpoint(events):
    call_command("audit_verify")
    _as_superuser(("TRUNCATE acquirer_auditevent", []))
    with pytest.raises(CommandError, match="trail holds 0 events but the checkpoint"):
        call_command("audit_verify")
    # a fresh chain started from the genesis hash does not pass through the checkpoint either
    audit.record("merchant.application_updated", data={"note": "new chain"})
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit_verify")


def test_deleting_the_newest_events_is_detected(events):
    call_command("audit_verify")
    _as_superuser(("DELETE FROM acquirer_auditevent WHERE id >= %s", [events[-2].pk]))
    assert audit.verify_chain().ok  # the rest is a valid chain on its own...
    with pytest.raises(CommandError, match="events were removed"):  # ...but shorter than the checkpoint
        call_command("audit_verify")


def test_deleting_the_newest_events_and_adding_new_ones_is_detected(events):
    call_command("audit_verify")
    _as_superuser(("DELETE FROM acquirer_auditevent WHERE id = %s", [events[-1].pk]))
    for note in ("a", "b"):
        audit.record("merchant.application_updated", data={"note": note})
    with pytest.raises(CommandError, match="does not pass through the checkpoint"):
        call_command("audit_verify")


def test_a_row_rewritten_and_the_chain_recomputed_with_plain_sha256_is_detected(events):
    call_command("audit_verify")
    forged = []
    previous = audit.GENESIS
    for event in AuditEvent.objects.order_by("id"):
        if event.pk == events[1].pk:
            event.data = {"note": "nothing to see"}
        event.prev_hash = previous
        event.hash = hashlib.sha256(audit.canonical(event)).hexdigest()
        previous = event.hash
        forged.append(("UPDATE acquirer_auditevent SET data = %s, prev_hash = %s, hash = %s WHERE id = %s",
                       [json.dumps(event.data), event.prev_hash, event.hash, event.pk]))
    _as_superuser(*forged)
    report = audit.verify_chain()
    assert not report.ok and report.broken_id == events[0].pk and "keyed hash" in report.reason
    with pytest.raises(CommandError, match=f"event id {events[0].pk}"):
        call_command("audit_verify")


def test_a_forged_checkpoint_file_fails_verification(events, audit_checkpoints):
    call_command("audit_verify")
    path = audit.checkpoint_path()
    checkpoint = json.loads(path.read_text().splitlines()[-1])
    checkpoint["count"] = 1  # pretend the trail was shorter, to cover a deletion
    path.write_text(path.read_text() + json.dumps(checkpoint) + "\n")
    with pytest.raises(CommandError, match="invalid signature"):
        call_command("audit_verify")


def test_key_rotation_keeps_old_events_verifiable(events, settings):
    old_spec = settings.ACQUIRER_AUDIT_KEYS
    settings.ACQUIRER_AUDIT_KEYS = "a3:" + "H" * 43 + "=," + old_spec
    newer = audit.record("merchant.application_updated", data={"note": "after rotation"})
    assert newer.key_id == "a3" and events[0].key_id != "a3"
    assert audit.verify_chain().ok
    settings.ACQUIRER_AUDIT_KEYS = "a3:" + "H" * 43 + "="  # an old key dropped too early
    report = audit.verify_chain()
    assert not report.ok and "not configured" in report.reason


def test_the_verify_job_fails_when_events_were_removed(events, users):
    from acquirer.models import JobRun
    from acquirer.tasks import verify_audit_chain

    assert verify_audit_chain.apply().successful()
    _as_superuser(("DELETE FROM acquirer_auditevent WHERE id = %s", [events[-1].pk]))
    assert verify_audit_chain.apply().failed()
    run = JobRun.objects.filter(job="audit.verify_chain").order_by("-id").first()
    # the job's own events were chained after the removed one: the link breaks, or the trail is short
    assert run.status == "failed" and ("removed" in run.error or "link does not match" in run.error)
