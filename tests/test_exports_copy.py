"""Exports written by PostgreSQL (``COPY``): the cells Python used to write — the formula guard, labels in the
reader's language, local times, masked values, money as plain decimals —, nothing outside the actor's scope, the
search's filters applied, and a large file written by the job in flat memory with its progress."""

import csv
import io
import json
import tracemalloc
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from acquirer import audit, exports, roles
from acquirer.audit_export import AUDIT_TRAIL
from acquirer.forms import AuditSearchForm
from acquirer.models import AuditEvent, Export
from acquirer.registry import Exporter, Plugin, registry
from acquirer.selectors import audit_event_list
from acquirer.tasks import write_export
from merchants.exports import REGISTER
from merchants.models import Merchant
from merchants.selectors.merchants import merchant_register


def _rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _copied(exporter, actor, filters=None) -> list[list[str]]:
    """The CSV as the COPY path writes it (header first)."""
    return _rows(b"".join(block for block, _rows in exports.csv_blocks(exporter, actor, filters or {})))


def _row_of(rows: list[list[str]], pk) -> dict[str, str]:
    header = rows[0]
    (row,) = [row for row in rows[1:] if row[0] == str(pk)]
    return dict(zip(header, row, strict=True))


def _python_register_row(merchant: Merchant) -> list[str]:
    """The register's row as the Python writer made it before the COPY path (the reference)."""
    approved = timezone.localtime(merchant.approved_at).strftime("%Y-%m-%d %H:%M") if merchant.approved_at else ""
    values = [merchant.pk, merchant.mid or "", merchant.legal_name, merchant.trading_name,
              merchant.get_merchant_type_display(), merchant.uscc, merchant.legal_rep_name,
              merchant.legal_rep_id_masked, merchant.mcc, merchant.region_code, merchant.address,
              merchant.get_status_display(), merchant.effective_risk, merchant.currency,
              merchant.expected_monthly_volume, str(merchant.contact_phone or ""), approved,
              merchant.next_inspection_due or ""]
    return [exports.safe_cell(value) for value in values]


FORMULAS = ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx", "=", "-", "'=already guarded", "a=b", " =x", "",
            "＝全角", "中文商户", 'say "hi", then\nleave']


@pytest.mark.django_db
@pytest.mark.parametrize("value", FORMULAS)
def test_the_copy_path_guards_every_cell_exactly_like_safe_cell(users, merchant_a, value):
    Merchant.objects.filter(pk=merchant_a.pk).update(trading_name=value, address=value, uscc=value[:18],
                                                     merchant_type=value[:24])
    row = _row_of(_copied(REGISTER, users[roles.OPERATIONS_MANAGER]), merchant_a.pk)
    assert row["trading_name"] == row["address"] == exports.safe_cell(value)
    assert row["uscc"] == exports.safe_cell(value[:18])
    assert row["type"] == exports.safe_cell(value[:24])  # not a known choice: written as it is, guarded


@pytest.mark.django_db
def test_the_register_copies_the_same_cells_as_the_python_writer(users, merchant_a, merchant_b):
    Merchant.objects.filter(pk=merchant_a.pk).update(
        mid="104310058120001", uscc="91310000MA1FL0QX3B", legal_rep_name="张三",
        legal_rep_id_masked="3101**********1234", mcc="5812", region_code="3101", address="上海市黄浦区南京东路1号",
        status=Merchant.Status.ACTIVE, risk_level="medium", risk_override="high",
        expected_monthly_volume=Decimal("1234567.50"), contact_phone="+8613812345678",
        approved_at=datetime(2026, 3, 31, 17, 5, 59, 999999, tzinfo=UTC), next_inspection_due="2026-09-30",
        merchant_type=Merchant.Type.INDIVIDUAL_BUSINESS)
    Merchant.objects.filter(pk=merchant_b.pk).update(expected_monthly_volume=Decimal("-5"), risk_level="low")
    actor = users[roles.OPERATIONS_MANAGER]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            rows = _copied(REGISTER, actor)
            expected = [_python_register_row(merchant) for merchant in merchant_register(actor=actor)]
        assert rows[0] == ["id", "mid", "legal_name", "trading_name", "type", "uscc", "legal_rep", "legal_rep_id",
                           "mcc", "region", "address", "status", "risk", "currency", "expected_monthly_volume",
                           "contact_phone", "approved_at", "next_inspection_due"]
        assert rows[1:] == expected
    a, b = _row_of(rows, merchant_a.pk), _row_of(rows, merchant_b.pk)
    assert a["approved_at"] == "2026-04-01 01:05"  # Shanghai time, as people read it
    assert a["expected_monthly_volume"] == "1234567.50" and b["expected_monthly_volume"] == "'-5.00"
    assert a["contact_phone"] == "'+8613812345678" and a["risk"] == "high" and b["risk"] == "low"
    assert a["legal_rep_id"] == "3101**********1234" and b["mid"] == "" and b["approved_at"] == ""


@pytest.mark.django_db
def test_json_cells_are_their_json_text_and_a_lone_string_is_guarded(users, merchant_a):
    exporter = Exporter(kind="things.reasons", title="Reasons", filename="reasons", allowed=lambda actor: True,
                        queryset=lambda actor, filters: merchant_register(actor=actor).filter(pk=merchant_a.pk),
                        columns=lambda: [("id", F("id")), ("reasons", exports.json_text("risk_reasons"))],
                        audit_action="audit.exported")
    actor = users[roles.OPERATIONS_MANAGER]
    for value, expected in [({}, ""), ([], ""), ("", ""), (0, ""), (False, ""), ("=cmd()", "'=cmd()"),
                            ("plain", "plain"), (-3, "'-3"), (["large volume", "新商户"], None),
                            ({"score": 80, "why": ["a"]}, None)]:
        Merchant.objects.filter(pk=merchant_a.pk).update(risk_reasons=value)
        cell = _row_of(_copied(exporter, actor), merchant_a.pk)["reasons"]
        if expected is None:
            assert json.loads(cell) == value
        else:
            assert cell == expected, value


@pytest.mark.django_db
def test_labels_are_written_in_the_readers_language_by_the_view_and_by_the_job(users, clients, merchant_a,
                                                                               settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = clients[roles.COMPLIANCE_OFFICER]
    seen = {}
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        response = client.get(reverse("ops:merchant-export"), {"format": "csv"})
        row = _row_of(_rows(b"".join(response.streaming_content)), merchant_a.pk)
        seen[language] = (row["type"], row["status"])
    assert seen == {"zh-hans": ("企业", "草稿"), "en": ("Enterprise", "Draft")}

    client.cookies["django_language"] = "zh-hans"
    client.post(reverse("export-create"), {"kind": "merchants.register", "format": "csv"})
    export = Export.objects.get(owner=users[roles.COMPLIANCE_OFFICER])
    assert export.language == "zh-hans"
    with translation.override("en"):  # the worker's own language does not matter: the export's does
        write_export.apply(kwargs={"export_id": export.pk}).get()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.rows_written == Merchant.objects.count()
    download = client.get(reverse("export-download", kwargs={"pk": export.pk}))
    row = _row_of(_rows(b"".join(download.streaming_content)), merchant_a.pk)
    assert (row["type"], row["status"]) == ("企业", "草稿")


@pytest.fixture
def own_merchant_export():
    """An export a merchant user may ask for: the register's columns through the merchant's scope."""
    exporter = Exporter(kind="things.own_merchant", title="My merchant", filename="my-merchant",
                        allowed=lambda actor: actor.is_authenticated,
                        queryset=lambda actor, filters: merchant_register(actor=actor), columns=REGISTER.columns,
                        audit_action="audit.exported", formats=("csv",))
    registry().add("things", Plugin(exports=[exporter]))
    try:
        yield exporter
    finally:
        registry().remove("things")


@pytest.mark.django_db
def test_another_merchants_rows_are_never_copied(own_merchant_export, users, clients, merchant_a, merchant_b,
                                                 settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for name, merchant in (("merchant_a", merchant_a), ("merchant_b", merchant_b)):
        client = clients[name]
        client.post(reverse("export-create"), {"kind": "things.own_merchant", "format": "csv"})
        export = Export.objects.get(owner=users[name])
        write_export.apply(kwargs={"export_id": export.pk}).get()
        export.refresh_from_db()
        rows = _rows(b"".join(client.get(reverse("export-download", kwargs={"pk": export.pk})).streaming_content))
        assert [row[0] for row in rows[1:]] == [str(merchant.pk)] and export.rows_written == 1
        response = exports.stream_response(exporter=own_merchant_export, actor=users[name], filters={}, fmt="csv")
        assert [row[0] for row in _rows(b"".join(response.streaming_content))[1:]] == [str(merchant.pk)]

    # the audit trail through a merchant's scope: its own events only
    with transaction.atomic():
        audit.record("merchant.register_exported", merchant_id=merchant_b.pk)
    events = _copied(AUDIT_TRAIL, users["merchant_a"])
    assert events[1:] and {row[4] for row in events[1:]} == {str(merchant_a.pk)}
    assert len(events) - 1 == audit_event_list(actor=users["merchant_a"]).count()

    # a scope that matches nothing (an inactive user) writes the header alone
    users["merchant_a"].is_active = False
    assert _copied(own_merchant_export, users["merchant_a"]) == [exports.header(own_merchant_export)]


@pytest.mark.django_db
def test_the_audit_search_filters_reach_the_copy(users, clients, merchant_a, merchant_b):
    awkward = "O'Brien 100%_\\ '); DROP TABLE x; --"
    with transaction.atomic():
        audit.record("audit.checkpoint_written", merchant_id=merchant_a.pk, actor_label=awkward,
                     data={"note": "=HYPERLINK(1)"})
        audit.record("merchant.register_exported", merchant_id=merchant_b.pk, before={"n": 1}, after=[])
    client = clients["auditor"]
    today = timezone.localdate().isoformat()
    for search in ({"action": "checkpoint"}, {"merchant": merchant_b.pk}, {"actor": awkward},
                   {"actor": "100%_"}, {"date_from": today, "date_to": today}, {"date_to": "2000-01-01"},
                   {"target": "nothing-like-this"}, {"action": "exported", "merchant": merchant_a.pk}):
        response = client.get(reverse("audit:event-export"), search)
        assert response.status_code == 200, search
        rows = _rows(b"".join(response.streaming_content))
        expected = audit_event_list(actor=users["auditor"], filters=AuditSearchForm(search).filters())
        assert [int(row[0]) for row in rows[1:]] == list(expected.values_list("id", flat=True)), search
    rows = _copied(AUDIT_TRAIL, users["auditor"], {"actor": awkward})
    (event,) = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert event["actor"] == awkward and json.loads(event["data"]) == {"note": "=HYPERLINK(1)"}
    recorded = AuditEvent.objects.get(pk=event["id"])
    assert event["at_utc"] == recorded.at.isoformat() and event["hash"] == recorded.hash


LARGE = 30_000  # three times the synchronous limit; some hundred blocks of CSV


@pytest.mark.django_db(transaction=True)
def test_a_large_audit_export_is_copied_by_the_job_in_flat_memory_with_progress(users, clients, settings,
                                                                                tmp_path, monkeypatch):
    from acquirer.services import exports as export_services

    settings.MEDIA_ROOT = tmp_path / "media"
    with transaction.atomic():
        audit.record_many([{"action": "audit.checkpoint_written", "data": {"n": n, "why": "x" * 150}}
                           for n in range(LARGE)])
    auditor = clients["auditor"]
    search = {"action": "audit.checkpoint_written"}
    assert auditor.get(reverse("audit:event-export"), search).status_code == 302  # too large for the request
    auditor.post(reverse("export-create"), {"kind": "audit.trail", "format": "csv", **search})
    export = Export.objects.get(owner=users["auditor"])

    monkeypatch.setattr(exports, "PROGRESS_SECONDS", 0)  # report after every block
    progress_seen = []  # rows_written as another connection reads it while the copy runs
    reporter = export_services._progress_reporter

    @contextmanager
    def watched(export_id):
        observer = connections.create_connection("default")
        try:
            with reporter(export_id) as progress:
                def report(rows):
                    progress(rows)
                    with observer.cursor() as cursor:
                        cursor.execute("SELECT rows_written FROM acquirer_export WHERE id = %s", [export_id])
                        progress_seen.append((rows, cursor.fetchone()[0]))

                yield report
        finally:
            observer.close()

    monkeypatch.setattr(export_services, "_progress_reporter", watched)
    tracemalloc.start()
    try:
        write_export.apply(kwargs={"export_id": export.pk}).get()  # as a worker runs it
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_written == export.total == LARGE

    assert len(progress_seen) > 10 and all(rows == stored for rows, stored in progress_seen)
    counts = [rows for rows, _stored in progress_seen]
    assert counts == sorted(counts) and 0 < counts[0] < LARGE

    body = b"".join(auditor.get(reverse("export-download", kwargs={"pk": export.pk})).streaming_content)
    rows = _rows(body)
    assert len(rows) - 1 == LARGE and rows[0] == exports.header(AUDIT_TRAIL)
    expected = AuditEvent.objects.filter(action="audit.checkpoint_written").order_by("-id")
    assert [int(row[0]) for row in rows[1:]] == list(expected.values_list("id", flat=True))
    assert len(body) > 6_000_000 and peak < 2_000_000  # the file never sat in memory, only a block or so of it
