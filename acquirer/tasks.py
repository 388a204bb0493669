"""Celery tasks of the core. Tasks take ids, call a service, and record their run (``run_job``)."""

from celery import shared_task
from django.utils import timezone

from acquirer import audit, outbox
from acquirer.jobs import run_job

JOB_TASK = {"acks_late": True, "reject_on_worker_lost": True, "time_limit": 30 * 60, "soft_time_limit": 25 * 60}


def _origin(task) -> audit.Origin:
    return audit.Origin(source=f"task:{task.name}"[:100])


def _run(task, job: str, body, triggered_by: int | None, atomic: bool = True):
    token = audit.set_origin(_origin(task))
    try:
        run = run_job(job, body, triggered_by=triggered_by, task_id=task.request.id or "", atomic=atomic)
        return run.counts
    finally:
        audit.reset_origin(token)


@shared_task(bind=True, **JOB_TASK)
def disable_inactive_users(self, triggered_by: int | None = None):
    from acquirer.services.users import users_disable_inactive

    return _run(self, "users.disable_inactive", lambda: users_disable_inactive(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def fail_abandoned_exports(self, triggered_by: int | None = None):
    from acquirer.services.exports import exports_fail_abandoned

    return _run(self, "exports.fail_abandoned", lambda: exports_fail_abandoned(), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def remove_expired_exports(self, triggered_by: int | None = None):
    from acquirer.services.exports import exports_remove_expired

    return _run(self, "exports.remove_expired", lambda: exports_remove_expired(), triggered_by, atomic=False)


class AuditChainBroken(Exception):
    pass


def _verify_chain() -> dict:
    report, checkpoint = audit.verify_and_checkpoint()
    if not report.ok:
        where = f"audit event {report.broken_id}: " if report.broken_id else ""
        raise AuditChainBroken(f"{where}{report.reason}")
    return {"checked": report.checked, "checkpoint_last_id": checkpoint["last_id"]}


@shared_task(bind=True, **JOB_TASK)
def verify_audit_chain(self, triggered_by: int | None = None):
    return _run(self, "audit.verify_chain", _verify_chain, triggered_by)


def _clear_sessions() -> dict:
    from acquirer.models import Session

    deleted, _detail = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return {"deleted": deleted}


@shared_task(bind=True, **JOB_TASK)
def clear_expired_sessions(self, triggered_by: int | None = None):
    return _run(self, "sessions.clear_expired", _clear_sessions, triggered_by)


def _retry_emails() -> dict:
    from acquirer.services.notifications import notifications_pending_email

    ids = notifications_pending_email()
    for notification_id in ids:
        outbox.enqueue(send_notification_email.name, {"notification_id": notification_id})
    return {"queued": len(ids)}


@shared_task(bind=True, **JOB_TASK)
def retry_notification_emails(self, triggered_by: int | None = None):
    return _run(self, "notifications.retry_email", _retry_emails, triggered_by)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,),
             max_retries=5, retry_backoff=30, retry_backoff_max=600, retry_jitter=True)
def send_notification_email(self, notification_id: int):
    from acquirer.services.notifications import notification_email_send

    return notification_email_send(notification_id=notification_id)


def _actor(user_id: int | None):
    from acquirer.models import User

    return User.objects.filter(pk=user_id).first() if user_id else None


def _nightly_backup(triggered_by: int | None, verify_after: bool) -> dict:
    from acquirer.backups.services import BackupBusy, backup_nightly

    try:
        counts = backup_nightly(actor=_actor(triggered_by))
    except BackupBusy as busy:  # a clear outcome, not a failure: the running one does the work
        return {"skipped": str(busy)}
    if verify_after:
        outbox.enqueue(verify_backup.name, {})
    return counts


@shared_task(bind=True, **JOB_TASK)
def nightly_backup(self, triggered_by: int | None = None, verify_after: bool = True):
    return _run(self, "backups.nightly", lambda: _nightly_backup(triggered_by, verify_after), triggered_by,
                atomic=False)


def _verify_backup(triggered_by: int | None) -> dict:
    from acquirer.backups.services import BackupBusy, backup_verify

    try:
        backup = backup_verify(actor=_actor(triggered_by))
    except BackupBusy as busy:
        return {"skipped": str(busy)}
    return {"backup": backup.name, **{k: v for k, v in backup.verification.items()
                                      if k != "backup" and not isinstance(v, dict | list)}}


@shared_task(bind=True, **JOB_TASK)
def verify_backup(self, triggered_by: int | None = None):
    return _run(self, "backups.verify", lambda: _verify_backup(triggered_by), triggered_by, atomic=False)


@shared_task(bind=True, **JOB_TASK)
def relay_outbox(self, triggered_by: int | None = None):
    """Publish the outbox messages the broker did not take right after their commit (acquirer/outbox.py)."""
    return _run(self, "outbox.relay", lambda: outbox.outbox_relay(), triggered_by, atomic=False)


# An export of millions of rows takes minutes; its limits stay below the Redis visibility timeout (1 h), so a
# running export is never handed to a second worker. A soft limit ends it as "failed" with the reason shown.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, time_limit=55 * 60, soft_time_limit=50 * 60)
def write_export(self, export_id: int):
    """Write the file of one export (``acquirer.services.exports.export_write``); safe to run twice."""
    from acquirer.services.exports import export_write

    token = audit.set_origin(_origin(self))
    try:
        return export_write(export_id=export_id)
    finally:
        audit.reset_origin(token)
