"""Scheduled-job bookkeeping: every run writes a ``JobRun`` (started, finished, outcome, counts, error).

A job is a plain function returning a dict of counts. :func:`run_job` records the run around it;
the body runs in its own transaction so a failure leaves nothing half done, and the failure is
recorded (and operations managers notified) in a separate one.
"""

import logging
import traceback
from collections.abc import Callable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acquirer.models import JobRun
from acquirer.workflow import advance

log = logging.getLogger(__name__)

MOVES = {
    JobRun.Outcome.RUNNING: {JobRun.Outcome.SUCCEEDED, JobRun.Outcome.FAILED},
    JobRun.Outcome.SUCCEEDED: set(),
    JobRun.Outcome.FAILED: set(),
}


def run_job(job: str, body: Callable[[], dict], *, triggered_by: int | None = None, task_id: str = "",
            atomic: bool = True) -> JobRun:
    """``atomic=False`` for bodies that commit their own steps (a backup records "running" first)."""
    run = JobRun.objects.create(job=job, triggered_by_id=triggered_by, task_id=task_id or "")
    try:
        if atomic:
            with transaction.atomic():
                counts = body() or {}
        else:
            counts = body() or {}
    except Exception as error:
        log.exception("job %s failed", job)
        with transaction.atomic():
            run.finished_at = timezone.now()
            run.error = "".join(traceback.format_exception_only(type(error), error)).strip()[:4000]
            advance(run, to=JobRun.Outcome.FAILED, moves=MOVES, actor=None, action="job.failed",
                    data={"job": job, "error": run.error[:500]}, extra_fields=("finished_at", "error"))
            _alert(run)
        raise
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.counts = counts
        advance(run, to=JobRun.Outcome.SUCCEEDED, moves=MOVES, actor=None, action="job.succeeded",
                data={"job": job, "counts": counts}, extra_fields=("finished_at", "counts"))
    return run


def _alert(run: JobRun) -> None:
    from acquirer.roles import OPERATIONS_MANAGER
    from acquirer.services.notifications import notify_role

    notify_role(role=OPERATIONS_MANAGER, kind="job.failed", title=_("Scheduled job failed: %(job)s"),
                body=_("The job %(job)s failed at %(at)s: %(error)s"), url=reverse("ops:job-list"),
                params={"job": run.job, "at": f"{run.finished_at:%Y-%m-%d %H:%M} UTC", "error": run.error[:300]})

