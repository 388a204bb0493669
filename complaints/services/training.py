"""Training sessions for merchants: staff schedule, change, cancel and hold them and record attendance; a merchant
user signs its merchant up from the portal (one place per merchant, capacity enforced under the session's lock)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit
from acquirer.exceptions import DomainError
from acquirer.policy import require_permission
from acquirer.services.notifications import notify_many
from acquirer.workflow import advance
from complaints import roles
from complaints.models import TrainingSession, TrainingSignup
from complaints.models.common import Language
from complaints.models.help import Topic
from merchants.models import Merchant

S = TrainingSession.Status
# the session's allowed status moves (data, enforced by acquirer.workflow.advance)
TRAINING_MOVES = {S.SCHEDULED: {S.HELD, S.CANCELLED}, S.HELD: set(), S.CANCELLED: set()}
EDITABLE = ("title_zh", "title_en", "topic", "language", "starts_at", "ends_at", "place", "capacity", "materials")


def _check(values: dict) -> None:
    for name in ("title_zh", "title_en", "place"):
        if name in values and not (values[name] or "").strip():
            raise DomainError(_("Give the session a title in both languages and a place."))
    if "topic" in values and values["topic"] not in Topic.values:
        raise DomainError(_("Choose a topic from the list."))
    if "language" in values and values["language"] not in Language.values:
        raise DomainError(_("Choose the language the session is given in."))
    if values["ends_at"] <= values["starts_at"]:
        raise DomainError(_("A session ends after it starts."))
    if int(values["capacity"]) < 1:
        raise DomainError(_("A session has at least one place."))


def _taken(session: TrainingSession) -> int:
    return session.signups.filter(cancelled_at__isnull=True).count()


@transaction.atomic
def session_create(*, actor, title_zh: str, title_en: str, topic: str, language: str, starts_at, ends_at,
                   place: str, capacity: int, materials: str = "") -> TrainingSession:
    require_permission(actor, roles.MANAGE_HELP)
    values = {"title_zh": title_zh.strip(), "title_en": title_en.strip(), "topic": topic, "language": language,
              "starts_at": starts_at, "ends_at": ends_at, "place": place.strip(), "capacity": int(capacity),
              "materials": materials or ""}
    _check(values)
    if starts_at <= timezone.now():
        raise DomainError(_("A new session starts in the future."))
    session = TrainingSession.objects.create(**values, created_by=actor)
    audit.record("training.created", actor=actor, target=session,
                 after=audit.snapshot(session, ("title_zh", "title_en", "starts_at", "place", "capacity")))
    return session


@transaction.atomic
def session_update(*, actor, session: TrainingSession, **fields) -> TrainingSession:
    require_permission(actor, roles.MANAGE_HELP)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"session_update: unknown fields {sorted(unknown)}")
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != S.SCHEDULED:
        raise DomainError(_("Only a scheduled session can be changed."))
    values = {name: getattr(session, name) for name in EDITABLE} | fields
    _check(values)
    if int(values["capacity"]) < _taken(session):
        raise DomainError(_("More merchants have signed up than this number of places."))
    changed = [name for name in fields if getattr(session, name) != fields[name]]
    if not changed:
        return session
    if "starts_at" in changed and values["starts_at"] <= timezone.now():
        raise DomainError(_("A session cannot be moved into the past."))
    before = audit.snapshot(session, changed)
    for name in changed:
        setattr(session, name, fields[name])
    session.save(update_fields=changed)
    audit.record("training.changed", actor=actor, target=session, before=before,
                 after=audit.snapshot(session, changed), data={"fields": ", ".join(changed)})
    return session


@transaction.atomic
def session_cancel(*, actor, session: TrainingSession, reason: str = "") -> TrainingSession:
    require_permission(actor, roles.MANAGE_HELP)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    advance(session, to=S.CANCELLED, moves=TRAINING_MOVES, actor=actor, action="training.cancelled",
            data={"reason": reason} if reason else None)
    signups = session.signups.filter(cancelled_at__isnull=True).select_related("signed_up_by")
    notify_many([{"recipient": signup.signed_up_by, "kind": "training.cancelled",
                  "title": gettext_lazy("Training cancelled: %(title)s"),
                  "body": gettext_lazy("The training session of %(when)s was cancelled. %(reason)s"),
                  "url": reverse("portal:training-list"),
                  "params": {"title": session.title, "reason": reason,
                             "when": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")}}
                 for signup in signups if signup.signed_up_by.kind == "merchant"])
    return session


@transaction.atomic
def session_mark_held(*, actor, session: TrainingSession) -> TrainingSession:
    require_permission(actor, roles.MANAGE_HELP)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.starts_at > timezone.now():
        raise DomainError(_("A session can be marked as held once it has started."))
    return advance(session, to=S.HELD, moves=TRAINING_MOVES, actor=actor, action="training.held")


def _merchant_of(actor):
    require_permission(actor, "", kinds=("merchant",))
    if actor.merchant_id is None:
        raise DomainError(_("Only a merchant's user can sign up for training."))
    return Merchant.objects.get(pk=actor.merchant_id)


@transaction.atomic
def training_signup(*, actor, session: TrainingSession) -> TrainingSignup:
    """Take one place on ``session`` for the actor's merchant (a cancelled place is taken again)."""
    merchant = _merchant_of(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status != S.SCHEDULED or session.starts_at <= timezone.now():
        raise DomainError(_("This session is no longer open for sign-up."))
    signup = TrainingSignup.objects.select_for_update().filter(session=session, merchant=merchant).first()
    if signup is not None and signup.cancelled_at is None:
        raise DomainError(_("Your business already has a place on this session."))
    if _taken(session) >= session.capacity:
        raise DomainError(_("This session is full."))
    now = timezone.now()
    if signup is None:
        signup = TrainingSignup.objects.create(session=session, merchant=merchant, signed_up_by=actor,
                                               signed_up_at=now)
    else:
        signup.cancelled_at = None
        signup.signed_up_by = actor
        signup.signed_up_at = now
        signup.save(update_fields=["cancelled_at", "signed_up_by", "signed_up_at"])
    audit.record("training.signed_up", actor=actor, target=session, merchant_id=merchant.pk,
                 data={"merchant": str(merchant)})
    return signup


@transaction.atomic
def training_signup_cancel(*, actor, session: TrainingSession) -> TrainingSignup:
    """Give back the actor's merchant's place before the session starts."""
    merchant = _merchant_of(actor)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    signup = TrainingSignup.objects.select_for_update().filter(session=session, merchant=merchant,
                                                               cancelled_at__isnull=True).first()
    if signup is None:
        raise DomainError(_("Your business has no place on this session."))
    if session.status != S.SCHEDULED or session.starts_at <= timezone.now():
        raise DomainError(_("A place can be given back only before the session starts."))
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["cancelled_at"])
    audit.record("training.signup_cancelled", actor=actor, target=session, merchant_id=merchant.pk,
                 data={"merchant": str(merchant)})
    return signup


@transaction.atomic
def training_attendance_record(*, actor, session: TrainingSession, attended_merchant_ids) -> int:
    """Who came: every active sign-up of a held (or started) session is marked attended or absent. Returns the
    number of merchants who attended."""
    require_permission(actor, roles.MANAGE_HELP)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status == S.CANCELLED or (session.status != S.HELD and session.starts_at > timezone.now()):
        raise DomainError(_("Attendance is recorded for a session that has taken place."))
    attended_ids = {int(pk) for pk in attended_merchant_ids}
    signups = session.signups.select_for_update().filter(cancelled_at__isnull=True)
    unknown = attended_ids - set(signups.values_list("merchant_id", flat=True))
    if unknown:
        raise DomainError(_("Only merchants signed up for the session can be marked as attending."))
    now = timezone.now()
    present = signups.filter(merchant_id__in=attended_ids).update(
        attended=True, attendance_recorded_by=actor, attendance_recorded_at=now)
    absent = signups.exclude(merchant_id__in=attended_ids).update(
        attended=False, attendance_recorded_by=actor, attendance_recorded_at=now)
    audit.record("training.attendance_recorded", actor=actor, target=session,
                 data={"attended": present, "absent": absent})
    return present
