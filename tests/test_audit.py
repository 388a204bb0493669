"""The audit trail: append-only in PostgreSQL, hash-chained, searchable and exportable by auditors."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from acquirer import audit
from acquirer.models import AuditEvent
from tests.factories import make_merchant


@pytest.fixture
def events(db):
    merchant = make_merchant("Chain Test Ltd")
    audit.record("merchant.application_updated", target=merchant, data={"note": "looks fine"})
    return list(AuditEvent.objects.order_by("id"))


def test_postgres_refuses_update_of_an_audit_event(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(action="tampered")


def test_postgres_refuses_delete_of_an_audit_event(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM acquirer_auditevent WHERE id = %s", [events[0].pk])


def test_each_event_is_chained_to_the_previous_one(events):
    assert events[0].prev_hash == audit.GENESIS or events[0].prev_hash
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert audit.verify_chain().ok


def test_audit_verify_reports_a_row_altered_behind_the_applications_back(events, capsys):
    call_command("audit_verify")
    assert "OK" in capsys.readouterr().out
    victim = events[-1]
    with connection.cursor() as cursor:
        # someone with superuser SQL access bypasses the trigger
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE acquirer_auditevent SET data = '{\"note\": \"forged\"}' WHERE id = %s", [victim.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    with pytest.raises(CommandError, match=f"event id {victim.pk}"):
        call_command("audit_verify")


def test_audit_verify_reports_a_deleted_row(events):
    first = events[0]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM acquirer_auditevent WHERE id = %s", [first.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    report = audit.verify_chain()
    assert not report.ok and report.broken_id == events[1].pk


def test_event_records_who_when_what_and_from_where(db, users):
    token = audit.set_origin(audit.Origin(ip="192.0.2.7", source="web"))
    try:
        event = audit.record("merchant.application_updated", actor=users["merchant_a"],
                             target=users["merchant_a"].merchant_membership.merchant, before={"a": 1}, after={"a": 2})
    finally:
        audit.reset_origin(token)
    event.refresh_from_db()
    assert event.actor_label == "merchanta" and event.role == "merchant_owner"
    assert event.merchant_id == users["merchant_a"].merchant_id
    assert event.ip == "192.0.2.7" and event.before == {"a": 1} and event.after == {"a": 2}
    assert event.at.utcoffset().total_seconds() == 0


def test_auditor_searches_the_whole_log(clients, users):
    client = clients["auditor"]
    response = client.get(reverse("audit:event-list"), {"action": "user.created", "target": "merchanta"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "merchanta" in body and "onboardingreviewer" not in body


def test_bad_search_input_is_explained_and_shows_nothing_wrong(clients):
    response = clients["auditor"].get(reverse("audit:event-list"), {"date_from": "2026-02-30", "ip": "999.1.1.1"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "date_from" in form.errors and "ip" in form.errors


def test_export_is_a_csv_and_is_itself_audited(clients, users):
    response = clients["auditor"].get(reverse("audit:event-export"), {"action": "user.created"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "at_utc", "actor"]
    assert len(rows) - 1 == AuditEvent.objects.filter(action__icontains="user.created").count()
    recorded = {event.pk: event for event in AuditEvent.objects.filter(action__icontains="user.created")}
    for row in rows[1:]:  # the raw record: the time in UTC (ISO 8601), the values as JSON
        cells, event = dict(zip(rows[0], row, strict=True)), recorded[int(row[0])]
        assert cells["at_utc"] == event.at.isoformat() and json.loads(cells["after"]) == event.after
    export = AuditEvent.objects.get(action="audit.exported")
    assert export.actor == users["auditor"] and export.data["filters"] == {"action": "user.created"}


def test_export_neutralises_spreadsheet_formulas(clients):
    from acquirer.exports import safe_cell

    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("plain") == "plain"


def test_staff_see_an_objects_history_on_its_page(clients, merchant_a):
    from acquirer import roles

    clients[roles.ONBOARDING_REVIEWER].cookies["django_language"] = "en"
    response = clients[roles.ONBOARDING_REVIEWER].get(reverse("ops:merchant-detail", kwargs={"pk": merchant_a.pk}))
    assert "created the application of" in response.content.decode()


def test_merchant_sees_only_its_own_merchants_events(db, users, merchant_a, merchant_b):
    from acquirer.selectors import audit_event_list

    visible = audit_event_list(actor=users["merchant_a"])
    assert visible.exists()
    assert set(visible.values_list("merchant_id", flat=True)) == {merchant_a.pk}


def test_record_many_chains_a_batch_in_order_and_refuses_uncatalogued_actions(db):
    from django.db import transaction

    from acquirer.models import AuditEvent

    with transaction.atomic():
        audit.record("audit.checkpoint_written", data={"n": 0})
        events = audit.record_many([{"action": "audit.checkpoint_written", "data": {"n": n}} for n in range(1, 2501)])
    assert [e.data["n"] for e in AuditEvent.objects.order_by("-id")[:2500]][::-1] == list(range(1, 2501))
    assert len(events) == 2500
    assert audit.verify_chain().ok
    with pytest.raises(ValueError), transaction.atomic():
        audit.record_many([{"action": "no.such_action"}])
    assert audit.record_many([]) == []


def test_record_many_writes_each_value_as_record_would_and_chains_it(db, users, merchant_a):
    """The batch path writes its canonical text and COPY rows by hand: text needing escapes in COPY (tabs, new
    lines, backslashes, Chinese), values JSON does not know (Decimal, date), keys that are not strings, an actor
    from a request and no actor all read back as written and verify."""
    from datetime import date
    from decimal import Decimal

    from acquirer import roles

    odd = "tab\there\nnew line\r\\back\\slash 上海江畔咖啡 \"quoted\""
    entries = [
        {"action": "merchant.application_updated", "target": merchant_a, "actor": users[roles.OPERATIONS_MANAGER],
         "before": {"note": odd}, "after": {"amount": Decimal("31.00"), "day": date(2025, 1, 10)},
         "data": {"nested": {"b": [1, 2, {"c": None}], "a": True}, 10: "ten", 2: "two"}},
        {"action": "rent.charged", "target": audit.Ref("terminals.rentcharge", 7, odd, merchant_a.pk),
         "data": {"terminal": 1}},
        {"action": "audit.checkpoint_written", "actor_label": odd},
        {"action": "merchant.application_updated", "target": merchant_a, "actor": users["merchant_a"]},
    ]
    token = audit.set_origin(audit.Origin(ip="2001:db8::0:1", source="web"))
    try:
        with transaction.atomic():
            audit.record("audit.checkpoint_written", data={"n": 0})
            rows = audit.record_many(entries)
            single = [audit._build(**entry) for entry in entries]  # what record() would write for each
    finally:
        audit.reset_origin(token)
    stored = list(AuditEvent.objects.order_by("-id")[:4])[::-1]
    fields = ("actor_id", "actor_label", "role", "merchant_id", "action", "target_type", "target_id", "target_repr",
              "before", "after", "data", "ip", "source")
    for row, event, expected in zip(rows, stored, single, strict=True):
        assert f"{row.head}{row.prev_hash}{row.tail}".encode() == audit.canonical(row) == audit.canonical(event)
        assert event.hash == row.hash and event.at == row.at
        assert {f: getattr(event, f) for f in fields} == {f: getattr(expected, f) for f in fields}
    assert stored[0].data["nested"] == {"a": True, "b": [1, 2, {"c": None}]} and stored[0].data["10"] == "ten"
    assert stored[1].target_repr == odd and stored[2].actor_label == odd and stored[0].before == {"note": odd}
    assert stored[0].ip == "2001:db8::1" and stored[0].source == "web" and stored[3].merchant_id == merchant_a.pk
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_a_target_search_is_a_name_a_kind_or_one_object_each_on_its_index(users):
    from acquirer import audit
    from acquirer.selectors import audit_event_list

    auditor = users["auditor"]
    earlier = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with transaction.atomic():
        audit.record_many([
            {"action": "rent.charged", "target": audit.Ref("terminals.rentcharge", 7, "SN-ALPHA 2026-11", None)},
            {"action": "rent.charged", "target": audit.Ref("terminals.rentcharge", 8, "SN-BETA 2026-11", None)},
            {"action": "merchant.application_updated", "target": audit.Ref("merchants.merchant", 7, "Alpha Ltd",
                                                                          None)},
        ])

    def found(term):
        # only this test's events: tests on a transactional database leave theirs in the append-only trail
        events = audit_event_list(actor=auditor, filters={"target": term}).filter(id__gt=earlier)
        return sorted(e.target_repr for e in events)

    assert found("alpha") == ["Alpha Ltd", "SN-ALPHA 2026-11"]  # part of the name, any case
    assert found("terminals.rentcharge") == ["SN-ALPHA 2026-11", "SN-BETA 2026-11"]
    assert found("terminals.rentcharge:7") == ["SN-ALPHA 2026-11"]
    assert found("7") == []  # a bare id names nothing: it would be every kind of object with that id


@pytest.mark.django_db
def test_an_action_search_matches_codes_and_sentences_in_the_readers_language(users):
    from django.utils import translation

    from acquirer import audit
    from acquirer.selectors import audit_event_list

    earlier = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with transaction.atomic():
        audit.record("audit.checkpoint_written", data={"n": 1})
        audit.record("user.created", target=users["auditor"])

    def found(term, language="en"):
        with translation.override(language):
            events = audit_event_list(actor=users["auditor"], filters={"action": term}).filter(id__gt=earlier)
            return sorted(event.action for event in events)

    assert found("checkpoint") == ["audit.checkpoint_written"]  # part of the code
    assert found("user.") == ["user.created"]  # the start of a code
    assert found("created the account") == ["user.created"]  # the sentence people read
    assert found("创建了账户", "zh-hans") == ["user.created"]
    assert found("created the account", "zh-hans") == []
    assert found("nothing like this") == []
