"""Blacklist pages (ops: list, add, remove; auditors: read-only list) and the audited reveal of an
encrypted KYC value. URL lists are wired into merchants/urls.py under ops: and audit:."""

from django.contrib import messages
from django.http import Http404
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from acquirer.access import AuditorView, OpsView
from acquirer.forms import ReasonForm
from acquirer.lists import bounded_count, page_from_request, query_without_position
from acquirer.views.actions import PAGE_METHODS, ActionView
from merchants import roles
from merchants.forms.kyc import BlacklistEntryForm, BlacklistSearchForm
from merchants.selectors.blacklist import BLACKLIST_ORDER, blacklist_get, blacklist_list
from merchants.services.blacklist import blacklist_add, blacklist_remove
from merchants.services.secrets import is_revealable, kyc_secret_reveal


class BlacklistListMixin:
    """The blacklist, newest first, a keyset page at a time with a bounded count."""

    template_name = "merchants/shared/blacklist_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        search = BlacklistSearchForm(self.request.GET)
        filters = search.cleaned_data if search.is_valid() else {}
        entries = blacklist_list(actor=self.request.user, search=filters.get("q", ""),
                                 state=filters.get("state", ""))
        page = page_from_request(self.request, entries, BLACKLIST_ORDER)
        ctx.update(entries=page.object_list, page=page, count=bounded_count(entries), search=search,
                   query=query_without_position(self.request), can_manage=False)
        return ctx


class BlacklistListView(OpsView, BlacklistListMixin, TemplateView):
    permission_required = (roles.VIEW_BLACKLIST,)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = self.request.user.has_perm(roles.MANAGE_BLACKLIST)
        return ctx


class AuditBlacklistListView(AuditorView, BlacklistListMixin, TemplateView):
    pass


class BlacklistAddView(ActionView, OpsView):
    http_method_names = PAGE_METHODS
    template_name = "merchants/ops/blacklist_add.html"
    permission_required = (roles.MANAGE_BLACKLIST,)
    form_class = BlacklistEntryForm

    def perform(self, form, obj):
        data = form.cleaned_data
        entry = blacklist_add(actor=self.request.user, uscc=data["uscc"], person_id=data["person_id"],
                              name=data["name"], reason=data["reason"], source=data["source"])
        for warning in form.fields["person_id"].warnings:
            messages.warning(self.request, warning)
        return _("Blacklist entry %(id)s added; %(count)d active merchant(s) suspended.") % {
            "id": entry.pk, "count": len(entry.suspended_merchant_ids)}

    def get_success_url(self, obj):
        return reverse("ops:blacklist-list")


class BlacklistRemoveView(ActionView, OpsView):
    permission_required = (roles.MANAGE_BLACKLIST,)
    form_class = ReasonForm

    def get_object(self, pk):
        return blacklist_get(actor=self.request.user, pk=pk)

    def perform(self, form, entry):
        blacklist_remove(actor=self.request.user, entry=entry, reason=form.cleaned_data["reason"])
        return _("Blacklist entry %(id)s removed.") % {"id": entry.pk}

    def get_success_url(self, entry):
        return reverse("ops:blacklist-list")


@method_decorator(never_cache, name="dispatch")
class SecretRevealView(OpsView, TemplateView):
    """The clear value of one encrypted field, on its own uncached page; every viewing is audited. Not an
    ``ActionView``: its POST answers with the page that shows the value, not with a redirect and a message."""

    template_name = "merchants/ops/secret_reveal.html"
    permission_required = (roles.VIEW_SECRETS,)
    http_method_names = ["post"]

    def post(self, request, model, pk, field):
        if not is_revealable(model, field):
            raise Http404
        obj, value = kyc_secret_reveal(actor=request.user, model=model, pk=pk, field=field)
        merchant_id = obj.pk if model == "merchant" else obj.merchant_id
        return self.render_to_response(self.get_context_data(
            obj=obj, value=value, merchant_id=merchant_id, label=type(obj)._meta.get_field(field).verbose_name))


ops_patterns = [
    path("blacklist/", BlacklistListView.as_view(), name="blacklist-list"),
    path("blacklist/add/", BlacklistAddView.as_view(), name="blacklist-add"),
    path("blacklist/<int:pk>/remove/", BlacklistRemoveView.as_view(), name="blacklist-remove"),
    path("kyc/<str:model>/<int:pk>/<str:field>/reveal/", SecretRevealView.as_view(), name="secret-reveal"),
]
portal_patterns = []
audit_patterns = [
    path("blacklist/", AuditBlacklistListView.as_view(), name="blacklist-list"),
]
