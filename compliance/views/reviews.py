"""Access review pages (PCI DSS 7.2.4): the campaigns, one campaign with a confirm/revoke per account, starting the
current half-year's campaign and completing one. Auditors read the campaigns (GET only). Reads go through
``compliance.selectors.reviews``, writes through ``compliance.services.reviews``."""

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from acquirer.access import AuditorView, OpsView
from acquirer.lists import page_count, page_from_request, query_without_position
from acquirer.policy import allows
from acquirer.views.actions import ActionView
from compliance import roles
from compliance.forms.reviews import DecisionForm
from compliance.models import AccessReviewItem
from compliance.policy import REVIEW_COMPLETE, REVIEW_CONFIRM, REVIEW_REVOKE, REVIEW_START
from compliance.selectors import reviews as sel
from compliance.services import reviews as svc


class _ReviewListMixin:
    area = "ops"

    def get(self, request):
        rows = sel.review_list(actor=request.user)
        page = page_from_request(request, rows, sel.REVIEW_ORDER)
        can_start = (self.area == "ops" and allows(request.user, REVIEW_START)
                     and not sel.review_current_exists(actor=request.user))
        return render(request, "compliance/reviews/review_list.html", {
            "area": self.area, "page": page, "rows": page.object_list,
            "count": page_count(rows, page, sel.REVIEW_ORDER), "query": query_without_position(request),
            "can_start": can_start, "period": sel.current_period()})


class OpsReviewListView(_ReviewListMixin, OpsView):
    permission_required = (roles.VIEW_ACCESS_REVIEW,)


class AuditReviewListView(_ReviewListMixin, AuditorView):
    area = "audit"


class _ReviewDetailMixin:
    area = "ops"

    def get(self, request, pk):
        actor = request.user
        review = sel.review_get(actor=actor, pk=pk)
        items = list(sel.review_items(actor=actor, review=review))
        for item in items:
            item.review = review  # the rules read the campaign's status: no query per row
        rows = [(item, self.area == "ops" and allows(actor, REVIEW_CONFIRM, item),
                 self.area == "ops" and allows(actor, REVIEW_REVOKE, item)) for item in items]
        pending = sum(1 for item in items if item.decision == AccessReviewItem.Decision.PENDING)
        return render(request, "compliance/reviews/review_detail.html", {
            "area": self.area, "review": review, "rows": rows, "pending": pending,
            "can_complete": self.area == "ops" and pending == 0 and allows(actor, REVIEW_COMPLETE, review),
            "form": DecisionForm()})


class OpsReviewDetailView(_ReviewDetailMixin, OpsView):
    permission_required = (roles.VIEW_ACCESS_REVIEW,)


class AuditReviewDetailView(_ReviewDetailMixin, AuditorView):
    area = "audit"


def _page_url(request, review_pk: int) -> str:
    """The campaign's page, as the evidence link (the audit area's page: what an auditor opens)."""
    return request.build_absolute_uri(reverse("audit:access-review-detail", args=[review_pk]))


class OpsReviewStartView(ActionView, OpsView):
    permission_required = (roles.REVIEW_ACCESS,)

    def perform(self, form, obj):
        self.object = svc.access_review_start(actor=self.request.user)
        return _("The access review %(period)s is open.") % {"period": self.object.period}

    def get_success_url(self, review):
        return reverse("ops:access-review-detail", args=[review.pk])

    def get_failure_url(self, obj):
        return reverse("ops:access-review-list")


class _DecideView(ActionView, OpsView):
    permission_required = (roles.REVIEW_ACCESS,)
    form_class = DecisionForm
    decision = ""

    def get_object(self, pk):
        return sel.review_item_get(actor=self.request.user, pk=pk)

    def perform(self, form, item):
        svc.access_review_decide(actor=self.request.user, item=item, decision=self.decision,
                                 note=form.cleaned_data["note"], page_url=_page_url(self.request, item.review_id))
        if self.decision == AccessReviewItem.Decision.REVOKED:
            return _("Access of %(account)s revoked: roles removed and sessions ended.") % {"account": item.user}
        return _("Access of %(account)s confirmed.") % {"account": item.user}

    def get_success_url(self, item):
        return reverse("ops:access-review-detail", args=[item.review_id])


class OpsReviewConfirmView(_DecideView):
    decision = AccessReviewItem.Decision.CONFIRMED


class OpsReviewRevokeView(_DecideView):
    decision = AccessReviewItem.Decision.REVOKED


class OpsReviewCompleteView(ActionView, OpsView):
    permission_required = (roles.REVIEW_ACCESS,)

    def get_object(self, pk):
        return sel.review_get(actor=self.request.user, pk=pk)

    def perform(self, form, review):
        svc.access_review_complete(actor=self.request.user, review=review, page_url=_page_url(self.request, review.pk))
        return _("The access review is completed.")

    def get_success_url(self, review):
        return reverse("ops:access-review-detail", args=[review.pk])


ops_patterns = [
    path("compliance/access-reviews/", OpsReviewListView.as_view(), name="access-review-list"),
    path("compliance/access-reviews/start/", OpsReviewStartView.as_view(), name="access-review-start"),
    path("compliance/access-reviews/<int:pk>/", OpsReviewDetailView.as_view(), name="access-review-detail"),
    path("compliance/access-reviews/<int:pk>/complete/", OpsReviewCompleteView.as_view(),
         name="access-review-complete"),
    path("compliance/access-review-items/<int:pk>/confirm/", OpsReviewConfirmView.as_view(),
         name="access-review-confirm"),
    path("compliance/access-review-items/<int:pk>/revoke/", OpsReviewRevokeView.as_view(),
         name="access-review-revoke"),
]
audit_patterns = [
    path("compliance/access-reviews/", AuditReviewListView.as_view(), name="access-review-list"),
    path("compliance/access-reviews/<int:pk>/", AuditReviewDetailView.as_view(), name="access-review-detail"),
]
