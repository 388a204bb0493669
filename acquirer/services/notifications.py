"""The one way to tell a person something: an in-app notification, e-mailed after commit (via the outbox)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from acquirer import outbox
from acquirer.models import Notification, User

MAX_EMAIL_ATTEMPTS = 8


def _render(*, recipient: User, kind: str, title, body="", url: str = "", params: dict | None = None,
            email: bool = True) -> Notification:
    """The notification, unsaved, in the recipient's language: ``title`` and ``body`` are lazy translatable
    strings with ``%(name)s`` placeholders filled from ``params``."""
    params = params or {}
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        title_text = str(title) % params if params else str(title)
        body_text = (str(body) % params if params else str(body)) if body else ""
    wants_email = email and bool(recipient.email)
    return Notification(recipient=recipient, kind=kind, title=title_text[:200], body=body_text, url=url,
                        email_status=Notification.Email.PENDING if wants_email else Notification.Email.NONE)


def notify(*, recipient: User, kind: str, title, body="", url: str = "", params: dict | None = None,
           email: bool = True) -> Notification:
    """Create a notification rendered in the recipient's language; queue its e-mail through the outbox.

    ``title`` and ``body`` are lazy translatable strings with ``%(name)s`` placeholders filled
    from ``params``.
    """
    notification = _render(recipient=recipient, kind=kind, title=title, body=body, url=url, params=params,
                           email=email)
    notification.save(force_insert=True)
    if notification.email_status == Notification.Email.PENDING:
        from acquirer.tasks import send_notification_email

        outbox.enqueue(send_notification_email.name, {"notification_id": notification.pk})
    return notification


def notify_many(items: list[dict]) -> list[Notification]:
    """:func:`notify` for each item (its keyword arguments) with one insert of the notifications and one of
    their e-mail messages: what a batch job uses for the rows of a batch."""
    from acquirer.tasks import send_notification_email

    notifications = Notification.objects.bulk_create([_render(**item) for item in items])
    outbox.enqueue_many(send_notification_email.name, [{"notification_id": n.pk} for n in notifications
                                                       if n.email_status == Notification.Email.PENDING])
    return notifications


def role_members(role: str) -> list[User]:
    """The active staff members of a role: read once by a batch job, then passed to :func:`notify_many`."""
    return list(User.objects.filter(is_active=True, kind=User.Kind.STAFF, groups__name=role).distinct())


def notify_role(*, role: str, **kwargs) -> list[Notification]:
    """Notify every active member of a staff role (e.g. operations managers when a job fails)."""
    return [notify(recipient=user, **kwargs) for user in role_members(role)]


def notification_email_send(*, notification_id: int) -> str:
    """Send one notification's e-mail exactly once; raises on a transport error (the task retries)."""
    failure = None
    with transaction.atomic():
        notification = (Notification.objects.select_for_update().select_related("recipient")
                        .filter(pk=notification_id).first())
        if notification is None or notification.email_status not in (Notification.Email.PENDING,
                                                                     Notification.Email.FAILED):
            return "skipped"
        notification.email_attempts += 1
        try:
            send_mail(notification.title, notification.body or notification.title, settings.DEFAULT_FROM_EMAIL,
                      [notification.recipient.email])
        except Exception as error:  # noqa: BLE001 - any transport error: record it, then let the task retry
            failure = error
            notification.email_status = Notification.Email.FAILED
            notification.email_error = str(error)[:300]
        else:
            notification.email_status = Notification.Email.SENT
            notification.email_sent_at = timezone.now()
            notification.email_error = ""
        notification.save(update_fields=["email_status", "email_sent_at", "email_error", "email_attempts"])
    if failure is not None:
        raise failure
    return "sent"


def notifications_pending_email(*, older_than_minutes: int = 5) -> list[int]:
    """Notifications whose e-mail is still owed (lost task, transport down): for the retry job."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return list(
        Notification.objects.filter(
            email_status__in=[Notification.Email.PENDING, Notification.Email.FAILED],
            email_attempts__lt=MAX_EMAIL_ATTEMPTS, created_at__lt=cutoff,
        ).values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
