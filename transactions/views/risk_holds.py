"""Settlement hold pages that read: the staff list with its status filter (actions in ``risk_hold_actions``),
the auditors' list, and the merchant's own holds with only what a merchant may see (the wording meant for it and
the review date; never the internal reason, the rule or the case)."""

from django.urls import path
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView, PortalView
from acquirer.lists import page_count, page_from_request, query_without_position
from transactions import roles
from transactions.forms.risk import HoldFilterForm
from transactions.selectors.risk import HOLD_ORDER, hold_list, portal_hold_list


class HoldListMixin:
    template_name = "transactions/shared/risk/hold_list.html"
    area = "ops"

    def hold_actions(self, holds) -> None:
        """Ops adds the buttons each hold offers (``risk_hold_actions``)."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        if not set(HoldFilterForm.base_fields) & set(data):
            data["status"] = "in_force"
        form = HoldFilterForm(data)
        filters = form.cleaned_data if form.is_valid() else {}
        rows = hold_list(actor=self.request.user, filters=filters)
        page = page_from_request(self.request, rows, HOLD_ORDER)
        holds = list(page.object_list)
        self.hold_actions(holds)
        ctx.update(area=self.area, form=form, page=page, count=page_count(rows, page, HOLD_ORDER), holds=holds,
                   query=query_without_position(self.request))
        return ctx


class OpsHoldListView(OpsView, HoldListMixin, TemplateView):
    permission_required = (roles.VIEW_HOLD,)

    def hold_actions(self, holds) -> None:
        """The buttons of each hold; where four eyes refuse the approval, why (instead of a silent absence)."""
        from acquirer.exceptions import DomainError
        from acquirer.policy import available_actions, permitted, require
        from transactions.case_policy import HOLD_ACTIONS

        user = self.request.user
        names = ("request_release", "approve_release", "reject_release")
        for hold in holds:
            hold.actions = available_actions(user, hold, [HOLD_ACTIONS[name] for name in names])
            approve = HOLD_ACTIONS["approve_release"]
            if "approve_release" not in hold.actions and permitted(user, approve) \
                    and hold.status == hold.Status.RELEASE_REQUESTED:
                try:
                    require(user, approve, hold)
                except DomainError as error:
                    hold.refusal = str(error)


class AuditHoldListView(AuditorView, HoldListMixin, TemplateView):
    area = "audit"


class PortalHoldListView(PortalView, TemplateView):
    template_name = "transactions/portal/risk/hold_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = portal_hold_list(actor=self.request.user)
        page = page_from_request(self.request, rows, HOLD_ORDER)
        ctx.update(page=page, holds=page.object_list, count=page_count(rows, page, HOLD_ORDER),
                   query=query_without_position(self.request))
        return ctx


ops_patterns = [
    path("risk/holds/", OpsHoldListView.as_view(), name="risk-hold-list"),
]
portal_patterns = [
    path("holds/", PortalHoldListView.as_view(), name="hold-list"),
]
audit_patterns = [
    path("risk/holds/", AuditHoldListView.as_view(), name="risk-hold-list"),
]
