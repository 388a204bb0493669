"""Celery tasks of the transactions app. Scheduled jobs run one service inside ``run_job`` (a JobRun row per run;
every job is safe to run twice)."""

from celery import shared_task

from acquirer.tasks import JOB_TASK, _run


@shared_task(bind=True, **JOB_TASK)
def partitions_ensure(self, triggered_by: int | None = None):
    from transactions.services.partitions import partitions_ensure as job

    return _run(self, "transactions.partitions", lambda: job(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def settlement_daily(self, triggered_by: int | None = None):
    from transactions.services.settlement import settlement_daily as job

    return _run(self, "transactions.settlement_daily", lambda: job(), triggered_by, atomic=False)


# --- reconciliation ---------------------------------------------------------------------------------------------------

# A chunk of a large day runs for minutes; its limits stay below the Redis visibility timeout (1 h), so a running
# chunk is never handed to a second worker. A chunk is safe to run twice (a done chunk is skipped).
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, time_limit=55 * 60, soft_time_limit=50 * 60)
def recon_chunk(self, run_id: int, number: int):
    """Reconcile one chunk of a run; the last chunk to finish finishes the run."""
    from acquirer import audit
    from acquirer.tasks import _origin
    from transactions.services.recon import recon_chunk_run

    token = audit.set_origin(_origin(self))
    try:
        return recon_chunk_run(run_id=run_id, number=number, task_id=self.request.id or "",
                               worker=self.request.hostname or "")
    finally:
        audit.reset_origin(token)


@shared_task(bind=True, **JOB_TASK)
def reconcile_daily(self, triggered_by: int | None = None):
    from transactions.services.recon import recon_daily as job

    return _run(self, "transactions.reconcile_daily", lambda: job(), triggered_by, atomic=False)


# --- ingest -----------------------------------------------------------------------------------------------------

@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60, soft_time_limit=6 * 3600,
             time_limit=6 * 3600 + 300)
def ingest_file(self, file_id: int):
    """Run one uploaded file (``transactions.services.ingest.ingest_stored``). Safe to run twice: a finished file
    is left alone, and every row is inserted with ``ON CONFLICT DO NOTHING``."""
    from django.db import OperationalError

    from transactions.services.ingest import ingest_stored

    try:
        record = ingest_stored(file_id=file_id)
    except OperationalError as error:  # the database went away: the file is still running, try again
        raise self.retry(exc=error) from error
    return {"file": file_id, "status": record.status if record else "missing"}


# --- risk cases (issue #13, helper B) -----------------------------------------------------------------------------

@shared_task(bind=True, **JOB_TASK)
def risk_deadlines(self, triggered_by: int | None = None):
    from transactions.services.risk_cases import risk_deadlines as job

    return _run(self, "transactions.risk_deadlines", lambda: job(), triggered_by, atomic=False)
# --- risk rules engine (issue #13) ------------------------------------------------------------------------------

@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=60, soft_time_limit=3600, time_limit=3900)
def risk_evaluate_file(self, ingest_file_id: int):
    """Run every enabled risk rule over the rows one ingested file brought. Safe to run twice (alerts are keyed)."""
    from django.db import OperationalError

    from acquirer import audit
    from acquirer.tasks import _origin
    from transactions.services.risk_rules import evaluate_file

    token = audit.set_origin(_origin(self))
    try:
        return evaluate_file(ingest_file_id=ingest_file_id)
    except OperationalError as error:
        raise self.retry(exc=error) from error
    finally:
        audit.reset_origin(token)


@shared_task(bind=True, **JOB_TASK)
def risk_nightly(self, triggered_by: int | None = None):
    from transactions.services.risk_rules import risk_nightly as job

    return _run(self, "transactions.risk_nightly", lambda: job(), triggered_by, atomic=False)
