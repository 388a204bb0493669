"""Running a scheduled job now, on request of permitted staff."""

from django.db import transaction
from django.utils.translation import gettext as _

from acquirer import audit, outbox
from acquirer.exceptions import DomainError
from acquirer.models import OutboxMessage, User
from acquirer.schedule import JOBS


@transaction.atomic
def job_run_request(*, actor: User, job: str) -> OutboxMessage:
    """Audit the request and queue the job's task through the outbox.

    The task is published right after commit (at most about a second); when the broker is down the
    returned message has no ``sent_at`` and the ``outbox.relay`` job sends it once the broker is back.
    """
    if job not in JOBS:
        raise DomainError(_("Unknown job."))
    task = JOBS[job]["task"]
    audit.record("job.run_requested", actor=actor, data={"job": job, "task": task})
    return outbox.enqueue(task, {"triggered_by": actor.pk})
