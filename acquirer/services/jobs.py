"""Running a scheduled job now, on request of permitted staff."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, outbox
from acquirer.exceptions import DomainError
from acquirer.models import AuditEvent, JobRun, OutboxMessage, User
from acquirer.schedule import JOBS, job_title

# A request not picked up by a worker within this time no longer blocks a new one (the worker was down).
QUEUED_FOR_AT_MOST = timedelta(minutes=10)
# A run still "running" after this is dead (the task's hard time limit is 30 minutes).
RUNNING_FOR_AT_MOST = timedelta(minutes=35)


def _already_waiting_or_running(job: str, task: str) -> str | None:
    """Why a new request for ``job`` would be a duplicate, or None."""
    now = timezone.now()
    if JobRun.objects.filter(job=job, status=JobRun.Outcome.RUNNING,
                             started_at__gte=now - RUNNING_FOR_AT_MOST).exists():
        return _("%(job)s is running now; its result will appear below.")
    if OutboxMessage.objects.filter(task_name=task, sent_at__isnull=True).exists():
        return _("%(job)s is already queued and waits for the task queue.")
    requested = (AuditEvent.objects.filter(action="job.run_requested", data__job=job,
                                           at__gte=now - QUEUED_FOR_AT_MOST)
                 .order_by("-id").values_list("at", flat=True).first())
    if requested and not JobRun.objects.filter(job=job, started_at__gte=requested).exists():
        return _("%(job)s is already queued; it starts as soon as a worker is free.")
    return None


@transaction.atomic
def job_run_request(*, actor: User, job: str) -> OutboxMessage:
    """Audit the request and queue the job's task through the outbox.

    The task is published right after commit (at most about a second); when the broker is down the
    returned message has no ``sent_at`` and the ``outbox.relay`` job sends it once the broker is back.
    """
    if job not in JOBS:
        raise DomainError(_("Unknown job."))
    task = JOBS[job]["task"]
    with connection.cursor() as cursor:  # two clicks at once: the second waits here, then sees the first
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"job-run:{job}"])
    duplicate = _already_waiting_or_running(job, task)
    if duplicate:
        raise DomainError(duplicate % {"job": job_title(job)})
    audit.record("job.run_requested", actor=actor, data={"job": job, "task": task})
    return outbox.enqueue(task, {"triggered_by": actor.pk})
