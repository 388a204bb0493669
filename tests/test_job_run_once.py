""""Run now" twice quickly on the same job queues one run; the second click says why."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from acquirer import roles
from acquirer.exceptions import DomainError
from acquirer.models import AuditEvent, JobRun
from acquirer.services.jobs import job_run_request

pytestmark = pytest.mark.django_db


def test_a_second_run_now_while_the_first_waits_is_refused_with_a_reason(users):
    manager = users[roles.OPERATIONS_MANAGER]
    job_run_request(actor=manager, job="sessions.clear_expired")
    with pytest.raises(DomainError, match="already queued"):
        job_run_request(actor=manager, job="sessions.clear_expired")
    assert AuditEvent.objects.filter(action="job.run_requested").count() == 1
    job_run_request(actor=manager, job="audit.verify_chain")  # another job is not blocked


def test_a_running_job_is_not_queued_again_and_a_finished_one_may_run_again(users):
    manager = users[roles.OPERATIONS_MANAGER]
    run = JobRun.objects.create(job="sessions.clear_expired", started_at=timezone.now())
    with pytest.raises(DomainError, match="running now"):
        job_run_request(actor=manager, job="sessions.clear_expired")
    JobRun.objects.filter(pk=run.pk).update(status=JobRun.Outcome.SUCCEEDED, finished_at=timezone.now())
    job_run_request(actor=manager, job="sessions.clear_expired")


def test_a_request_no_worker_took_within_ten_minutes_no_longer_blocks(users):
    manager = users[roles.OPERATIONS_MANAGER]
    job_run_request(actor=manager, job="sessions.clear_expired")
    from acquirer.models import OutboxMessage

    OutboxMessage.objects.update(sent_at=timezone.now())  # handed to the broker, never picked up
    with pytest.raises(DomainError):
        job_run_request(actor=manager, job="sessions.clear_expired")
    JobRun.objects.create(job="sessions.clear_expired", status=JobRun.Outcome.SUCCEEDED,
                          started_at=timezone.now() + timedelta(seconds=1))
    job_run_request(actor=manager, job="sessions.clear_expired")


def test_two_clicks_on_the_console_queue_one_run_and_say_so(clients):
    client = clients[roles.OPERATIONS_MANAGER]
    client.cookies["django_language"] = "en"
    url = reverse("ops:job-run", kwargs={"job": "users.disable_inactive"})
    client.post(url)
    second = client.post(url, follow=True)
    assert "already queued" in second.content.decode()
    assert AuditEvent.objects.filter(action="job.run_requested", data__job="users.disable_inactive").count() == 1
