"""Gate matrix samples of the regulatory change, access review and retention URLs: a change with a task and required
reading, a campaign with an item, a legal hold."""

from datetime import date

from compliance.models import (
    AccessReview,
    AccessReviewItem,
    ChangeTask,
    LegalHold,
    ReadingAcknowledgement,
    RegulatoryChange,
)


def build(ctx) -> None:
    officer = ctx["users"]["compliance_officer"]
    change = RegulatoryChange.objects.create(
        title="Gate change", source="PBOC", published_on=date(2026, 1, 5), effective_on=date(2026, 3, 1),
        summary="Summary", created_by=officer)
    ctx["change"] = change
    ctx["change_task"] = ChangeTask.objects.create(change=change, title="Update the procedure", owner=officer,
                                                   due_on=date(2026, 2, 1))
    ReadingAcknowledgement.objects.create(change=change, user=ctx["users"]["risk_analyst"])
    review = AccessReview.objects.create(period="2000-H1", title="Gate review", started_on=date(2000, 1, 1),
                                         due_on=date(2000, 1, 31))
    ctx["access_review"] = review
    ctx["access_review_item"] = AccessReviewItem.objects.create(
        review=review, user=ctx["users"]["field_engineer"], kind="staff", roles=["field_engineer"])
    ctx["legal_hold"] = LegalHold.objects.create(matter="Gate matter", reason="Litigation",
                                                 merchant_id=ctx["merchant_a"].pk, placed_by=officer)


def samples(ctx) -> dict:
    change = {"pk": ctx["change"].pk}
    review = {"pk": ctx["access_review"].pk}
    item = {"pk": ctx["access_review_item"].pk}
    return {
        **{name: change for name in ("ops:regulatory-change-detail", "ops:regulatory-change-edit",
                                     "ops:regulatory-change-task-add", "ops:regulatory-change-reading-assign",
                                     "ops:regulatory-change-acknowledge", "audit:regulatory-change-detail")},
        "ops:regulatory-change-move": {**change, "to": "assessing"},
        "ops:regulatory-change-task-done": {"pk": ctx["change_task"].pk},
        **{name: review for name in ("ops:access-review-detail", "ops:access-review-complete",
                                     "audit:access-review-detail")},
        "ops:access-review-confirm": item,
        "ops:access-review-revoke": item,
        "ops:retention-edit": {"key": "merchant_file"},
        "ops:legal-hold-release": {"pk": ctx["legal_hold"].pk},
    }
