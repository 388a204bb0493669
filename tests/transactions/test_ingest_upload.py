"""The upload page end to end (upload → queued → the task → done), who may do what, and a CSV journal's card
numbers nowhere afterwards: not in the database, the stored files, nor the logs."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from acquirer.models import AuditEvent, OutboxMessage
from tests.transactions.factories import live_merchant_with_terminal
from tests.transactions.ingest_support import journal_row, valid_pan
from transactions.demo.files import write_journal_csv, write_journal_iso
from transactions.models import IngestFile, Transaction
from transactions.services.ingest import ingest_path
from transactions.tasks import ingest_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(merchant_a, users):
    return live_merchant_with_terminal(merchant_a, users["operations_manager"])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _upload(client, path, kind):
    return client.post(reverse("ops:ingest-upload"),
                       {"kind": kind, "file": SimpleUploadedFile(path.name, path.read_bytes())})


def test_upload_queues_a_task_that_loads_the_file(shop, clients, media, tmp_path, django_capture_on_commit_callbacks):
    merchant, terminal = shop
    path = tmp_path / "day.csv"
    write_journal_csv(path, [journal_row(merchant, terminal), journal_row(merchant, terminal, stan="1")])
    with django_capture_on_commit_callbacks(execute=False):
        response = _upload(clients["operations_manager"], path, "journal-csv")
    record = IngestFile.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ops:ingest-detail", args=[record.pk])
    assert record.status == "queued" and record.stored_name
    assert OutboxMessage.objects.filter(task_name="transactions.tasks.ingest_file",
                                        kwargs={"file_id": record.pk}).exists()
    page = clients["operations_manager"].get(reverse("ops:ingest-detail", args=[record.pk]))
    assert page["Refresh"] == "3"
    ingest_file.apply(args=[record.pk])  # the task, run eagerly
    record.refresh_from_db()
    assert (record.status, record.rows, record.new, record.rejected, record.progress) == ("done", 2, 1, 1, 100)
    ingest_file.apply(args=[record.pk])  # a second delivery does nothing twice
    assert Transaction.objects.filter(merchant_id=merchant.pk).count() == 1
    assert AuditEvent.objects.filter(action="ingest.completed").count() == 1
    page = clients["operations_manager"].get(reverse("ops:ingest-detail", args=[record.pk]))
    assert "Refresh" not in page and "must be 6 digits" in page.content.decode()
    report = clients["auditor"].get(reverse("audit:ingest-report", args=[record.pk]))
    assert report.status_code == 200 and b"line,field,reason" in b"".join(report.streaming_content)
    assert AuditEvent.objects.filter(action="ingest.report_downloaded").count() == 1


def test_an_unreadable_upload_is_refused_at_once(clients, media, tmp_path, db):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n")
    _upload(clients["operations_manager"], path, "journal-csv")
    record = IngestFile.objects.get()
    assert record.status == "refused" and record.message.startswith("Wrong header")
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("actor", ["operations_manager", "compliance_officer", "risk_analyst", "auditor",
                                   "merchant_a", "anonymous"])
def test_only_ingest_permission_may_upload(actor, clients, users, media, tmp_path, db):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n")
    response = _upload(clients[actor], path, "journal-csv")
    expected = {"operations_manager": 302, "compliance_officer": 403, "risk_analyst": 403, "auditor": 403,
                "merchant_a": 403, "anonymous": 302}[actor]
    assert response.status_code == expected
    assert IngestFile.objects.exists() == (actor == "operations_manager")


def test_merchants_see_no_ingest_page_and_auditors_only_read(clients, media, tmp_path, db, users):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n")
    record = ingest_path(kind="journal-csv", path=path)
    assert clients["merchant_a"].get(reverse("ops:ingest-detail", args=[record.pk])).status_code == 403
    assert clients["auditor"].get(reverse("audit:ingest-detail", args=[record.pk])).status_code == 200
    assert clients["auditor"].get(reverse("audit:ingest-list")).status_code == 200
    assert clients["auditor"].post(reverse("audit:ingest-list")).status_code == 405
    assert clients["compliance_officer"].get(reverse("ops:ingest-list")).status_code == 200


def _all_text_in_database() -> str:
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute("""SELECT table_name, column_name FROM information_schema.columns
                          WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character',
                                                                          'jsonb', 'json')""")
        for table, column in cursor.fetchall():
            cursor.execute(f'SELECT string_agg("{column}"::text, chr(10)) FROM "{table}"')
            chunks.append(cursor.fetchone()[0] or "")
    return "\n".join(chunks)


def test_a_csv_journal_leaves_no_card_number_anywhere(shop, clients, media, tmp_path, caplog,
                                                      django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    merchant, terminal = shop
    pans = [valid_pan("62258812", 16), valid_pan("41111111", 16), valid_pan("62220212", 19)]
    rows = [journal_row(merchant, terminal, pan=pan) for pan in pans]
    rows.append(journal_row(merchant, terminal, pan=pans[0], stan="bad"))  # rejected for another field
    rows.append(journal_row(merchant, terminal, pan=pans[1][:-1] + str((int(pans[1][-1]) + 1) % 10)))  # bad Luhn
    bad_pan = rows[-1]["pan"]
    write_journal_csv(tmp_path / "day.csv", rows)
    write_journal_iso(tmp_path / "day.iso", [*rows[:3], rows[4]])
    with django_capture_on_commit_callbacks(execute=False):
        _upload(clients["operations_manager"], tmp_path / "day.csv", "journal-csv")
    ingest_file.apply(args=[IngestFile.objects.get().pk])
    ingest_path(kind="journal", path=tmp_path / "day.iso", actor=None)
    assert Transaction.objects.filter(merchant_id=merchant.pk).count() == 3
    text = _all_text_in_database()
    stored = b"".join(p.read_bytes() for p in media.rglob("*") if p.is_file())
    from acquirer import files

    plain = b""
    for record in IngestFile.objects.all():
        for name in (record.stored_name, record.report_name):
            if name:
                with files.open_stored(name) as handle:
                    plain += handle.read()
    assert b"******" in plain  # the stored rewrite keeps the masked numbers
    for pan in [*pans, bad_pan]:
        assert pan not in text
        assert pan.encode() not in stored and pan.encode() not in plain
        assert pan not in caplog.text
