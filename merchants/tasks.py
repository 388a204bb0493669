"""Scheduled jobs of the merchant domain (schedule in acquirer/schedule.py)."""

from celery import shared_task

from acquirer.tasks import JOB_TASK, _run


@shared_task(bind=True, **JOB_TASK)
def documents_remind_expiring(self, triggered_by: int | None = None):
    from merchants.services.documents import documents_remind_expiring as job

    return _run(self, "merchants.document_expiry", lambda: job(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def contracts_remind_renewal(self, triggered_by: int | None = None):
    from merchants.services.contracts import contracts_remind_renewal as job

    return _run(self, "merchants.contract_renewal", lambda: job(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def inspections_flag_overdue(self, triggered_by: int | None = None):
    from merchants.services.inspections import inspections_flag_overdue as job

    return _run(self, "merchants.inspection_overdue", lambda: job(), triggered_by, atomic=False)
