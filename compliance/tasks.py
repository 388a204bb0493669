"""Celery tasks of the compliance app (they take ids, load, call a service). Scheduled jobs run one service inside
``run_job`` (a JobRun row per run; every job is safe to run twice). Each subdomain keeps its own block."""

from celery import shared_task  # noqa: F401

from acquirer.tasks import JOB_TASK, _run  # noqa: F401

# --- assessments ----------------------------------------------------------------------------------------------------

@shared_task(bind=True, **JOB_TASK)
def recurring_assessments(self, triggered_by: int | None = None):
    """Daily: the assessment of the current period of every recurring checklist, once (idempotent)."""
    from compliance.services.assessments import recurring_assessments as job

    return _run(self, "compliance.recurring_assessments", lambda: job(), triggered_by, atomic=False)
# --- end of the assessments block -----------------------------------------------------------------------------------

# --- findings -------------------------------------------------------------------------------------------------------

@shared_task(bind=True, **JOB_TASK)
def finding_reminders(self, triggered_by: int | None = None):
    """Daily: reminders before the due date, the overdue escalation, expired risk acceptances (each once)."""
    from compliance.services.findings import finding_reminders as job

    return _run(self, "compliance.finding_reminders", lambda: job(), triggered_by, atomic=False)
# --- end of the findings block --------------------------------------------------------------------------------------

# --- changes and reviews --------------------------------------------------------------------------------------------
@shared_task(bind=True, **JOB_TASK)
def access_review(self, triggered_by: int | None = None):
    from compliance.services.reviews import access_review_schedule

    return _run(self, "compliance.access_review", lambda: access_review_schedule(), triggered_by)


# --- end of the changes and reviews block ---------------------------------------------------------------------------

# --- reports and exports --------------------------------------------------------------------------------------------
# --- end of the reports and exports block ---------------------------------------------------------------------------
