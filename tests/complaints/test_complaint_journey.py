"""Issue #14's first "Done when", as a new user would do it, through the pages and in Chinese: a merchant files a
complaint in the portal and is shown a matching help article; customer service acknowledges it, asks for
information (the clock pauses), gets the answer (the clock runs again, its due time later by the pause), resolves
it; the merchant rates the resolution, and the report counts it. The clock arithmetic itself, with fixed times
across a weekend, a public holiday, a pause and a make-up working day, is ``test_complaint_sla.py``."""

import pytest
from django.urls import reverse

from acquirer import roles
from complaints.models import Category, Complaint, ComplaintPause, RootCause
from complaints.services.help import article_create

pytestmark = pytest.mark.django_db
CS = roles.CUSTOMER_SERVICE
S = Complaint.Status


def _ops(client, action, complaint, data=None):
    response = client.post(reverse(f"ops:complaint-{action}", kwargs={"pk": complaint.pk}), data or {})
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint.refresh_from_db()
    return complaint


def test_a_complaint_from_the_portal_to_the_rating(clients, users):
    article = article_create(actor=users[CS], slug="printer-paper", topic="troubleshooting",
                             title_zh="终端打印不出小票怎么办", title_en="The terminal prints no receipt",
                             body_zh="先检查打印纸是否装反。", body_en="Check the paper roll first.", published=True)
    category = Category.objects.get(code="terminal")
    merchant, staff = clients["merchant_a"], clients[CS]

    # the merchant files; the first step suggests the article
    form = {"category": category.pk, "subject": "终端打印不出小票",
            "description": "今天上午开始终端打印不出小票，顾客要求小票。"}
    first = merchant.post(reverse("portal:complaint-create"), form)
    assert first.status_code == 200
    assert reverse("portal:help-article", kwargs={"slug": article.slug}) in first.content.decode()
    assert not Complaint.objects.exists()  # nothing filed before the merchant confirms
    sent = merchant.post(reverse("portal:complaint-create"), {**form, "confirm": "True"})
    complaint = Complaint.objects.get()
    assert sent["Location"] == reverse("portal:complaint-detail", kwargs={"pk": complaint.pk})
    assert complaint.channel == "portal" and complaint.merchant_id == users["merchant_a"].merchant_id

    # customer service acknowledges and asks for information: the resolution clock pauses
    _ops(staff, "acknowledge", complaint, {"message": "我们已收到您的投诉。"})
    assert complaint.status == S.ACKNOWLEDGED and complaint.first_response_at is not None
    due_before = complaint.resolution_due
    _ops(staff, "request-info", complaint, {"message": "请告知终端序列号。"})
    assert complaint.status == S.WAITING and complaint.paused
    queue = staff.get(reverse("ops:complaint-list"), {"sla": "paused"}).content.decode()
    assert complaint.number in queue
    portal_page = merchant.get(reverse("portal:complaint-detail", kwargs={"pk": complaint.pk})).content.decode()
    assert "请告知终端序列号。" in portal_page

    # the merchant answers: the clock runs again, due later by the paused working time (never earlier)
    merchant.post(reverse("portal:complaint-reply", kwargs={"pk": complaint.pk}), {"body": "序列号是 SN123456。"})
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING and not complaint.paused
    pause = ComplaintPause.objects.get(complaint=complaint)
    assert pause.ended_at is not None and complaint.resolution_due >= due_before

    # resolved, then rated by the merchant
    root_cause = RootCause.objects.get(code="device")
    _ops(staff, "resolve", complaint, {"root_cause": root_cause.pk, "remedy": "repair",
                                       "summary": "工程师已更换打印模块。"})
    assert complaint.status == S.RESOLVED
    merchant.post(reverse("portal:complaint-rate", kwargs={"pk": complaint.pk}), {"rating": "5", "comment": "很快"})
    complaint.refresh_from_db()
    assert complaint.rating == 5 and complaint.rated_at is not None

    # the resolution and the rating reach the report
    lead = clients[roles.CUSTOMER_SERVICE_LEAD]
    report = lead.get(reverse("ops:complaint-reports"))
    assert report.status_code == 200
    summary = report.context["report"].summary
    assert (summary["received"], summary["resolved"], summary["rating_count"], summary["rating_5"]) == (1, 1, 1, 1)
