"""Reads of complaints, always through ``acquirer.access.scope``: staff and auditors see every complaint, a merchant
user only its own merchant's (another merchant's complaint is a 404). Internal notes have no tenant field, so a
merchant user gets none of them whatever asks."""

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q
from django.utils import timezone

from acquirer.access import get_scoped, scope
from acquirer.calendar import add_working_hours
from acquirer.lists import bounded_count, start_of_local_day
from acquirer.models import User
from complaints import roles
from complaints.models import (
    CannedResponse,
    Category,
    Complaint,
    ComplaintAttachment,
    ComplaintMessage,
    ComplaintNote,
    RootCause,
)

LIST_RELATED = ("merchant", "category", "subcategory", "assignee")
NEWEST_ORDER = ("-received_at", "-id")
QUEUE_ORDER = ("resolution_due", "id")
SLA_FILTERS = ("breached", "paused", "due_soon", "at_risk")


def complaint_order(filters: dict | None) -> tuple[str, ...]:
    """Newest first; the SLA views (breached, paused, due soon) most urgent first."""
    return QUEUE_ORDER if (filters or {}).get("sla") in SLA_FILTERS else NEWEST_ORDER


def _breached(now) -> Q:
    """Open complaints past a due time (stamped by the job, or not yet) whose clock runs."""
    running = Q(paused_since__isnull=True)
    first = Q(first_response_at__isnull=True) & (Q(first_response_due__lt=now)
                                                 | Q(first_response_breached_at__isnull=False))
    resolution = Q(resolution_due__lt=now) | Q(resolution_breached_at__isnull=False)
    return running & (first | resolution)


def _due_soon(now) -> Q:
    """Open, running complaints with less than the warning time left on a clock (not yet past it)."""
    limit = add_working_hours(now, float(settings.ACQUIRER_COMPLAINT_WARN_HOURS))
    first = Q(first_response_at__isnull=True, first_response_due__gte=now, first_response_due__lte=limit)
    resolution = Q(resolution_due__gte=now, resolution_due__lte=limit)
    return Q(paused_since__isnull=True) & (first | resolution)


def complaint_sla_filter(name: str, now=None) -> Q:
    now = now or timezone.now()
    if name == "breached":
        return _breached(now)
    if name == "paused":
        return Q(paused_since__isnull=False)
    if name == "due_soon":
        return _due_soon(now)
    return _breached(now) | _due_soon(now)  # at_risk


BREACHED_THIS_MONTH = "breached_month"  # an SLA filter over every status: a breach stamped since the 1st


def complaint_breached_since(start) -> Q:
    """Complaints (open or not) with a first-response or resolution breach stamped at or after ``start``."""
    return Q(first_response_breached_at__gte=start) | Q(resolution_breached_at__gte=start)


def complaint_list(*, actor, filters: dict | None = None):
    """Complaints the actor may see, filtered by status ("open" for every open status), category, channel, priority,
    merchant, assignee ("me", "none" or an id), SLA ("breached", "paused", "due_soon", "at_risk": open complaints
    only) or the start of a complaint number (``q``), in :func:`complaint_order`."""
    filters = filters or {}
    qs = scope(Complaint.objects.select_related(*LIST_RELATED), actor)
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(status__in=Complaint.OPEN)
    elif status:
        qs = qs.filter(status=status)
    if filters.get("category"):
        category = filters["category"]
        category_id = getattr(category, "pk", category)
        qs = qs.filter(Q(category_id=category_id) | Q(subcategory_id=category_id))
    for name in ("channel", "priority"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("merchant"):
        qs = qs.filter(merchant_id=getattr(filters["merchant"], "pk", filters["merchant"]))
    assignee = filters.get("assignee")
    if assignee == "me":
        qs = qs.filter(assignee_id=actor.pk)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=getattr(assignee, "pk", assignee))
    if filters.get("sla") in SLA_FILTERS:
        qs = qs.filter(complaint_sla_filter(filters["sla"]), status__in=Complaint.OPEN)
    elif filters.get("sla") == BREACHED_THIS_MONTH:
        qs = qs.filter(complaint_breached_since(start_of_local_day(timezone.localdate().replace(day=1))))
    if filters.get("q"):
        qs = qs.filter(number__startswith=str(filters["q"]).strip().upper())
    return qs.order_by(*complaint_order(filters))


def complaint_get(*, actor, pk: int) -> Complaint:
    """One complaint (404 when missing or another merchant's)."""
    qs = Complaint.objects.select_related(*LIST_RELATED, "terminal", "contract", "fault_ticket", "root_cause",
                                          "recorded_by", "complainant_user", "duplicate_of")
    return get_scoped(qs, actor, pk=pk)


def complaint_messages(*, actor, complaint: Complaint):
    """The public conversation, oldest first."""
    return (scope(ComplaintMessage.objects.select_related("author").prefetch_related("attachments"), actor)
            .filter(complaint=complaint).order_by("created_at", "id"))


def complaint_notes(*, actor, complaint: Complaint):
    """Internal notes (none, ever, for a merchant user: the model has no tenant field)."""
    return (scope(ComplaintNote.objects.select_related("author"), actor)
            .filter(complaint=complaint).order_by("created_at", "id"))


def complaint_attachments(*, actor, complaint: Complaint):
    return (scope(ComplaintAttachment.objects.select_related("uploaded_by"), actor)
            .filter(complaint=complaint).order_by("uploaded_at", "id"))


def complaint_attachment_get(*, actor, pk: int) -> ComplaintAttachment:
    """One file (404 when missing or another merchant's)."""
    return get_scoped(ComplaintAttachment.objects.select_related("complaint"), actor, pk=pk)


def complaint_possible_duplicates(*, actor, complaint_kind: str, merchant=None, complainant_phone: str = "",
                                  complainant_email: str = "", category=None, exclude_pk: int | None = None,
                                  limit: int = 5):
    """Open complaints of the same complainant (the merchant, or the same phone or e-mail) on the same category:
    what the intake form shows before a second complaint is filed."""
    same = Q()
    if complaint_kind == Complaint.ComplainantKind.MERCHANT and merchant is not None:
        same |= Q(complainant_kind=complaint_kind, merchant_id=getattr(merchant, "pk", merchant))
    if (complainant_phone or "").strip():
        same |= Q(complainant_phone=complainant_phone.strip())
    if (complainant_email or "").strip():
        same |= Q(complainant_email__iexact=complainant_email.strip())
    if not same:
        return Complaint.objects.none()
    qs = scope(Complaint.objects.select_related("category"), actor).filter(same, status__in=Complaint.OPEN)
    if category is not None:
        category_id = getattr(category, "parent_id", None) or getattr(category, "pk", category)
        qs = qs.filter(category_id=category_id)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-received_at", "-id")[:limit]


def category_choices(*, actor):
    """Top-level categories in use, their subcategories in use prefetched."""
    children = Category.objects.filter(active=True).order_by("order", "code")
    return (scope(Category.objects.filter(parent__isnull=True, active=True), actor)
            .prefetch_related(Prefetch("children", queryset=children)).order_by("order", "code"))


def subcategory_choices(*, actor, category=None):
    qs = scope(Category.objects.filter(parent__isnull=False, active=True), actor)
    if category is not None:
        qs = qs.filter(parent_id=getattr(category, "pk", category))
    return qs.order_by("parent__order", "order", "code")


def root_cause_choices(*, actor):
    return scope(RootCause.objects.filter(active=True), actor).order_by("order", "code")


def canned_response_choices(*, actor, category=None):
    """Canned responses in use: general ones and those of the category."""
    qs = scope(CannedResponse.objects.filter(active=True), actor)
    if category is not None:
        category_id = getattr(category, "parent_id", None) or getattr(category, "pk", category)
        qs = qs.filter(Q(category__isnull=True) | Q(category_id=category_id))
    return qs.order_by("title", "id")


def complaints_of_ticket(*, actor, ticket):
    """The complaints linked to a fault ticket (its page shows them)."""
    return scope(Complaint.objects.only("id", "number", "subject", "status", "merchant_id"), actor).filter(
        fault_ticket_id=getattr(ticket, "pk", ticket)).order_by("-received_at", "-id")


def complaint_assignee_choices(*, actor):
    """Active staff who handle complaints (through a role, directly, or as superusers)."""
    app_label, codename = roles.HANDLE_COMPLAINT.split(".")
    perms = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (scope(User.objects.filter(kind=User.Kind.STAFF, is_active=True), actor)
            .filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms) | Q(is_superuser=True))
            .distinct().order_by("username"))


def complaint_attention_count(*, actor):
    """Open complaints due within the warning time or past due (the ops home card), counted up to a limit."""
    return bounded_count(complaint_list(actor=actor, filters={"sla": "at_risk"}), order=QUEUE_ORDER)
