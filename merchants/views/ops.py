from django.views.generic import TemplateView

from acquirer.access import OpsView
from merchants import roles
from merchants.forms.merchants import NoteForm, ReasonForm, RiskOverrideForm
from merchants.models import Merchant
from merchants.policy import OPEN_APPLICATION, merchant_actions
from merchants.selectors.merchants import reviewer_list
from merchants.services.applications import application_gaps, sla_age_days
from merchants.views.common import MerchantDetailMixin, MerchantListMixin

M = Merchant.Status


class MerchantListView(OpsView, MerchantListMixin, TemplateView):
    template_name = "merchants/ops/merchant_list.html"
    permission_required = (roles.VIEW,)


class MerchantDetailView(OpsView, MerchantDetailMixin, TemplateView):
    """The merchant "360" page with the review decisions the actor may take now."""

    template_name = "merchants/ops/merchant_detail.html"
    permission_required = (roles.VIEW,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        merchant, user = ctx["merchant"], self.request.user
        review = user.has_perm(roles.REVIEW)
        open_application = merchant.status in OPEN_APPLICATION
        ctx.update(
            # The buttons come from the same policy the services check (merchants/policy.py).
            actions=merchant_actions(user, merchant),
            gaps=application_gaps(merchant) if merchant.status in (M.DRAFT, M.INFO_REQUESTED) else [],
            sla_days=sla_age_days(merchant) if open_application else None,
            waiting_second_approval=merchant.first_approval_by_id is not None and merchant.status == M.UNDER_REVIEW,
            reviewers=reviewer_list(actor=user) if review and open_application else [],
            note_form=NoteForm(), reason_form=ReasonForm(), risk_form=RiskOverrideForm(),
        )
        return ctx
