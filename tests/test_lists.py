"""The list toolkit: keyset pages walk a list forwards and backwards without gaps or repeats, on ties of the
first sort column too, and counts stop at their limit."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from acquirer.lists import PAGE_SIZE, bounded_count, keyset_page
from acquirer.models import User
from tests.factories import make_user

ORDER = ("-date_joined", "-id")


@pytest.fixture
def people(db):
    start = timezone.now()
    made = []
    for n in range(23):
        user = make_user()
        # three people share each sign-up time, so the id breaks the ties
        User.objects.filter(pk=user.pk).update(date_joined=start - timedelta(minutes=n // 3))
        made.append(user.pk)
    return User.objects.filter(pk__in=made)


def _walk_forward(queryset, size):
    pages, cursor = [], None
    while True:
        page = keyset_page(queryset, ORDER, after=cursor, size=size)
        pages.append([row.pk for row in page])
        if not page.has_next:
            return pages, page
        cursor = page.next_cursor


def test_forward_walk_sees_every_row_once_in_order(people):
    expected = list(people.order_by(*ORDER).values_list("pk", flat=True))
    pages, last = _walk_forward(people, 5)
    assert [pk for page in pages for pk in page] == expected
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert last.has_previous and not last.has_next


def test_backward_walk_returns_the_same_pages(people):
    pages, last = _walk_forward(people, 5)
    page, back = last, []
    while page.has_previous:
        page = keyset_page(people, ORDER, before=page.previous_cursor, size=5)
        back.append([row.pk for row in page])
    assert back == list(reversed(pages[:-1]))
    assert not page.has_previous and page.has_next


def test_ascending_order_and_first_page(people):
    page = keyset_page(people, ("id",), size=10)
    assert [row.pk for row in page] == sorted(people.values_list("pk", flat=True))[:10]
    assert not page.has_previous and page.has_next
    following = keyset_page(people, ("id",), after=page.next_cursor, size=10)
    assert following.object_list[0].pk > page.object_list[-1].pk


@pytest.mark.parametrize("cursor", ["", "not base64 !", "W10", "WzEsMl0", "WyJ4IiwiMSJd", "eyJhIjoxfQ",
                                    "W1t7ImR0IjoieCJ9LDFdXQ"])
def test_unreadable_cursor_starts_at_the_first_page(people, cursor):
    first = keyset_page(people, ORDER, size=5)
    page = keyset_page(people, ORDER, after=cursor, size=5)
    assert [row.pk for row in page] == [row.pk for row in first]


def test_mixed_directions_are_refused(people):
    with pytest.raises(ValueError):
        keyset_page(people, ("-date_joined", "id"))


def test_a_deep_page_is_one_query_with_a_row_comparison_and_no_offset(people):
    pages, last = _walk_forward(people, 5)
    with CaptureQueriesContext(connection) as queries:
        keyset_page(people, ORDER, after=last.previous_cursor, size=5)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "ROW(" in sql and "OFFSET" not in sql


def test_bounded_count(people):
    assert bounded_count(people, limit=100) == bounded_count(people, limit=23)
    assert bounded_count(people, limit=100).exact and bounded_count(people, limit=100).value == 23
    capped = bounded_count(people, limit=10)
    assert capped.value == 10 and not capped.exact


def _event_at(local: str):
    from datetime import datetime

    from acquirer import audit

    with time_machine.travel(timezone.make_aware(datetime.fromisoformat(local)), tick=False), transaction.atomic():
        return audit.record("audit.checkpoint_written", data={"n": 1}).pk


def test_audit_dates_are_whole_local_days_and_the_list_pages_by_cursor(clients):
    from acquirer.models import AuditEvent

    late = _event_at("2026-10-01T23:30:00")  # 15:30 UTC, still 1 October in Shanghai
    early = _event_at("2026-10-02T00:10:00")
    auditor = clients["auditor"]
    on_first = auditor.get(reverse("audit:event-list"), {"date_from": "2026-10-01", "date_to": "2026-10-01"})
    assert [e.pk for e in on_first.context["events"]] == [late]
    on_second = auditor.get(reverse("audit:event-list"), {"date_from": "2026-10-02", "date_to": "2026-10-02"})
    assert [e.pk for e in on_second.context["events"]] == [early]

    from acquirer import audit

    with transaction.atomic():
        for n in range(60):
            audit.record("audit.checkpoint_written", data={"n": n})
    newest = list(AuditEvent.objects.order_by("-id").values_list("pk", flat=True)[:100])
    first = auditor.get(reverse("audit:event-list"))
    page = first.context["page"]
    assert [e.pk for e in page] == newest[:PAGE_SIZE] and page.has_next and not page.has_previous
    second = auditor.get(reverse("audit:event-list"), {"after": page.next_cursor})
    assert [e.pk for e in second.context["events"]] == newest[PAGE_SIZE:2 * PAGE_SIZE]
    assert f"before={second.context['page'].previous_cursor}" in second.content.decode()


def test_last_page_reads_the_list_from_its_end(people):
    pages, last = _walk_forward(people, 5)
    page = keyset_page(people, ORDER, before="last", size=5)
    assert [row.pk for row in page] == [row.pk for row in people.order_by(*ORDER)][-5:]
    assert page.has_previous and not page.has_next
    back = keyset_page(people, ORDER, before=page.previous_cursor, size=5)
    assert [row.pk for row in back] == [row.pk for row in people.order_by(*ORDER)][-10:-5]


def test_user_and_notification_lists_page_by_cursor(clients):
    from acquirer import roles
    from acquirer.models import Notification

    for _ in range(2 * PAGE_SIZE + 5):
        make_user()
    manager = clients[roles.OPERATIONS_MANAGER]
    first = manager.get(reverse("ops:user-list"))
    page = first.context["page"]
    assert len(page) == PAGE_SIZE and page.has_next
    seen = [u.pk for u in page]
    while page.has_next:
        page = manager.get(reverse("ops:user-list"), {"after": page.next_cursor}).context["page"]
        seen += [u.pk for u in page]
    assert len(seen) == len(set(seen)) == User.objects.count()

    auditor = User.objects.get(username="auditor1")
    Notification.objects.bulk_create([Notification(recipient=auditor, kind="test", title=f"n{n}") for n in range(30)])
    listed = clients["auditor"].get(reverse("notifications"))
    assert len(listed.context["page"]) == 25 and listed.context["page"].has_next
    rest = clients["auditor"].get(reverse("notifications"), {"after": listed.context["page"].next_cursor})
    assert len(rest.context["page"]) == 5


def test_choice_labels_follow_the_readers_language(db):
    from django.utils import translation

    from acquirer.templatetags.choices import choice_label

    user = make_user()
    with translation.override("en"):
        assert choice_label(user, "kind") == "Operations staff" == user.get_kind_display()
    with translation.override("zh-hans"):
        assert choice_label(user, "kind") == user.get_kind_display() != "Operations staff"


def test_shown_rows_read_only_their_columns_and_join_only_what_they_show(db):
    from acquirer.lists import shown
    from terminals.models import Ticket

    rows = shown(Ticket.objects.select_related("terminal__model", "assignee"),
                 ("number", "merchant__legal_name", "terminal__serial_number"))
    sql = str(rows.query)
    assert "merchants_merchant" in sql and "terminals_terminal" in sql
    assert "terminals_terminalmodel" not in sql and "acquirer_user" not in sql  # joins nobody reads are dropped
    assert '"terminals_ticket"."description"' not in sql and '"merchants_merchant"."address"' not in sql


def test_linked_rows_get_their_own_page_address(people):
    from acquirer.lists import link_rows

    rows = link_rows(list(people.order_by("pk")), "ops:user-detail")
    assert [row.detail_url for row in rows] == [reverse("ops:user-detail", args=[row.pk]) for row in rows]


def test_stamps_read_like_the_date_filter_in_local_time(settings):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from django.template import Context, Template

    from acquirer.templatetags.stamps import stamp

    def date_filter(value, fmt):
        return Template('{{ value|date:fmt }}').render(Context({"value": value, "fmt": fmt}))

    moment = datetime(2026, 11, 30, 17, 5, 9, tzinfo=ZoneInfo("UTC"))  # 01:05 the next day in Shanghai
    assert stamp(moment) == date_filter(moment, "Y-m-d H:i") == "2026-12-01 01:05"
    assert stamp(moment, "second") == date_filter(moment, "Y-m-d H:i:s")
    assert stamp(moment, "day") == date_filter(moment, "Y-m-d") == "2026-12-01"
    assert stamp(date(2026, 2, 3), "day") == stamp(date(2026, 2, 3)) == "2026-02-03"
    assert stamp(None) == "" == date_filter(None, "Y-m-d")


def test_bounded_counts_are_the_single_counts_in_one_statement(people):
    from acquirer.lists import bounded_counts

    first_ten = people.order_by("pk")[:10].values_list("pk", flat=True)
    querysets = {"all": people, "few": people.filter(pk__in=list(first_ten)), "none": people.none().filter(pk=0)}
    with CaptureQueriesContext(connection) as queries:
        counts = bounded_counts(querysets, limit=15)
    assert len(queries.captured_queries) == 1
    assert counts == {key: bounded_count(queryset, limit=15) for key, queryset in querysets.items()}
    assert (counts["all"].value, counts["all"].exact) == (15, False)
    assert (counts["few"].value, counts["none"].value) == (10, 0)


def test_a_page_with_shown_fields_reads_its_cursor_without_another_query(people):
    with CaptureQueriesContext(connection) as queries:
        page = keyset_page(people, ORDER, size=5, fields=("username",))
    assert len(queries.captured_queries) == 1 and page.has_next
    assert keyset_page(people, ORDER, after=page.next_cursor, size=5).object_list[0].pk not in {
        row.pk for row in page}


class _Filters(__import__("django").forms.Form):
    from django import forms

    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any"), ("open", "Open <now>")])
    q = forms.CharField(label="Search", required=False, max_length=40, help_text="Number or name",
                        widget=forms.SearchInput)
    day = forms.DateField(label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _filter_html(data, **kwargs):
    from acquirer.templatetags.filter_fields import filter_field

    form = _Filters(data)
    form.is_valid()
    return {field.name: str(filter_field(field, **kwargs)) for field in form}


def test_filter_fields_render_label_control_help_and_errors():
    html = _filter_html({"status": "open", "q": '"><script>', "day": "not a day"}, small=True)
    assert '<label class="form-label small mb-0" for="id_status">Status</label>' in html["status"]
    assert '<option value="open" selected>Open &lt;now&gt;</option>' in html["status"]
    assert '<option value="">Any</option>' in html["status"]
    assert 'type="search"' in html["q"] and 'maxlength="40"' in html["q"] and "form-control-sm" in html["q"]
    assert 'value="&quot;&gt;&lt;script&gt;"' in html["q"] and "<script>" not in html["q"]
    assert 'aria-describedby="id_q_helptext"' in html["q"] and ">Number or name</div>" in html["q"]
    assert 'type="date"' in html["day"] and 'value="not a day"' in html["day"]  # what was typed stays
    assert "is-invalid" in html["day"] and 'aria-invalid="true"' in html["day"] and "invalid-feedback" in html["day"]
    blank = _filter_html({})
    assert '<option value="" selected>Any</option>' in blank["status"]
    assert 'value=""' in blank["q"] and "form-control-sm" not in blank["q"]


def test_a_dated_audit_search_reads_the_trail_in_time_order(db):
    from datetime import date

    from acquirer.selectors import audit_event_list, audit_event_order

    auditor = make_user(kind=User.Kind.AUDITOR)
    assert audit_event_order({}) == ("-id",)
    dated = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 2)}
    assert audit_event_order(dated) == ("-at", "-id")
    page = keyset_page(audit_event_list(actor=auditor, filters=dated), audit_event_order(dated))
    assert page.object_list == []
    sql = str(audit_event_list(actor=auditor, filters=dated).query)
    assert sql.endswith('ORDER BY "acquirer_auditevent"."at" DESC, "acquirer_auditevent"."id" DESC')
