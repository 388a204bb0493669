"""Scheduled jobs: JobRun bookkeeping, the jobs console and "run now", and a real Celery worker."""

import time
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from acquirer import roles
from acquirer.celery import app
from acquirer.exceptions import TransitionNotAllowed
from acquirer.jobs import MOVES, run_job
from acquirer.models import AuditEvent, JobRun, Notification
from acquirer.schedule import JOBS, beat_schedule
from acquirer.workflow import advance
from tests.celery_worker import broker_answers, real_worker


def test_every_scheduled_job_has_a_registered_task():
    import acquirer.tasks  # noqa: F401 - registers the tasks

    for name, job in JOBS.items():
        assert job["task"] in app.tasks, name
        assert job["period"] > 0 and str(job["description"])
    assert set(beat_schedule()) == set(JOBS)
    assert app.conf.beat_schedule.keys() == JOBS.keys()


def test_tasks_are_late_acked_and_no_delay_exceeds_the_visibility_timeout():
    from acquirer.celery import VISIBILITY_TIMEOUT

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    for name, task in app.tasks.items():
        if name.startswith("acquirer."):
            assert task.acks_late, name
            assert getattr(task, "retry_backoff_max", 0) < VISIBILITY_TIMEOUT, name


@pytest.mark.django_db
def test_a_successful_run_records_counts_and_audits():
    run = run_job("test.ok", lambda: {"done": 3})
    run.refresh_from_db()
    assert run.status == "succeeded" and run.counts == {"done": 3} and run.finished_at
    assert AuditEvent.objects.filter(action="job.succeeded", target_id=str(run.pk)).exists()


@pytest.mark.django_db
def test_a_failed_run_rolls_back_its_work_records_the_error_and_alerts_managers(users):
    def body():
        AuditEvent.objects.none()  # the work would be here
        from acquirer.services.notifications import notify

        notify(recipient=users["auditor"], kind="half-done", title="should be rolled back", email=False)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run_job("test.broken", body)
    run = JobRun.objects.get(job="test.broken")
    assert run.status == "failed" and "disk full" in run.error
    assert not Notification.objects.filter(kind="half-done").exists()
    alert = Notification.objects.get(kind="job.failed")
    assert alert.recipient == users[roles.OPERATIONS_MANAGER] and "test.broken" in alert.title


@pytest.mark.django_db
def test_job_run_transitions_both_ways():
    for source, targets in MOVES.items():
        for target in JobRun.Outcome.values:
            run = JobRun.objects.create(job="t", status=source)
            if target in targets:
                advance(run, to=target, moves=MOVES, actor=None, action="job.succeeded")
                run.refresh_from_db()
                assert run.status == target
            else:
                with pytest.raises(TransitionNotAllowed):
                    advance(run, to=target, moves=MOVES, actor=None, action="job.succeeded")
                run.refresh_from_db()
                assert run.status == source


@pytest.mark.django_db
def test_jobs_console_lists_every_job_with_its_last_run(clients):
    from acquirer.tasks import clear_expired_sessions

    clear_expired_sessions.apply()
    response = clients[roles.OPERATIONS_MANAGER].get(reverse("ops:job-list"))
    body = response.content.decode()
    for name in JOBS:
        assert f'data-job="{name}"' in body
    jobs = {job["name"]: job for job in response.context["jobs"]}
    assert jobs["sessions.clear_expired"]["last"].status == "succeeded"
    assert response.context["can_run"]
    assert not clients[roles.COMPLIANCE_OFFICER].get(reverse("ops:job-list")).context["can_run"]


@pytest.mark.django_db
def test_run_now_is_audited_and_queued_after_commit(clients, users, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append((name, kw)))  # the broker, not our code
    with django_capture_on_commit_callbacks(execute=True):
        response = clients[roles.OPERATIONS_MANAGER].post(reverse("ops:job-run", kwargs={"job": "audit.verify_chain"}))
    assert response.status_code == 302
    assert sent == [("acquirer.tasks.verify_audit_chain",
                     {"kwargs": {"triggered_by": users[roles.OPERATIONS_MANAGER].pk}})]
    assert AuditEvent.objects.filter(action="job.run_requested", data__job="audit.verify_chain").exists()


@pytest.mark.django_db
def test_run_now_of_an_unknown_job_is_refused(clients):
    response = clients[roles.OPERATIONS_MANAGER].post(reverse("ops:job-run", kwargs={"job": "nope"}), follow=True)
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="job.run_requested").exists()


@pytest.mark.django_db
def test_audit_chain_job_fails_loudly_when_the_chain_is_broken(users):
    from acquirer.tasks import verify_audit_chain

    victim = AuditEvent.objects.order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE acquirer_auditevent SET action = 'forged' WHERE id = %s", [victim.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    result = verify_audit_chain.apply()
    assert result.failed()
    run = JobRun.objects.get(job="audit.verify_chain")
    assert run.status == "failed" and str(victim.pk) in run.error
    assert Notification.objects.filter(kind="job.failed", recipient=users[roles.OPERATIONS_MANAGER]).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_scheduled_job_and_writes_its_jobrun(role_groups, tmp_path):
    ok, broker = broker_answers()
    if not ok:
        pytest.skip(broker)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    with real_worker(queue, log):
        app.send_task(JOBS["sessions.clear_expired"]["task"], queue=queue)
        deadline = time.time() + 60
        run = None
        while time.time() < deadline:
            run = JobRun.objects.filter(job="sessions.clear_expired").exclude(status="running").first()
            if run:
                break
            time.sleep(0.5)
        assert run is not None, f"no JobRun within 60 s on the {broker}; worker log:\n{log.read_text()[-3000:]}"
        assert run.status == "succeeded" and run.task_id, run.error
        assert "counts" not in run.error
