"""Running a scheduled job now, on request of permitted staff."""

from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer.celery import app
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.schedule import JOBS


@transaction.atomic
def job_run_request(*, actor: User, job: str) -> None:
    if job not in JOBS:
        raise DomainError(_("Unknown job."))
    task = JOBS[job]["task"]
    audit.record("job.run_requested", actor=actor, data={"job": job, "task": task})
    transaction.on_commit(lambda: app.send_task(task, kwargs={"triggered_by": actor.pk}))
