"""The beat schedule: every scheduled job of the project, in one place.

Keys are job names (also stored in ``JobRun.job``); ``task`` is the Celery task name, so this module
imports no domain app. ``period`` (seconds) is how often the job should succeed: the jobs console
flags a job with no success within twice its period.
"""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

JOBS = {
    "backups.nightly": {
        "title": _("Nightly backup"),
        "task": "acquirer.tasks.nightly_backup",
        "schedule": crontab(hour=1, minute=30),
        "period": 24 * 3600,
        "description": _("Encrypted backup of the database and uploaded files, then retention pruning; "
                         "queues the restore verification."),
    },
    "backups.verify": {
        "title": _("Backup verification"),
        "task": "acquirer.tasks.verify_backup",
        "schedule": crontab(hour=4, minute=30),
        "period": 24 * 3600,
        "description": _("Restore the newest backup into a scratch database and compare row counts, "
                         "checksums and the audit chain (also queued after each backup)."),
    },
    "users.disable_inactive": {
        "title": _("Disable inactive accounts"),
        "task": "acquirer.tasks.disable_inactive_users",
        "schedule": crontab(hour=2, minute=30),
        "period": 24 * 3600,
        "description": _("Disable accounts unused for 90 days (PCI DSS 8.2.6)."),
    },
    "audit.verify_chain": {
        "title": _("Audit trail verification"),
        "task": "acquirer.tasks.verify_audit_chain",
        "schedule": crontab(hour=3, minute=0),
        "period": 24 * 3600,
        "description": _("Check the audit trail's hash chain; alert operations managers if a row was altered."),
    },
    "sessions.clear_expired": {
        "title": _("Clear expired sessions"),
        "task": "acquirer.tasks.clear_expired_sessions",
        "schedule": crontab(minute=15),
        "period": 3600,
        "description": _("Delete expired sessions from the database."),
    },
    "merchants.document_expiry": {
        "title": _("Document expiry reminders"),
        "task": "merchants.tasks.documents_remind_expiring",
        "schedule": crontab(hour=8, minute=0),
        "period": 24 * 3600,
        "description": _("Remind merchants (and their reviewer) of KYC documents expiring within 30 days."),
    },
    "merchants.contract_renewal": {
        "title": _("Contract renewal reminders"),
        "task": "merchants.tasks.contracts_remind_renewal",
        "schedule": crontab(hour=8, minute=10),
        "period": 24 * 3600,
        "description": _("Remind merchants and operations managers of contracts ending within 60 days."),
    },
    "merchants.inspection_overdue": {
        "title": _("Overdue inspections"),
        "task": "merchants.tasks.inspections_flag_overdue",
        "schedule": crontab(hour=8, minute=20),
        "period": 24 * 3600,
        "description": _("Flag active merchants whose on-site inspection is overdue to compliance officers."),
    },
    "terminals.maintenance_due": {
        "title": _("Preventive maintenance"),
        "task": "terminals.tasks.maintenance_create_due",
        "schedule": crontab(hour=6, minute=30),
        "period": 24 * 3600,
        "description": _("Create preventive maintenance work orders for terminals whose visit is due."),
    },
    "terminals.sla_check": {
        "title": _("Ticket deadlines"),
        "task": "terminals.tasks.tickets_check_sla",
        "schedule": crontab(minute="*/15"),
        "period": 15 * 60,
        "description": _("Detect maintenance tickets past their response or resolution target and escalate "
                         "them to the team lead."),
    },
    "terminals.rent_monthly": {
        "title": _("Monthly terminal rent"),
        "task": "terminals.tasks.rent_charge_month",
        "schedule": crontab(hour=6, minute=0),
        "period": 24 * 3600,
        "description": _("Charge this month's terminal rent from the contract in force, once per terminal and "
                         "month; suspend terminals whose rent is long overdue."),
    },
    "terminals.health_check": {
        "title": _("Terminal health check"),
        "task": "terminals.tasks.terminals_flag_stale",
        "schedule": crontab(hour=7, minute=0),
        "period": 24 * 3600,
        "description": _("Flag active terminals with no sign-in or transaction for too long."),
    },
    "notifications.retry_email": {
        "title": _("Retry notification e-mails"),
        "task": "acquirer.tasks.retry_notification_emails",
        "schedule": crontab(minute="*/5"),
        "period": 300,
        "description": _("Re-send notification e-mails that were not delivered."),
    },
    "outbox.relay": {
        "title": _("Send queued work"),
        "task": "acquirer.tasks.relay_outbox",
        "schedule": crontab(),
        "period": 60,
        "description": _("Send the queued tasks the task queue could not take when they were committed "
                         "(the outbox); delete sent ones after 7 days."),
    },
}


def job_title(name: str) -> str:
    """The job's name as people read it (the key is for machines)."""
    job = JOBS.get(name)
    return str(job["title"]) if job and job.get("title") else name


def cron_text(schedule) -> str:
    """``30 1 * * *`` for a crontab (minute hour day month weekday, Asia/Shanghai)."""
    text = repr(schedule)
    if text.startswith("<crontab: ") and " (" in text:
        return text[len("<crontab: "):text.index(" (")]
    return text


def beat_schedule() -> dict:
    return {name: {"task": job["task"], "schedule": job["schedule"]} for name, job in JOBS.items()}


def job_for_task(task_name: str) -> str | None:
    return next((name for name, job in JOBS.items() if job["task"] == task_name), None)
