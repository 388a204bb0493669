"""Running assessments: checklist templates, starting an assessment from a template, assigning and answering its
items, submitting for sign-off, signing off (by a reviewer who answered none of the items) or sending back, and the
scheduled job that starts the assessment of the current period of every recurring template."""

from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer import audit, policy
from acquirer.calendar import add_working_days
from acquirer.exceptions import DomainError, TransitionNotAllowed
from acquirer.models import User
from acquirer.services.notifications import notify_many
from acquirer.workflow import advance
from compliance import roles
from compliance.models import Assessment, AssessmentItem, ChecklistTemplate, Framework
from compliance.models.common import Frequency
from compliance.policy import ACTIONS
from compliance.workflow import ASSESSMENT_MOVES

S = AssessmentItem.Status
R = AssessmentItem.Result
# the moves of an item while its assessment is open (an answered item may be reopened)
ITEM_MOVES = {
    S.TODO: {S.IN_PROGRESS, S.IN_REVIEW, S.DONE},
    S.IN_PROGRESS: {S.TODO, S.IN_REVIEW, S.DONE},
    S.IN_REVIEW: {S.IN_PROGRESS, S.DONE},
    S.DONE: {S.IN_PROGRESS, S.IN_REVIEW},
}
NEEDS_COMMENT = {R.PARTIAL, R.NON_COMPLIANT}
MONTHS = {Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6, Frequency.ANNUAL: 12}


# --- periods --------------------------------------------------------------------------------------------------------

def period_of(frequency: str, day: date) -> tuple[date, date]:
    """The period (first and last day) of ``frequency`` that contains ``day``."""
    months = MONTHS[frequency]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + months
    end = (date(day.year + 1, 1, 1) if end_month > 12 else date(day.year, end_month, 1))
    return start, date.fromordinal(end.toordinal() - 1)


def period_label(frequency: str, start: date) -> str:
    if frequency == Frequency.QUARTERLY:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if frequency == Frequency.HALF_YEARLY:
        return f"{start.year}-H{(start.month - 1) // 6 + 1}"
    if frequency == Frequency.ANNUAL:
        return str(start.year)
    return start.isoformat()


# --- templates ------------------------------------------------------------------------------------------------------

@transaction.atomic
def template_create(*, actor: User, name_zh: str, name_en: str, kind: str, framework: Framework | None,
                    requirements, frequency: str, scope: str = "", default_assignee: User | None = None,
                    days_to_complete: int = 20) -> ChecklistTemplate:
    policy.require_permission(actor, roles.RUN_ASSESSMENT)
    requirements = list(requirements)
    if not requirements:
        raise DomainError(_("Pick at least one requirement."))
    if framework is not None and any(r.framework_id != framework.pk for r in requirements):
        raise DomainError(_("Pick requirements of the chosen framework only."))
    template = ChecklistTemplate.objects.create(
        name_zh=name_zh, name_en=name_en, kind=kind, framework=framework, frequency=frequency, scope=scope,
        default_assignee=default_assignee, days_to_complete=days_to_complete, created_by=actor)
    template.requirements.set(requirements)
    audit.record("checklist_template.created", actor=actor, target=template, after={
        "kind": kind, "frequency": frequency, "requirements": sorted(r.reference for r in requirements),
        "default_assignee": str(default_assignee or "")})
    return template


# --- assessments ----------------------------------------------------------------------------------------------------

def _notify_assignees(assessment: Assessment, items: list[AssessmentItem]) -> None:
    counts: dict[int, tuple[User, int]] = {}
    for item in items:
        if item.assignee_id:
            user, count = counts.get(item.assignee_id, (item.assignee, 0))
            counts[item.assignee_id] = (user, count + 1)
    url = reverse("ops:assessment-mine")
    notify_many([{"recipient": user, "kind": "compliance.assessment_assigned",
                  "title": gettext_lazy("Assessment items for you: %(title)s"),
                  "body": gettext_lazy("%(count)s item(s) of “%(title)s” are assigned to you, due %(due)s."),
                  "url": url, "params": {"title": assessment.title, "count": count, "due": assessment.due_on}}
                 for user, count in counts.values()])


def _create(*, actor: User | None, template: ChecklistTemplate, title: str, scope: str, period_start: date,
            period_end: date, due_on: date, reviewer: User | None, assignee: User | None) -> Assessment:
    assessment = Assessment.objects.create(
        template=template, title=title[:200], kind=template.kind, scope=scope, period_start=period_start,
        period_end=period_end, due_on=due_on, reviewer=reviewer, created_by=actor)
    requirements = template.requirements.select_related("framework").order_by("framework__code", "order", "id")
    items = AssessmentItem.objects.bulk_create([
        AssessmentItem(assessment=assessment, requirement=requirement, assignee=assignee, order=order)
        for order, requirement in enumerate(requirements, start=1)])
    audit.record("assessment.started", actor=actor, target=assessment, after={
        "period_start": period_start, "period_end": period_end, "due_on": due_on, "reviewer": str(reviewer or ""),
        "assignee": str(assignee or ""), "items": len(items)}, data={"template": str(template)})
    _notify_assignees(assessment, items)
    return assessment


@transaction.atomic
def assessment_start(*, actor: User, template: ChecklistTemplate, title: str, scope: str, period_start: date,
                     period_end: date, due_on: date, reviewer: User | None, assignee: User | None) -> Assessment:
    policy.require_permission(actor, roles.RUN_ASSESSMENT)
    if period_end < period_start:
        error = DomainError(_("The period ends before it starts."))
        error.field = "period_end"
        raise error
    if not template.active:
        raise DomainError(_("This checklist is no longer in use."))
    if Assessment.objects.filter(template=template, period_start=period_start).exists():
        error = DomainError(_("An assessment of this checklist for the period starting %(start)s exists already.")
                            % {"start": period_start})
        error.field = "period_start"
        raise error
    try:
        with transaction.atomic():
            return _create(actor=actor, template=template, title=title, scope=scope, period_start=period_start,
                           period_end=period_end, due_on=due_on, reviewer=reviewer, assignee=assignee)
    except IntegrityError:
        raise DomainError(_("An assessment of this checklist for the period starting %(start)s exists already.")
                          % {"start": period_start}) from None


def _lock(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update(of=("self",)).select_related("reviewer").get(pk=assessment.pk)


@transaction.atomic
def assessment_submit(*, actor: User, assessment: Assessment) -> Assessment:
    assessment = _lock(assessment)
    policy.require(actor, ACTIONS["assessment_submit"], assessment)
    return advance(assessment, to=Assessment.Status.IN_REVIEW, moves=ASSESSMENT_MOVES, actor=actor,
                   action="assessment.submitted")


@transaction.atomic
def assessment_sign_off(*, actor: User, assessment: Assessment, note: str = "") -> Assessment:
    assessment = _lock(assessment)
    policy.require(actor, ACTIONS["assessment_sign_off"], assessment)
    assessment.signed_off_by, assessment.signed_off_at = actor, timezone.now()
    assessment.sign_off_note = (note or "").strip()
    return advance(assessment, to=Assessment.Status.SIGNED_OFF, moves=ASSESSMENT_MOVES, actor=actor,
                   action="assessment.signed_off", data={"note": assessment.sign_off_note},
                   extra_fields=("signed_off_by", "signed_off_at", "sign_off_note"))


@transaction.atomic
def assessment_send_back(*, actor: User, assessment: Assessment, note: str) -> Assessment:
    assessment = _lock(assessment)
    policy.require(actor, ACTIONS["assessment_send_back"], assessment)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say what must be looked at again."))
    return advance(assessment, to=Assessment.Status.OPEN, moves=ASSESSMENT_MOVES, actor=actor,
                   action="assessment.sent_back", data={"note": note})


# --- items ----------------------------------------------------------------------------------------------------------

def _lock_item(item: AssessmentItem) -> AssessmentItem:
    item = AssessmentItem.objects.select_for_update().get(pk=item.pk)
    item.assessment = Assessment.objects.select_for_update().get(pk=item.assessment_id)
    return item


@transaction.atomic
def item_assign(*, actor: User, item: AssessmentItem, assignee: User | None) -> AssessmentItem:
    item = _lock_item(item)
    policy.require(actor, ACTIONS["item_assign"], item)
    if assignee is not None and assignee.kind != "staff":
        raise DomainError(_("Items are assigned to staff."))
    before = str(item.assignee or "")
    item.assignee = assignee
    item.save(update_fields=["assignee"])
    audit.record("assessment_item.assigned", actor=actor, target=item, before={"assignee": before},
                 after={"assignee": str(assignee or "")})
    if assignee is not None and assignee.pk != actor.pk:
        _notify_assignees(item.assessment, [item])
    return item


@transaction.atomic
def item_answer(*, actor: User, item: AssessmentItem, status: str, result: str, comment: str) -> AssessmentItem:
    """Set an item's status, result and comment. Done needs a result; partial or non-compliant needs a comment."""
    item = _lock_item(item)
    policy.require(actor, ACTIONS["item_answer"], item)
    comment = (comment or "").strip()
    if status != item.status and status not in ITEM_MOVES.get(item.status, ()):
        raise TransitionNotAllowed(_("An item that is “%(current)s” cannot become “%(target)s”.") % {
            "current": item.get_status_display(), "target": S(status).label})
    if status == S.DONE and not result:
        error = DomainError(_("Give the result before marking the item done."))
        error.field = "result"
        raise error
    if result in NEEDS_COMMENT and not comment:
        error = DomainError(_("Explain in the comment what is missing when the result is partial or "
                              "non-compliant."))
        error.field = "comment"
        raise error
    before = {"status": item.status, "result": item.result, "comment": item.comment}
    item.status, item.result, item.comment = status, result, comment
    if (before["result"], before["comment"]) != (result, comment) or before["status"] != status:
        item.answered_by, item.answered_at = actor, timezone.now()
    item.save(update_fields=["status", "result", "comment", "answered_by", "answered_at"])
    after = {"status": item.status, "result": item.result, "comment": item.comment}
    audit.record("assessment_item.answered", actor=actor, target=item,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={k: v for k, v in after.items() if before[k] != v})
    return item


# --- the recurring job ----------------------------------------------------------------------------------------------

def recurring_assessments(*, today: date | None = None) -> dict:
    """Start the assessment of the current period of every active template with a frequency, once: the unique
    template + period start makes a second run (or a race) create nothing."""
    today = today or timezone.localdate()
    created = existing = 0
    templates = ChecklistTemplate.objects.filter(active=True, frequency__in=list(MONTHS)).select_related(
        "default_assignee")
    for template in templates:
        start, end = period_of(template.frequency, today)
        if Assessment.objects.filter(template=template, period_start=start).exists():
            existing += 1
            continue
        title = f"{template} {period_label(template.frequency, start)}"
        try:
            with transaction.atomic():
                _create(actor=None, template=template, title=title, scope=template.scope, period_start=start,
                        period_end=end, due_on=add_working_days(start, template.days_to_complete), reviewer=None,
                        assignee=template.default_assignee)
        except IntegrityError:
            existing += 1
            continue
        created += 1
    return {"created": created, "existing": existing}

