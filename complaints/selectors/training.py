"""Training reads through ``acquirer.access.scope``: every merchant sees the programme, only its own sign-ups."""

from django.db.models import Count, Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from complaints.models import TrainingSession, TrainingSignup

SESSION_ORDER = ("-starts_at", "-id")
ACTIVE = Q(signups__cancelled_at__isnull=True)


def _with_taken(queryset):
    return queryset.annotate(taken=Count("signups", filter=ACTIVE))


def session_list(*, actor, filters: dict | None = None):
    """Sessions with ``taken`` (active sign-ups). Filters: status, when ("upcoming"/"past")."""
    filters = filters or {}
    queryset = _with_taken(scope(TrainingSession.objects.all(), actor))
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("when") == "upcoming":
        queryset = queryset.filter(starts_at__gt=timezone.now())
    elif filters.get("when") == "past":
        queryset = queryset.filter(starts_at__lte=timezone.now())
    return queryset


def session_upcoming(*, actor):
    """Scheduled sessions still to come, soonest first, with ``taken`` and ``places_left``."""
    sessions = list(session_list(actor=actor, filters={"status": TrainingSession.Status.SCHEDULED,
                                                       "when": "upcoming"}).order_by("starts_at", "id"))
    for session in sessions:
        session.places_left = max(session.capacity - session.taken, 0)
    return sessions


def session_get(*, actor, pk: int) -> TrainingSession:
    return get_scoped(_with_taken(TrainingSession.objects.select_related("created_by")), actor, pk=pk)


def signup_list(*, actor, session: TrainingSession):
    """The sign-ups of ``session`` the actor may see (staff: all; a merchant: its own), with the merchant."""
    return scope(TrainingSignup.objects.filter(session=session), actor).select_related("merchant", "signed_up_by")


def my_signups(*, actor):
    """The actor's merchant's sign-ups (a staff member: none), newest session first."""
    if getattr(actor, "kind", None) != "merchant":
        return TrainingSignup.objects.none()
    return scope(TrainingSignup.objects.all(), actor).select_related("session").order_by("-session__starts_at",
                                                                                         "-id")


def my_signed_up_session_ids(*, actor) -> set[int]:
    return set(my_signups(actor=actor).filter(cancelled_at__isnull=True).values_list("session_id", flat=True))


def merchant_training_history(*, actor, merchant) -> list[TrainingSignup]:
    """A merchant's sign-ups with their sessions (the merchant 360 panel), newest first."""
    return list(scope(TrainingSignup.objects.filter(merchant=merchant), actor).select_related("session")
                .order_by("-session__starts_at", "-id")[:50])
