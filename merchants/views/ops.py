from django.views.generic import ListView, TemplateView

from acquirer.access import OpsView
from acquirer.workflow import allowed_moves
from merchants.forms import NoteForm, ReasonForm, RiskOverrideForm
from merchants.models import Merchant
from merchants.selectors import reviewer_list
from merchants.services.applications import application_gaps, sla_age_days
from merchants.views.common import MerchantDetailMixin, MerchantListMixin
from merchants.workflow import MERCHANT_MOVES

M = Merchant.Status


class MerchantListView(OpsView, MerchantListMixin, ListView):
    template_name = "merchants/ops/merchant_list.html"
    permission_required = ("merchants.view_merchant",)


class MerchantDetailView(OpsView, MerchantDetailMixin, TemplateView):
    """The merchant "360" page with the review decisions the actor may take now."""

    template_name = "merchants/ops/merchant_detail.html"
    permission_required = ("merchants.view_merchant",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant, user = ctx["merchant"], self.request.user
        moves = allowed_moves(merchant, MERCHANT_MOVES)
        review = user.has_perm("merchants.review_merchant")
        open_application = merchant.status in (M.SUBMITTED, M.UNDER_REVIEW, M.INFO_REQUESTED)
        ctx.update(
            actions={
                "submit": review and M.SUBMITTED in moves,
                "start_review": review and merchant.status == M.SUBMITTED,
                "decide": review and merchant.status == M.UNDER_REVIEW,
                # Each button asks the permission its service (merchants.services.applications) asks.
                "activate": (merchant.status == M.APPROVED and user.has_perm("merchants.manage_contracts"))
                or (merchant.status == M.SUSPENDED and user.has_perm("merchants.reactivate_merchant")),
                "suspend": user.has_perm("merchants.suspend_merchant") and M.SUSPENDED in moves,
                "terminate": user.has_perm("merchants.terminate_merchant") and M.TERMINATED in moves,
                "assign": review and open_application,
                "risk_refresh": review and merchant.status not in (M.REJECTED, M.TERMINATED),
                "risk_override": user.has_perm("merchants.override_risk")
                and merchant.status not in (M.REJECTED, M.TERMINATED),
                "edit": review and merchant.status in (M.DRAFT, M.INFO_REQUESTED),
            },
            gaps=application_gaps(merchant) if merchant.status in (M.DRAFT, M.INFO_REQUESTED) else [],
            sla_days=sla_age_days(merchant) if open_application else None,
            waiting_second_approval=merchant.first_approval_by_id is not None and merchant.status == M.UNDER_REVIEW,
            reviewers=reviewer_list(actor=user) if review and open_application else [],
            note_form=NoteForm(), reason_form=ReasonForm(), risk_form=RiskOverrideForm(),
        )
        return ctx
