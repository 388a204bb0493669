"""Reconciliation pages: start a run, read it, work a break through its buttons (four eyes included), the trend
page with its chart and table; auditors read only."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from acquirer import roles
from tests.factories import make_user
from tests.transactions.factories import live_merchant_with_terminal, make_transaction
from tests.transactions.recon_factories import make_clearing, make_ingest_file
from transactions.models import ReconException, ReconRun

DAY = date.today() - timedelta(days=1)


@pytest.fixture
def breaks(merchant_a, users):
    merchant, terminal = live_merchant_with_terminal(merchant_a, users[roles.OPERATIONS_MANAGER])
    file = make_ingest_file(business_date=DAY)
    make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="VIEW00000001", amount_minor=250000)
    row = make_transaction(merchant=merchant, terminal=terminal, local_date=DAY, rrn="VIEW00000002")
    make_clearing(ingest_file=file, row=row)
    return merchant


@pytest.mark.django_db
def test_a_manager_starts_a_run_and_reads_its_totals(clients, breaks):
    client = clients[roles.OPERATIONS_MANAGER]
    page = client.get(reverse("ops:recon-run-list")).content.decode()
    assert 'id="recon-start-form"' in page
    response = client.post(reverse("ops:recon-run-start"), {"business_date": DAY.isoformat(), "side": "clearing"})
    run = ReconRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ops:recon-run-detail", args=[run.pk])
    assert run.status == "queued" and run.started_by.username == "operationsmanager"
    from transactions.services.recon import recon_chunk_run

    for number in range(run.chunks):
        recon_chunk_run(run_id=run.pk, number=number)
    detail = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in detail and breaks.legal_name in detail and "2,500.00" in detail
    listing = client.get(reverse("ops:recon-run-list")).content.decode()
    assert f"#{run.pk}" in listing
    # a reader of runs may not start one
    reader = clients[roles.COMPLIANCE_OFFICER]
    assert 'id="recon-start-form"' not in reader.get(reverse("ops:recon-run-list")).content.decode()
    assert reader.post(reverse("ops:recon-run-start"), {"business_date": DAY.isoformat(),
                                                        "side": "both"}).status_code == 403


@pytest.mark.django_db
def test_a_break_is_worked_through_its_buttons_with_a_second_approver(clients, users, breaks):
    from transactions.services.recon import recon_start

    recon_start(side="clearing", business_date=DAY, chunks=2, wait=True)
    exception = ReconException.objects.get()
    assert exception.category == "missing_theirs" and exception.difference_minor == 250000
    url = reverse("ops:recon-exception-detail", args=[exception.pk])
    manager = clients[roles.OPERATIONS_MANAGER]
    queue = manager.get(reverse("ops:recon-exception-list")).content.decode()
    assert f"recon-exception-{exception.pk}" in queue and 'data-days="0"' in queue
    page = manager.get(url).content.decode()
    assert 'id="recon-take-form"' in page and 'id="recon-approve-form"' not in page
    manager.post(reverse("ops:recon-exception-take", args=[exception.pk]))
    page = manager.get(url).content.decode()
    assert 'id="recon-propose-form"' in page and "four eyes" in page
    manager.post(reverse("ops:recon-exception-propose", args=[exception.pk]),
                 {"resolution": "adjustment", "amount": "-2500.00", "note": "terminal sent it twice"})
    exception.refresh_from_db()
    assert exception.status == "proposed" and exception.resolution_minor == -250000
    # the proposer sees no approval button, and posting anyway is refused
    assert 'id="recon-approve-form"' not in manager.get(url).content.decode()
    manager.post(reverse("ops:recon-exception-approve", args=[exception.pk]))
    exception.refresh_from_db()
    assert exception.status == "proposed"
    second = make_user(username="approver2", roles=[roles.OPERATIONS_MANAGER])
    from django.test import Client

    other = Client()
    other.force_login(second)
    assert 'id="recon-approve-form"' in other.get(url).content.decode()
    response = other.post(reverse("ops:recon-exception-approve", args=[exception.pk]))
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.status == "resolved" and exception.approved_by == second
    audit_page = clients["auditor"].get(reverse("audit:recon-exception-detail", args=[exception.pk]))
    assert audit_page.status_code == 200 and "terminal sent it twice" in audit_page.content.decode()
    assert 'id="recon-take-form"' not in audit_page.content.decode()


@pytest.mark.django_db
def test_the_trend_page_draws_the_chart_and_gives_its_numbers_in_a_table(clients, breaks):
    from transactions.services.recon import recon_start

    recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    page = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:recon-breaks")).content.decode()
    assert "<svg" in page and 'id="recon-trend-table"' in page and "cdn" not in page.lower()
    assert page.count('class="recon-bar"') == 30
    assert f'data-day="{DAY:%Y-%m-%d}" data-total="1" data-open="1"' in page
    assert "VIEW00000001" in page  # found today, still open


@pytest.mark.django_db
def test_merchants_reach_no_reconciliation_page(clients, breaks):
    from transactions.services.recon import recon_start

    recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    exception = ReconException.objects.get()
    for name in ("merchant_a", "merchant_b"):
        assert clients[name].get(reverse("ops:recon-exception-detail", args=[exception.pk])).status_code == 403
        assert clients[name].get(reverse("audit:recon-exception-detail", args=[exception.pk])).status_code == 403
    from django.http import Http404

    from acquirer.models import User
    from transactions.selectors.recon import recon_exception_get, recon_exception_list

    merchant_b = User.objects.get(username="merchantb")
    assert not recon_exception_list(actor=merchant_b).exists()
    with pytest.raises(Http404):  # another merchant's break: exactly like a missing one
        recon_exception_get(actor=merchant_b, pk=exception.pk)


@pytest.mark.django_db
def test_an_auditor_exports_the_breaks_of_a_filter_as_csv_and_nobody_else_may(clients, breaks):
    from acquirer.models import AuditEvent
    from transactions.services.recon import recon_start

    recon_start(side="clearing", business_date=DAY, chunks=1, wait=True)
    url = reverse("audit:recon-exception-export")
    assert 'id="export-csv"' in clients["auditor"].get(reverse("audit:recon-exception-list")).content.decode()
    response = clients["auditor"].get(url, {"status": "unresolved", "category": "missing_theirs"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = [line for line in text.splitlines() if line]
    assert header.startswith("id,run,business_date,found,category,status")
    assert len(rows) == 1 and "VIEW00000001" in rows[0] and "Missing on their side" in rows[0]
    assert "2500.00" in rows[0] and "Open" in rows[0]
    event = AuditEvent.objects.get(action="recon_breaks.exported")
    assert event.data["filters"] == {"status": "unresolved", "category": "missing_theirs"}
    # a filter that matches nothing exports the header only; a bad filter exports nothing and goes back
    empty = clients["auditor"].get(url, {"category": "duplicate"})
    assert len([line for line in b"".join(empty.streaming_content).decode().splitlines() if line]) == 1
    assert clients["auditor"].get(url, {"merchant": "-3"}).status_code == 302
    assert clients["auditor"].post(url).status_code == 405
    assert clients[roles.OPERATIONS_MANAGER].get(url).status_code == 403
    assert clients["merchant_a"].get(url).status_code in (403, 404)
