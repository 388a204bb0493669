"""SLA clocks in working hours with fixed times (no clock is mocked: times are passed in): weekends, a public holiday
with its make-up working day, a pause while waiting on the complainant, the regulator's deadline, which policy
applies, and how the clocks read."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import translation

from acquirer.calendar import add_working_hours, is_working_day
from complaints.models import Complaint, ComplaintPause, SlaPolicy
from complaints.services import sla
from tests.complaints.factories import hotline_complaint

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CST)


def _pause(complaint: Complaint, start: datetime, end: datetime) -> Complaint:
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        locked.save(update_fields=sla.pause_open(locked, start))
    with transaction.atomic():
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        locked.save(update_fields=sla.pause_close(locked, end))
    return locked


def test_a_complaint_received_friday_at_17_with_8_working_hours_is_due_monday_at_16(service):
    complaint = hotline_complaint(service, received_at=at(2025, 11, 14, 17))  # the default policy: 8 h, 45 h
    assert complaint.first_response_due == at(2025, 11, 17, 16)


def test_the_clock_skips_national_day_counts_the_make_up_saturday_and_stands_still_while_paused(service, categories):
    SlaPolicy.objects.create(category=categories["other"], first_response_hours=4, resolution_hours=16)
    assert not is_working_day(at(2025, 10, 8).date()) and is_working_day(at(2025, 10, 11).date())  # make-up day
    complaint = hotline_complaint(service, category=categories["other"], received_at=at(2025, 9, 30, 17))
    # 30 Sep 17-18 (1 h); 1-8 Oct National Day; 9 Oct 9-12 (3 h)
    assert complaint.first_response_due == at(2025, 10, 9, 12)
    # 1 h + 9 Oct 9-18 (9 h) + 10 Oct 9-15 (6 h)
    assert complaint.resolution_due == at(2025, 10, 10, 15)
    # waiting on the complainant from 9 Oct 12:00 to 10 Oct 12:00 (15 working hours); 12 h were left
    complaint = _pause(complaint, at(2025, 10, 9, 12), at(2025, 10, 10, 12))
    # 10 Oct 12-18 (6 h) + Saturday 11 Oct, a make-up working day, 9-15 (6 h)
    assert complaint.resolution_due == at(2025, 10, 11, 15)
    assert complaint.resolution_due == add_working_hours(
        complaint.received_at, 16, paused=[(at(2025, 10, 9, 12), at(2025, 10, 10, 12))])
    pause = ComplaintPause.objects.get(complaint=complaint)
    assert (pause.started_at, pause.ended_at) == (at(2025, 10, 9, 12), at(2025, 10, 10, 12))
    assert complaint.paused_since is None


def test_a_pause_over_a_weekend_moves_the_due_time_by_working_time_only(service, categories):
    complaint = hotline_complaint(service, received_at=at(2025, 11, 14, 17))  # resolution 45 h
    due = complaint.resolution_due
    assert due == at(2025, 11, 21, 17)
    # paused from Friday 17:30 to Monday 10:00: 1.5 working hours
    complaint = _pause(complaint, at(2025, 11, 14, 17, 30), at(2025, 11, 17, 10))
    assert complaint.resolution_due == at(2025, 11, 24, 9, 30)


def test_the_regulators_deadline_wins_when_it_is_sooner(service):
    received = at(2025, 11, 14, 10)
    sooner = hotline_complaint(service, channel="regulator", external_reference="PBOC-2025-118",
                               external_deadline=at(2025, 11, 18, 12), received_at=received)
    assert sooner.resolution_due == at(2025, 11, 18, 12)
    later = hotline_complaint(service, channel="regulator", external_reference="PBOC-2025-119",
                              external_deadline=at(2025, 11, 30, 12), received_at=received)
    assert later.resolution_due == at(2025, 11, 19, 10)  # the regulator channel's policy: 27 working hours
    assert later.first_response_due == at(2025, 11, 14, 14)  # 4 working hours
    # a pause moves the policy's due time, never past the regulator's deadline
    sooner = _pause(sooner, at(2025, 11, 17, 10), at(2025, 11, 18, 10))
    assert sooner.resolution_due == at(2025, 11, 18, 12)


def test_the_most_specific_policy_applies(categories):
    terminal, fees = categories["terminal"], categories["fees"]
    by_category = sla.sla_policy_for(category=terminal, priority="urgent", channel="regulator")
    assert (by_category.category, by_category.first_response_hours) == (terminal, 4)
    by_priority = sla.sla_policy_for(category=fees, priority="urgent", channel="regulator")
    assert (by_priority.category, by_priority.priority) == (None, "urgent")
    by_channel = sla.sla_policy_for(category=fees, priority="normal", channel="regulator")
    assert by_channel.channel == "regulator"
    default = sla.sla_policy_for(category=categories["fees-wrong-rate"], priority="low", channel="hotline")
    assert (default.category, default.priority, default.channel) == (None, "", "")
    own = SlaPolicy.objects.create(category=fees, priority="low", first_response_hours=1, resolution_hours=2)
    assert sla.sla_policy_for(category=categories["fees-wrong-rate"], priority="low", channel="hotline") == own


def test_clocks_read_running_paused_overdue_met_and_missed(service):
    complaint = hotline_complaint(service, received_at=at(2025, 11, 14, 17))
    clocks = sla.sla_clocks(complaint, now=at(2025, 11, 17, 12))
    assert clocks["first_response"].state == "running"
    assert clocks["first_response"].delta == timedelta(hours=4)
    with translation.override("en"):
        assert clocks["first_response"].text == "4h 00m left"
    late = sla.sla_clocks(complaint, now=at(2025, 11, 18, 10))["first_response"]
    assert (late.state, late.delta, late.css) == ("overdue", timedelta(hours=3), "text-bg-danger")
    complaint.first_response_at = at(2025, 11, 17, 10)
    assert sla.sla_clocks(complaint, now=at(2025, 11, 18, 10))["first_response"].state == "met"
    complaint.first_response_at = at(2025, 11, 18, 9, 30)
    missed = sla.sla_clocks(complaint, now=at(2025, 11, 18, 10))["first_response"]
    assert (missed.state, missed.delta) == ("missed", timedelta(hours=2, minutes=30))
    complaint.paused_since = at(2025, 11, 20, 17)
    paused = sla.sla_clocks(complaint, now=at(2025, 12, 20, 10))["resolution"]
    assert (paused.state, paused.delta) == ("paused", timedelta(hours=9))
