"""Terminal money and health: rent charges (filters, totals per status, paid or waived), deposits taken
and refunded or forfeited, and the open health flags (stale or far-away terminals) with their follow-up."""

from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acquirer.access import AuditorView, OpsView
from acquirer.forms import ReasonForm
from acquirer.lists import bounded_count, page_from_request, query_without_position
from acquirer.views.actions import PAGE_METHODS, ActionView
from terminals import roles
from terminals.forms.money import (
    DepositRefundForm,
    DepositTakeForm,
    HealthClearForm,
    HealthFilterForm,
    RentFilterForm,
    RentPaidForm,
)
from terminals.selectors.money import (
    HEALTH_ORDER,
    RENT_ORDER,
    deposit_movement_list,
    health_flag_get,
    health_flag_list,
    health_flag_list_count,
    rent_charge_get,
    rent_charge_list,
    rent_totals,
    terminal_money_get,
    terminal_rent_list,
)
from terminals.services.health import health_flag_clear
from terminals.services.money import (
    deposit_expected,
    deposit_refund,
    deposit_take,
    rent_credit,
    rent_mark_paid,
    rent_waive,
)

MONEY = (roles.MANAGE_MONEY,)



def _back(request, default: str) -> str:
    """Back to the page the form was on (same site only), else the page named ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse(default)


# --- rent -------------------------------------------------------------------------------------

def _rent_page(request, *, area: str):
    actor = request.user
    form = RentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    charges = rent_charge_list(actor=actor, filters=filters)
    count = bounded_count(charges)
    return render(request, "terminals/shared/rent_list.html", {
        "area": area, "form": form, "page": page_from_request(request, charges, RENT_ORDER),
        "count": count, "totals": rent_totals(charges, count), "query": query_without_position(request),
        "can_manage": area == "ops" and actor.has_perms(MONEY), "reason_form": ReasonForm(),
        "here": request.get_full_path(),
    })


class RentListView(OpsView):
    permission_required = (roles.VIEW_RENT,)

    def get(self, request):
        return _rent_page(request, area="ops")


class AuditRentListView(AuditorView):
    def get(self, request):
        return _rent_page(request, area="audit")


class _RentChargeActionView(ActionView, OpsView):
    """An action on one rent charge, with a reason (or a reference); back to the list it was taken on."""

    permission_required = MONEY
    form_class = ReasonForm

    def get_object(self, pk):
        return rent_charge_get(actor=self.request.user, pk=pk)

    def get_success_url(self, charge):
        return _back(self.request, "ops:rent-list")


PAID = gettext_lazy("Rent of %(serial)s for %(month)s marked as paid.")
WAIVED = gettext_lazy("Rent of %(serial)s for %(month)s waived.")
CREDITED = gettext_lazy("Rent of %(serial)s for %(month)s credited back.")


def _charge(charge) -> dict:
    return {"serial": charge.terminal.serial_number, "month": f"{charge.month:%Y-%m}"}


class RentPaidView(_RentChargeActionView):
    form_class = RentPaidForm

    def perform(self, form, charge):
        rent_mark_paid(actor=self.request.user, charge=charge, reference=form.cleaned_data["reference"])
        return PAID % _charge(charge)


class RentWaiveView(_RentChargeActionView):
    def perform(self, form, charge):
        rent_waive(actor=self.request.user, charge=charge, reason=form.cleaned_data["reason"])
        return WAIVED % _charge(charge)


class RentCreditView(_RentChargeActionView):
    """Credit back a rent charge created wrongly (operations managers, with a reason)."""

    def perform(self, form, charge):
        rent_credit(actor=self.request.user, charge=charge, reason=form.cleaned_data["reason"])
        return CREDITED % _charge(charge)


# --- deposits ---------------------------------------------------------------------------------

def _terminal_url(terminal) -> str:
    try:
        return reverse("ops:terminal-detail", kwargs={"pk": terminal.pk})
    except NoReverseMatch:
        return ""


class _DepositView(ActionView, OpsView):
    """The deposit page of one terminal with its form (take or refund); GET shows it, POST records."""

    http_method_names = PAGE_METHODS
    permission_required = MONEY
    template_name = "terminals/ops/deposit_form.html"
    action = ""

    def get_object(self, pk):
        return terminal_money_get(actor=self.request.user, pk=pk)

    def get_form_kwargs(self):
        return {"initial": self.initial(self.object)}

    def initial(self, terminal) -> dict:
        return {}

    def render_form(self, form):
        terminal, actor = self.object, self.request.user
        return render(self.request, self.template_name, {
            "terminal": terminal, "form": form, "action": self.action, "expected": deposit_expected(terminal),
            "movements": deposit_movement_list(actor=actor, terminal=terminal),
            "charges": terminal_rent_list(actor=actor, terminal=terminal)[:12],
            "terminal_url": _terminal_url(terminal),
        })

    def get_success_url(self, terminal):
        return _terminal_url(terminal) or self.request.path


class DepositTakeView(_DepositView):
    form_class = DepositTakeForm
    action = "take"

    def initial(self, terminal):
        expected = deposit_expected(terminal)
        return {"amount": expected[0]} if expected else {}

    def perform(self, form, terminal):
        data = form.cleaned_data
        movement = deposit_take(actor=self.request.user, terminal=terminal, amount=data["amount"],
                                reference=data["reference"])
        return _("Deposit of %(amount)s %(currency)s recorded for %(serial)s.") % {
            "amount": movement.amount, "currency": movement.currency, "serial": terminal.serial_number}


class DepositRefundView(_DepositView):
    form_class = DepositRefundForm
    action = "refund"

    def perform(self, form, terminal):
        data = form.cleaned_data
        movement = deposit_refund(actor=self.request.user, terminal=terminal, condition_ok=data["condition_ok"],
                                  reference=data["reference"])
        return _("%(movement)s: %(amount)s %(currency)s for %(serial)s.") % {
            "movement": movement.get_kind_display(), "amount": movement.amount, "currency": movement.currency,
            "serial": terminal.serial_number}


# --- health -----------------------------------------------------------------------------------

class HealthListView(OpsView):
    permission_required = (roles.VIEW_HEALTH,)

    def get(self, request):
        form = HealthFilterForm(request.GET or None)
        valid = form.is_bound and form.is_valid()
        kind = form.cleaned_data.get("kind", "") if valid else ""
        open_days = form.cleaned_data.get("open_days") if valid else None
        flags = health_flag_list(actor=request.user, kind=kind, open_days=open_days)
        can_clear = any(request.user.has_perm(p) for p in (roles.ACTIVATE, roles.FIELD_WORK))
        return render(request, "terminals/ops/health_list.html", {
            "form": form, "page": page_from_request(request, flags, HEALTH_ORDER), "count": bounded_count(flags),
            "query": query_without_position(request), "can_clear": can_clear, "clear_form": HealthClearForm(),
            "counts": health_flag_list_count(actor=request.user), "here": request.get_full_path(),
        })


class HealthClearView(ActionView, OpsView):
    """Clear a flag after following it up (the service checks activate_terminal or field_work)."""

    permission_required = (roles.VIEW_HEALTH,)
    form_class = HealthClearForm

    def get_object(self, pk):
        return health_flag_get(actor=self.request.user, pk=pk)

    def perform(self, form, flag):
        health_flag_clear(actor=self.request.user, flag=flag, note=form.cleaned_data["note"])
        return _("Flag on %(serial)s cleared.") % {"serial": flag.terminal.serial_number}

    def get_success_url(self, flag):
        return _back(self.request, "ops:health-list")


ops_patterns = [
    path("terminals/rent/", RentListView.as_view(), name="rent-list"),
    path("terminals/rent/<int:pk>/paid/", RentPaidView.as_view(), name="rent-paid"),
    path("terminals/rent/<int:pk>/waive/", RentWaiveView.as_view(), name="rent-waive"),
    path("terminals/rent/<int:pk>/credit/", RentCreditView.as_view(), name="rent-credit"),
    path("terminals/<int:pk>/deposit/take/", DepositTakeView.as_view(), name="deposit-take"),
    path("terminals/<int:pk>/deposit/refund/", DepositRefundView.as_view(), name="deposit-refund"),
    path("terminals/health/", HealthListView.as_view(), name="health-list"),
    path("terminals/health/<int:pk>/clear/", HealthClearView.as_view(), name="health-clear"),
]
portal_patterns = []
audit_patterns = [
    path("terminals/rent/", AuditRentListView.as_view(), name="rent-list"),
]
