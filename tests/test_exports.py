"""Exports as jobs: asked for on a page, written by a real Celery worker in chunks into encrypted storage with
progress, downloaded (audited) by their owner only from "My downloads"; a failure is readable and a re-run starts
over; the audit export has no cap."""

import csv
import io
import time
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from acquirer import audit, roles
from acquirer.models import AuditEvent, Export, OutboxMessage
from acquirer.registry import Exporter, Plugin, registry
from acquirer.tasks import write_export
from tests.celery_worker import broker_answers, real_worker
from tests.test_broker_down import default_queue

ROWS = 4_500  # more than two chunks of 2,000


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def _stored_files(media) -> list:
    folder = media / "exports"
    return sorted(folder.iterdir()) if folder.exists() else []


def _wait_until_finished(export: Export, log) -> Export:
    deadline = time.time() + 120
    while time.time() < deadline:
        export.refresh_from_db()
        if export.status in (Export.Status.DONE, Export.Status.FAILED):
            return export
        time.sleep(0.5)
    raise AssertionError(f"export still {export.status} after 120 s; worker log:\n{log.read_text()[-3000:]}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_every_row_of_a_large_audit_export_which_only_its_owner_downloads(
        users, clients, settings, tmp_path, monkeypatch):
    ok, broker = broker_answers()
    if not ok:
        pytest.skip(broker)
    media = tmp_path / "media"
    monkeypatch.setenv("ACQUIRER_MEDIA_ROOT", str(media))  # the worker's storage is the test's
    settings.MEDIA_ROOT = media
    settings.ACQUIRER_EXPORT_SYNC_ROWS = 100
    from django.db import transaction

    with transaction.atomic():
        audit.record_many([{"action": "audit.checkpoint_written", "data": {"n": n}} for n in range(ROWS)])
    auditor = clients["auditor"]
    search = {"action": "audit.checkpoint_written"}

    # the synchronous export says the result is too large for it: never a silently shorter file
    refused = auditor.get(reverse("audit:event-export"), search)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("audit:event-list"))
    assert any("100" in str(m) for m in get_messages(refused.wsgi_request))

    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    with real_worker(queue, log), default_queue(queue):
        response = auditor.post(reverse("export-create"), {"kind": "audit.trail", "format": "csv", **search})
        assert response.status_code == 302 and response["Location"] == reverse("export-list")
        export = _wait_until_finished(Export.objects.get(owner=users["auditor"]), log)
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_written == export.total == ROWS and export.finished_at >= export.started_at
    requested = AuditEvent.objects.get(action="audit.exported", actor=users["auditor"])
    assert requested.data == {"filters": search, "format": "csv"} and requested.target_id == str(export.pk)
    assert OutboxMessage.objects.get(task_name="acquirer.tasks.write_export").sent_at is not None

    (stored,) = _stored_files(media)
    assert b"checkpoint" not in stored.read_bytes() and stored.stat().st_mode & 0o777 == 0o600  # sealed at rest

    page = auditor.get(reverse("export-list")).content.decode()
    download_url = reverse("export-download", kwargs={"pk": export.pk})
    assert f"{ROWS} / {ROWS}" in page and download_url in page
    download = auditor.get(download_url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment; filename=")
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Type"].startswith("text/csv")
    rows = _csv(download)
    assert rows[0][:3] == ["id", "at_utc", "actor"]
    expected = set(AuditEvent.objects.filter(action="audit.checkpoint_written").values_list("id", flat=True))
    assert len(rows) - 1 == ROWS and {int(row[0]) for row in rows[1:]} == expected
    assert AuditEvent.objects.filter(action="export.downloaded", actor=users["auditor"],
                                     target_id=str(export.pk)).count() == 1
    for other in (roles.OPERATIONS_MANAGER, roles.COMPLIANCE_OFFICER, "merchant_a"):
        assert clients[other].get(download_url).status_code == 404
        assert download_url not in clients[other].get(reverse("export-list")).content.decode()
    assert AuditEvent.objects.filter(action="export.downloaded").count() == 1


@pytest.mark.django_db
def test_the_register_export_job_writes_an_excel_safe_workbook(users, clients, settings, tmp_path, merchant_a):
    from openpyxl import load_workbook

    from merchants.models import Merchant

    settings.MEDIA_ROOT = tmp_path / "media"
    Merchant.objects.filter(pk=merchant_a.pk).update(trading_name='=HYPERLINK("x")', uscc="91310000MA1FL0QX3B")
    client = clients[roles.COMPLIANCE_OFFICER]
    client.post(reverse("export-create"), {"kind": "merchants.register", "format": "xlsx"})
    export = Export.objects.get(owner=users[roles.COMPLIANCE_OFFICER])
    assert AuditEvent.objects.filter(action="merchant.register_exported", target_id=str(export.pk)).exists()
    write_export.apply(kwargs={"export_id": export.pk}).get()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.rows_written == Merchant.objects.count()
    download = client.get(reverse("export-download", kwargs={"pk": export.pk}))
    assert download["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["id", "mid", "legal_name"] and len(values) - 1 == Merchant.objects.count()
    row = next(r for r in values[1:] if r[0] == str(merchant_a.pk))
    assert row[values[0].index("trading_name")] == "'=HYPERLINK(\"x\")"
    assert row[values[0].index("uscc")] == "91310000MA1FL0QX3B"


class Failing:
    """An exporter of a test app whose rows fail while ``broken`` is set."""

    broken = True

    def row(self, event):
        if Failing.broken:
            raise RuntimeError("the disk is full")
        return [event.pk]


@pytest.fixture
def failing_app():
    failing = Failing()
    exporter = Exporter(kind="things.failing", title="Failing things", filename="failing",
                        allowed=lambda actor: actor.is_authenticated, header=lambda: ["id"], row=failing.row,
                        queryset=lambda actor, filters: AuditEvent.objects.order_by("id"),
                        audit_action="audit.exported", formats=("csv",))
    registry().add("things", Plugin(exports=[exporter]))
    Failing.broken = True
    try:
        yield failing
    finally:
        registry().remove("things")


@pytest.mark.django_db
def test_a_failing_export_says_why_leaves_no_file_and_a_rerun_starts_over(failing_app, users, clients, settings,
                                                                          tmp_path):
    media = settings.MEDIA_ROOT = tmp_path / "media"
    client = clients[roles.OPERATIONS_MANAGER]
    client.post(reverse("export-create"), {"kind": "things.failing", "format": "csv"})
    export = Export.objects.get(owner=users[roles.OPERATIONS_MANAGER])
    write_export.apply(kwargs={"export_id": export.pk}).get()
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and "the disk is full" in export.error
    assert not export.stored_name and _stored_files(media) == []  # the partial file is gone
    page = client.get(reverse("export-list")).content.decode()
    assert "the disk is full" in page and reverse("export-rerun", kwargs={"pk": export.pk}) in page
    assert client.get(reverse("export-download", kwargs={"pk": export.pk})).status_code == 404

    Failing.broken = False
    assert clients[roles.RISK_ANALYST].post(reverse("export-rerun", kwargs={"pk": export.pk})).status_code == 404
    client.post(reverse("export-rerun", kwargs={"pk": export.pk}))
    export.refresh_from_db()
    assert export.status == Export.Status.QUEUED and export.error == "" and export.rows_written == 0
    write_export.apply(kwargs={"export_id": export.pk}).get()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.rows_written == export.total
    assert len(_stored_files(media)) == 1  # one file, no leftover of the failed run
    rows = _csv(client.get(reverse("export-download", kwargs={"pk": export.pk})))
    assert len(rows) - 1 == export.rows_written
    write_export.apply(kwargs={"export_id": export.pk}).get()  # a second delivery of the task changes nothing
    assert len(_stored_files(media)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "kind"), [("merchant_a", "audit.trail"), (roles.OPERATIONS_MANAGER, "audit.trail"),
                                             ("auditor", "merchants.register"),
                                             (roles.FIELD_ENGINEER, "merchants.register")])
def test_only_those_allowed_may_ask_for_an_export(users, clients, actor, kind):
    response = clients[actor].post(reverse("export-create"), {"kind": kind, "format": "csv"})
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not Export.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_an_invalid_audit_search_exports_nothing(users, clients):
    response = clients["auditor"].post(reverse("export-create"),
                                       {"kind": "audit.trail", "format": "csv", "merchant": "abc"})
    assert response.status_code == 302 and not Export.objects.exists()
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


@pytest.mark.django_db
def test_an_export_whose_worker_stopped_is_marked_failed_and_can_run_again(users):
    from datetime import timedelta

    from django.utils import timezone

    from acquirer.services.exports import export_rerun, exports_fail_abandoned

    auditor = users["auditor"]
    now = timezone.now()
    lost = Export.objects.create(owner=auditor, kind="audit.trail", language="en", status=Export.Status.RUNNING,
                                 started_at=now - timedelta(hours=2), rows_written=4000)
    busy = Export.objects.create(owner=auditor, kind="audit.trail", language="zh-hans",
                                 status=Export.Status.RUNNING, started_at=now - timedelta(minutes=10))
    assert exports_fail_abandoned(now=now) == {"failed": 1}
    assert exports_fail_abandoned(now=now) == {"failed": 0}
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert lost.status == Export.Status.FAILED and "Run it again" in lost.error
    assert busy.status == Export.Status.RUNNING
    event = AuditEvent.objects.get(action="export.abandoned", target_id=str(lost.pk))
    assert event.after == {"status": "failed"} and event.data == {"rows_written": 4000}
    assert export_rerun(actor=auditor, export=lost).status == Export.Status.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_finished_file_is_removed_after_the_keeping_period_and_can_be_written_again(users, clients, settings,
                                                                                    tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from acquirer.services.exports import exports_remove_expired

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACQUIRER_EXPORT_KEEP_DAYS = 7
    client = clients["auditor"]
    client.post(reverse("export-create"), {"kind": "audit.trail", "format": "csv"})
    old = Export.objects.get(owner=users["auditor"])
    write_export.apply(kwargs={"export_id": old.pk}).get()
    client.post(reverse("export-create"), {"kind": "audit.trail", "format": "csv"})
    recent = Export.objects.exclude(pk=old.pk).get(owner=users["auditor"])
    write_export.apply(kwargs={"export_id": recent.pk}).get()
    assert len(_stored_files(settings.MEDIA_ROOT)) == 2
    Export.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))

    assert exports_remove_expired() == {"removed": 1}
    assert exports_remove_expired() == {"removed": 0}  # run again: nothing twice
    old.refresh_from_db()
    assert old.status == Export.Status.EXPIRED and old.stored_name == ""
    assert len(_stored_files(settings.MEDIA_ROOT)) == 1  # the recent file stays
    assert AuditEvent.objects.get(action="export.expired", target_id=str(old.pk)).data == {"days": 7}
    assert client.get(reverse("export-download", kwargs={"pk": old.pk})).status_code in (302, 404)
    page = client.get(reverse("export-list")).content.decode()
    from django.utils import translation

    labels = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            labels.append(str(Export.Status.EXPIRED.label))
    assert any(label in page for label in labels)  # in the reader's language
    assert reverse("export-rerun", kwargs={"pk": old.pk}) in page
    client.post(reverse("export-rerun", kwargs={"pk": old.pk}))
    old.refresh_from_db()
    assert old.status == Export.Status.QUEUED


@pytest.mark.django_db
def test_a_file_cannot_be_downloaded_once_the_right_to_export_is_withdrawn(users, clients, settings, tmp_path,
                                                                          merchant_a):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer = users[roles.COMPLIANCE_OFFICER]
    client = clients[roles.COMPLIANCE_OFFICER]
    client.post(reverse("export-create"), {"kind": "merchants.register", "format": "csv"})
    export = Export.objects.get(owner=officer)
    write_export.apply(kwargs={"export_id": export.pk}).get()
    assert client.get(reverse("export-download", kwargs={"pk": export.pk})).status_code == 200
    officer.groups.clear()
    refused = client.get(reverse("export-download", kwargs={"pk": export.pk}))
    assert refused.status_code in (302, 403, 404)  # NotPermitted answers like a missing file
    assert AuditEvent.objects.filter(action="export.downloaded", target_id=str(export.pk)).count() == 1
