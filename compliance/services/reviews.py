"""Access reviews (PCI DSS 7.2.4): a campaign every half-year lists every active staff and auditor account with its
roles; managers confirm or revoke each (never their own). A revocation takes effect at once
(``acquirer.services.users.user_revoke_access``: roles removed, an auditor disabled, sessions ended). When the last
account is decided the campaign completes and its result becomes evidence on the control ``access-review`` (when the
library has it)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acquirer import audit, policy
from acquirer.calendar import add_working_days
from acquirer.exceptions import DomainError
from acquirer.models import User
from acquirer.services.users import user_revoke_access
from compliance.models import AccessReview, AccessReviewItem, Control, Evidence
from compliance.policy import REVIEW_COMPLETE, REVIEW_CONFIRM, REVIEW_REVOKE, REVIEW_START
from compliance.selectors.reviews import DUE_WORKING_DAYS, half_year

CONTROL_CODE = "access-review"
D = AccessReviewItem.Decision


def _accounts():
    return (User.objects.filter(is_active=True, kind__in=[User.Kind.STAFF, User.Kind.AUDITOR])
            .prefetch_related("groups").order_by("pk"))


def _create(*, actor: User | None, today: date) -> AccessReview | None:
    period, start = half_year(today)
    if AccessReview.objects.filter(period=period).exists():
        return None
    try:
        with transaction.atomic():
            review = AccessReview.objects.create(
                period=period, title=_("Access review %(period)s") % {"period": period}, started_on=today,
                due_on=add_working_days(max(today, start), DUE_WORKING_DAYS), created_by=actor)
            items = [AccessReviewItem(review=review, user=user, kind=user.kind,
                                      roles=sorted(group.name for group in user.groups.all()),
                                      last_login=user.last_login) for user in _accounts()]
            AccessReviewItem.objects.bulk_create(items)
            audit.record("access_review.started", actor=actor, target=review,
                         data={"period": period, "items": len(items)})
    except IntegrityError:  # another run created it meanwhile
        return None
    return review


def access_review_schedule(*, today: date | None = None) -> dict:
    """The scheduled job (1 January and 1 July): this half-year's campaign, once. Safe to run twice."""
    review = _create(actor=None, today=today or timezone.localdate())
    return {"created": 1 if review else 0, "items": review.items.count() if review else 0}


def access_review_start(*, actor: User, today: date | None = None) -> AccessReview:
    """A manager starts the current half-year's campaign when the job has not (yet)."""
    policy.require(actor, REVIEW_START)
    review = _create(actor=actor, today=today or timezone.localdate())
    if review is None:
        raise DomainError(_("This half-year's access review already exists."))
    return review


def _complete(*, actor: User, review: AccessReview, page_url: str) -> AccessReview:
    """Close the campaign (the caller holds its lock) and keep its result as evidence."""
    policy.require(actor, REVIEW_COMPLETE, review)
    counts = {decision: 0 for decision in D.values}
    for decision in review.items.values_list("decision", flat=True):
        counts[decision] += 1
    review.status, review.completed_at, review.completed_by = AccessReview.Status.COMPLETED, timezone.now(), actor
    review.save(update_fields=["status", "completed_at", "completed_by"])
    audit.record("access_review.completed", actor=actor, target=review, before={"status": "open"},
                 after={"status": "completed"}, data={"confirmed": counts[D.CONFIRMED], "revoked": counts[D.REVOKED]})
    control = Control.objects.filter(code=CONTROL_CODE).first()
    if control is not None and page_url:
        # the campaign's result is system evidence: recorded here (the manager who completes it need not keep the
        # library, which evidence_add asks of whoever attaches to a control), audited as evidence.added
        evidence = Evidence.objects.create(
            title=_("Access review %(period)s: %(confirmed)s confirmed, %(revoked)s revoked")
            % {"period": review.period, "confirmed": counts[D.CONFIRMED], "revoked": counts[D.REVOKED]},
            kind=Evidence.Kind.LINK, url=page_url[:500], owner=actor, added_by=actor, control=control)
        audit.record("evidence.added", actor=actor, target=evidence,
                     after={"title": evidence.title, "kind": evidence.kind, "url": evidence.url},
                     data={"attached_to": str(control)})
    return review


@transaction.atomic
def access_review_complete(*, actor: User, review: AccessReview, page_url: str = "") -> AccessReview:
    review = AccessReview.objects.select_for_update().get(pk=review.pk)
    return _complete(actor=actor, review=review, page_url=page_url)


@transaction.atomic
def access_review_decide(*, actor: User, item: AccessReviewItem, decision: str, note: str = "",
                         page_url: str = "") -> AccessReviewItem:
    """Confirm or revoke one account. A revocation takes effect at once; the last decision completes the campaign.
    ``page_url`` is the campaign's page (the evidence link)."""
    action = {D.CONFIRMED: REVIEW_CONFIRM, D.REVOKED: REVIEW_REVOKE}.get(decision)
    if action is None:
        raise DomainError(_("Confirm or revoke."))
    review = AccessReview.objects.select_for_update().get(pk=item.review_id)
    item = AccessReviewItem.objects.select_for_update().select_related("user", "review").get(pk=item.pk)
    policy.require(actor, action, item)
    note = (note or "").strip()
    if decision == D.REVOKED and not note:
        raise DomainError(_("Say why the access is revoked."))
    item.decision, item.decided_by, item.decided_at, item.note = decision, actor, timezone.now(), note[:500]
    item.save(update_fields=["decision", "decided_by", "decided_at", "note"])
    audit.record(action.audit_action, actor=actor, target=review, before={"decision": D.PENDING},
                 after={"decision": decision}, data={"account": str(item.user), "note": item.note,
                                                     "roles": item.roles})
    if decision == D.REVOKED:
        user_revoke_access(actor=actor, user=item.user,
                           reason=_("Access review %(period)s: %(note)s") % {"period": review.period, "note": note})
    if not review.items.filter(decision=D.PENDING).exists():
        _complete(actor=actor, review=review, page_url=page_url)
    return item
